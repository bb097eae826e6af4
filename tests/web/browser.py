"""Helpers for the browser tests: sign in, and make a call arrive."""

from __future__ import annotations

from typing import Any

from centralita.app.intake import new_interaction_id, resolve
from centralita.demo import DEMO_PASSWORD
from web.live_server import LiveServer


def sign_in(browser: Any, server: LiveServer, username: str, lang: str = "en") -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(5000)
    page.goto(server.url + "/login")
    if lang == "en":
        page.get_by_role("button", name="EN").click()
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("#login button.primary").click()
    page.wait_for_load_state("networkidle")
    return page


def call_arrives(server: LiveServer, *, ani: str, dnis: str) -> str:
    """An inbound call through the live center's entry point, as telephony will do it."""
    routing = resolve(server.store, ani=ani, dnis=dnis)
    interaction_id = new_interaction_id()
    server.on_loop(
        lambda runner: runner.arrive(
            interaction_id=interaction_id,
            tenant_id=routing.tenant_id,
            queue=routing.queue,
            ani=ani,
            dnis=dnis,
            contact_id=routing.contact_id,
            campaign_id=routing.campaign_id,
        )
    )
    return interaction_id
