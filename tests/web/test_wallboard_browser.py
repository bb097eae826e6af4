"""The supervisor wallboard in headless Chromium: live within a second of the agent's
actions, the supervisor's actions reach the agent's desktop, alerts show."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support import wait_for
from web.browser import call_arrives, sign_in

pytestmark = pytest.mark.slow

SECOND = 1000  # ms: the "within a second" from action to screen


def test_supervisor_sees_agent_states_and_queue_figures_move_within_a_second(
    server, browser, screenshot
):
    with server.store.read() as session:
        from sqlalchemy import select

        from centralita.store.models import User

        ana_id = session.scalars(select(User.id).where(User.username == "ana")).one()
    board = sign_in(browser, server, "supervisora")
    assert board.url.endswith("/wallboard")
    ana = board.get_by_test_id(f"agent-{ana_id}")
    sales = board.get_by_test_id("queue-Ventas")
    expect(ana.locator("[data-k=state]")).to_have_text("Logged out")
    expect(board.locator(".live.on")).to_be_visible()

    desk = sign_in(browser, server, "ana")
    desk.get_by_test_id("station-input").fill("1001")
    desk.get_by_test_id("log-in").click()
    expect(ana.locator("[data-k=state]")).to_have_text("Available", timeout=SECOND)
    expect(ana.locator("[data-k=station]")).to_have_text("1001", timeout=SECOND)
    expect(sales.locator("[data-k=available]")).to_have_text("1", timeout=SECOND)

    # the supervisor forces a pause: the agent's desktop shows it
    board.get_by_test_id(f"force-reason-{ana_id}").select_option("meeting")
    board.get_by_test_id(f"force-pause-{ana_id}").click()
    expect(desk.get_by_test_id("state")).to_have_text("Not ready · Meeting", timeout=SECOND)
    expect(ana.locator("[data-k=reason]")).to_have_text("Meeting", timeout=SECOND)

    # nobody free: the call waits, and the wallboard shows it
    call_arrives(server, ani="+573001234501", dnis="6015550100")
    expect(sales.locator("[data-k=waiting]")).to_have_text("1", timeout=SECOND)
    expect(sales.locator("[data-k=lines]")).to_have_text("1", timeout=SECOND)
    screenshot(board, "wallboard")

    desk.get_by_test_id("ready").click()
    expect(ana.locator("[data-k=state]")).to_have_text("Ringing", timeout=SECOND)
    expect(sales.locator("[data-k=waiting]")).to_have_text("1")  # ringing counts as waiting
    desk.get_by_test_id("accept").click()
    expect(ana.locator("[data-k=state]")).to_have_text("Talking", timeout=SECOND)
    expect(sales.locator("[data-k=waiting]")).to_have_text("0", timeout=SECOND)
    expect(sales.locator("[data-k=busy]")).to_have_text("1", timeout=SECOND)
    desk.get_by_test_id("end").click()
    expect(ana.locator("[data-k=state]")).to_have_text("Wrap-up", timeout=SECOND)
    expect(sales.locator("[data-k=answered]")).to_have_text("1", timeout=SECOND)
    expect(ana.locator("[data-k=handled]")).to_have_text("1", timeout=SECOND)
    expect(sales.locator("[data-k=sl]")).to_contain_text("100%", timeout=SECOND)
    screenshot(desk, "desktop-wrapup")
    screenshot(board, "wallboard-after-call")
    _page_equals_a_fresh_load(board, server.url)


def _page_equals_a_fresh_load(board, url: str) -> None:
    """verify_action in the browser: the rows the page built from its first load and the
    patches it received are exactly those of a fresh load."""

    def held() -> dict:
        return board.evaluate(
            "() => { const d = Alpine.$data(document.querySelector('.board'));"
            " return JSON.parse(JSON.stringify({queues: d.queues, agents: d.agents})); }"
        )

    def fresh() -> dict:
        return board.request.get(url + "/wallboard/snapshot").json()

    wait_for(lambda: held() == fresh(), timeout=5, what="the page to equal a fresh load")
    assert held()["agents"] and held()["queues"]


def _quick_limits(store) -> None:
    """A pause reason with a 1 s maximum, and a queue whose service level is 1 s."""
    from sqlalchemy import select

    from centralita.clock import utcnow
    from centralita.schemas import CampaignSpec, QueueSpec
    from centralita.store.actions import (
        do_create_campaign,
        do_create_disposition,
        do_create_pause_reason,
        do_create_queue,
    )
    from centralita.store.models import Tenant

    kw = {"at": utcnow(), "actor": "test"}
    with store.transaction() as tx:
        tenant = tx.session.scalars(select(Tenant)).one()
        do_create_pause_reason(
            tx,
            tenant_id=tenant.id,
            code="blink",
            label_en="Blink",
            label_es="Parpadeo",
            max_seconds=1,
            **kw,
        )
        do_create_queue(
            tx, tenant_id=tenant.id, spec=QueueSpec(name="Rápida", service_level_seconds=1), **kw
        )
        campaign = do_create_campaign(
            tx,
            tenant_id=tenant.id,
            spec=CampaignSpec(
                name="Rápida", direction="inbound", queue="Rápida", numbers=["6015550999"]
            ),
            **kw,
        )
        do_create_disposition(
            tx,
            tenant_id=tenant.id,
            campaign_id=campaign.id,
            code="done",
            label_en="Done",
            label_es="Hecho",
            **kw,
        )


@pytest.fixture
def limits_server(tmp_path):
    from web.live_server import run_server

    yield from run_server(tmp_path, prepare=_quick_limits)


def test_wallboard_alerts_a_pause_over_its_maximum_and_a_service_level_below_target(
    limits_server, browser, screenshot
):
    board = sign_in(browser, limits_server, "supervisora")
    desk = sign_in(browser, limits_server, "diana")
    desk.get_by_test_id("station-input").fill("1004")
    desk.get_by_test_id("log-in").click()
    expect(desk.get_by_test_id("state")).to_have_text("Available")
    expect(board.get_by_test_id("alerts").locator("li")).to_have_count(0)
    desk.get_by_test_id("reason").select_option("blink")
    desk.get_by_test_id("pause").click()
    alert = board.get_by_test_id("alerts").locator("li")
    expect(alert).to_have_text(
        "Diana Castro has been in pause 'Blink' longer than its maximum.", timeout=4000
    )
    screenshot(board, "wallboard-alert")
    desk.get_by_test_id("ready").click()
    expect(alert).to_have_count(0, timeout=SECOND)

    # a call answered after the queue's 1 s threshold: service level 0 %, below target
    desk.get_by_test_id("pause").click()
    expect(desk.get_by_test_id("state")).to_contain_text("Not ready")
    call_arrives(limits_server, ani="+573001234509", dnis="6015550999")
    quick = board.get_by_test_id("queue-Rápida")
    expect(quick.locator("[data-k=waiting]")).to_have_text("1", timeout=SECOND)
    expect(quick.locator("[data-k=longest]")).to_have_text("0:02", timeout=4000)
    desk.get_by_test_id("ready").click()
    desk.get_by_test_id("accept").click()
    desk.get_by_test_id("end").click()
    expect(quick.locator("[data-k=sl]")).to_contain_text("0%", timeout=SECOND)
    expect(alert).to_have_text("Rápida: service level 0% is below its target 80%.", timeout=SECOND)
