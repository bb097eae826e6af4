"""The desktop's IVR panel in headless Chromium: what the IVR learnt pops with the offer."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from centralita.app.intake import new_interaction_id, resolve
from centralita.clock import utcnow
from centralita.core.events import CallerHungUp
from centralita.store import events
from web.browser import call_arrives, sign_in
from web.live_server import LiveServer

pytestmark = pytest.mark.slow

MARIA = "+573001234500"  # a demo contact's number
SALES_LINE = "6015550100"  # the Ventas campaign's number


def call_after_the_ivr(server: LiveServer, attributes: dict[str, str]) -> str:
    """A call that went through a flow: its events journaled as `VoiceIvr._journal` does,
    then admitted to the queue with the flow's routing, as `voice_ivr_exits.enqueue` does."""
    routing = resolve(server.store, ani=MARIA, dnis=SALES_LINE)
    iid = new_interaction_id()
    common: dict[str, Any] = {
        "tenant_id": routing.tenant_id, "interaction_id": iid, "flow": "banco", "version": 3,
    }  # fmt: skip
    with server.store.transaction() as tx:
        for node, kind in (("welcome", "menu"), ("verify_document", "collect"), ("agent", "queue")):
            events.append(tx, "ivr.node_visited", utcnow(), node=node, node_type=kind, **common)
        events.append(
            tx, "ivr.ended", utcnow(), node="agent", outcome="queued",
            attributes=attributes, **common,
        )  # fmt: skip
    server.on_loop(
        lambda runner: runner.arrive(
            interaction_id=iid,
            tenant_id=routing.tenant_id,
            queue=routing.queue,
            ani=MARIA,
            dnis=SALES_LINE,
            contact_id=routing.contact_id,
            campaign_id=routing.campaign_id,
            priority=7,
            language="es",
            segment="vip",
            attributes=attributes,
        )
    )
    return iid


def test_an_offer_after_the_ivr_shows_the_verified_identity_in_english_and_spanish(
    server, browser, screenshot
):
    page = sign_in(browser, server, "ana")
    page.get_by_test_id("station-input").fill("1001")
    page.get_by_test_id("log-in").click()
    expect(page.get_by_test_id("state")).to_have_text("Available")

    iid = call_after_the_ivr(server, {"identity_verified": "yes", "source": "tv-ad"})
    expect(page.get_by_test_id("state")).to_have_text("Ringing")
    panel = page.get_by_test_id("ivr")
    expect(panel.get_by_test_id("ivr-verified")).to_have_text("✓ Verified")
    expect(panel.get_by_test_id("ivr-verified")).to_have_attribute("data-verified", "yes")
    expect(panel.get_by_test_id("ivr-flow")).to_have_text("banco v3")
    expect(panel.get_by_test_id("ivr-path")).to_have_text("welcome → verify_document → agent")
    expect(panel.get_by_test_id("ivr-attr-source")).to_have_text("tv-ad")
    screenshot(page, "desktop-ivr")

    page.get_by_role("button", name="ES").click()
    expect(page.get_by_test_id("state")).to_have_text("Timbrando")
    expect(page.get_by_test_id("ivr-verified")).to_have_text("✓ Verificada")
    expect(page.get_by_test_id("ivr")).to_contain_text("Recorrido")
    screenshot(page, "desktop-ivr-es")

    page.get_by_test_id("reject").click()  # the caller leaves; the next did not use the IVR
    expect(page.get_by_test_id("ivr")).to_have_count(0)
    server.on_loop(lambda runner: runner.handle(CallerHungUp(iid)))
    page.get_by_test_id("ready").click()
    expect(page.get_by_test_id("state")).to_have_text("Disponible")
    call_arrives(server, ani=MARIA, dnis=SALES_LINE)
    expect(page.get_by_test_id("state")).to_have_text("Timbrando")
    expect(page.get_by_test_id("contact-name")).to_have_text("María Fernanda López")
    expect(page.get_by_test_id("ivr")).to_have_count(0)


def test_a_caller_who_failed_verification_shows_not_verified(server, browser, screenshot):
    page = sign_in(browser, server, "ana")
    page.get_by_test_id("station-input").fill("1001")
    page.get_by_test_id("log-in").click()
    expect(page.get_by_test_id("state")).to_have_text("Available")

    call_after_the_ivr(server, {"identity_verified": "no"})
    verified = page.get_by_test_id("ivr-verified")
    expect(verified).to_have_text("✗ Not verified")
    expect(verified).to_have_attribute("data-verified", "no")
    screenshot(page, "desktop-ivr-not-verified")
