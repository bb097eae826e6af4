"""The recording policy page in Chromium (Debian's /usr/bin/chromium) against the real
server: an administrator makes the Ventas queue record on demand in stereo over a tenant
default of mixed mono, a refused value is explained on its field first, the row then says
each value comes from the queue, and the page reads in Spanish (screenshots in
var/screenshots/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from centralita.clock import utcnow
from centralita.demo import DEMO_TENANT
from centralita.store.actions.recordings import do_set_recording_policy
from centralita.store.db import Store
from centralita.store.models import Queue, RecordingPolicyLayer, Tenant
from web.browser import sign_in
from web.live_server import LiveServer, run_server

pytestmark = pytest.mark.slow


def mono_by_default(store: Store) -> None:
    with store.transaction() as tx:
        tenant = tx.session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
        do_set_recording_policy(
            tx, tenant_id=tenant, scope="tenant", settings={"channels": "mono"}, at=utcnow(),
            actor="test",
        )  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from run_server(tmp_path, prepare=mono_by_default)


def test_administrator_sets_a_queue_to_stereo_on_demand_and_sees_it_from_the_queue(
    server: LiveServer, browser: Any, screenshot: Any
) -> None:
    from playwright.sync_api import expect  # the browser fixture required Playwright

    page = sign_in(browser, server, "admin")
    page.goto(server.url + "/recordings")
    page.get_by_test_id("policy-link").click()
    expect(page.get_by_role("heading", name="Recording policy")).to_be_visible()
    ventas = page.get_by_test_id("level-queue-Ventas")
    channels = ventas.locator("td[data-setting=channels]")
    expect(channels).to_have_attribute("data-source", "tenant")
    expect(channels).to_contain_text("Mixed mono")

    ventas.get_by_test_id("edit").click()
    ventas.get_by_test_id("set-mode").select_option("on_demand")
    ventas.get_by_test_id("set-channels").select_option("stereo")
    ventas.get_by_test_id("set-retention_days").fill("0")
    ventas.get_by_test_id("save-level").click()
    expect(ventas.get_by_test_id("error-retention_days")).to_have_text(
        "A whole number of days from 1 to 36500."
    )
    expect(ventas.get_by_test_id("set-mode")).to_have_value("on_demand")  # kept as sent
    screenshot(page, "recording-policy-refused")
    with server.store.read() as session:
        assert len(session.scalars(select(RecordingPolicyLayer)).all()) == 1  # the tenant's

    ventas.get_by_test_id("set-retention_days").fill("")
    ventas.get_by_test_id("save-level").click()
    expect(ventas.get_by_test_id("done")).to_have_text("Saved. It applies from the next call.")
    mode = ventas.locator("td[data-setting=mode]")
    expect(mode).to_have_attribute("data-source", "queue")
    expect(mode).to_contain_text("On demand")
    expect(mode.locator(".src")).to_have_text("queue")
    expect(channels).to_have_attribute("data-source", "queue")
    expect(channels).to_contain_text("Stereo")
    soporte = page.get_by_test_id("level-queue-Soporte").locator("td[data-setting=channels]")
    expect(soporte).to_have_attribute("data-source", "tenant")  # the others keep the default
    with server.store.read() as session:
        queue = session.scalars(select(Queue.id).where(Queue.name == "Ventas")).one()
        layer = session.scalars(
            select(RecordingPolicyLayer).filter_by(scope="queue", scope_id=queue)
        ).one()
        assert layer.settings == {"mode": "on_demand", "channels": "stereo"}
    screenshot(page, "recording-policy")

    page.get_by_role("button", name="ES").click()
    expect(page.get_by_role("heading", name="Política de grabación")).to_be_visible()
    ventas = page.get_by_test_id("level-queue-Ventas")
    expect(ventas.locator("td[data-setting=mode]")).to_contain_text("A pedido")
    expect(ventas.locator("td[data-setting=mode] .src")).to_have_text("cola")
    expect(ventas.locator("td[data-setting=channels]")).to_contain_text("Estéreo")
    expect(page.get_by_test_id("level-tenant-default").locator("th")).to_contain_text(
        "Predeterminado de la empresa"
    )
    screenshot(page, "recording-policy-es")
    page.context.close()
