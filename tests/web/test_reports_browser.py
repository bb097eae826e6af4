"""The report pages in headless Chromium (Debian's /usr/bin/chromium) against the real
server, on the hand-computed day of `reports/test_exports_day.py` (2026-03-01) and a busy
morning of seeded traffic through the live center (2026-03-02, 08:00-12:00 in Bogotá), with
a screenshot of each page in var/screenshots/."""

from __future__ import annotations

import contextlib
import heapq
import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from random import Random
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from centralita.app.center import LiveCenter
from centralita.core.commands import OfferToAgent
from centralita.core.errors import InvalidTransition, NoSuchInteraction
from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    CallerHungUp,
    HoldEnded,
    HoldStarted,
    InteractionEnded,
    OfferAccepted,
    Tick,
)
from centralita.demo import DEMO_TENANT, DISPOSITIONS
from centralita.reports.projection import Follower
from centralita.store import actions, events
from centralita.store.db import Store
from centralita.store.models import Campaign, Tenant, User
from reports.test_exports_day import record_day
from web.browser import sign_in
from web.live_server import run_server

pytestmark = pytest.mark.slow

MORNING = 1_772_456_400.0  # 2026-03-02 13:00 UTC = 08:00 in Bogotá
BUSY = "start=2026-03-02&end=2026-03-02"
FORMS = {
    "Ventas": {"document": "1020304000", "plan": "Hogar"},
    "Soporte": {"document": "1020304000", "account": "CTA-1000", "issue": "Factura"},
    "Cobranzas": {"document": "1020304000"},
}


def record_busy_morning(store: Store, hours: float = 4, seed: int = 7) -> int:
    """Seeded callers (a call a minute on average, patience 20-240 s) for six agents who
    answer after 2-9 s (one offer in twelve rings out, then 30 s not ready), talk 45 s to 4
    minutes, sometimes hold, and take a 10-minute break; IVR visits before the queue.
    Returns how many calls arrived."""
    rng = Random(seed)
    with store.read() as session:
        tenant = session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
        users = {u.username: str(u.id) for u in session.scalars(select(User))}
        campaigns = {c.name: c.id for c in session.scalars(select(Campaign))}
    now = [MORNING]
    center = LiveCenter.from_store(store, clock=lambda: now[0])
    plan: list[tuple[float, int, Callable[[], Any]]] = []
    order = itertools.count()
    answered: set[str] = set()
    handled: list[tuple[str, str, str, float]] = []
    queue_of: dict[str, str] = {}

    def at(when: float, action: Callable[[], Any]) -> None:
        heapq.heappush(plan, (when, next(order), action))

    def attempt(event: Any) -> None:
        with contextlib.suppress(InvalidTransition, NoSuchInteraction):  # they moved first
            center.handle(event)

    def offered(commands: list[Any]) -> None:
        for c in commands:
            if not isinstance(c, OfferToAgent):
                continue
            if rng.random() > 1 / 12:
                at(now[0] + rng.uniform(2, 9), lambda c=c: accept(c.interaction_id, c.agent_id))
            # else it rings out: the agent is put in "missed offer" until the sweep

    def accept(iid: str, agent: str) -> None:
        try:
            center.handle(OfferAccepted(iid, agent))
        except (InvalidTransition, NoSuchInteraction):
            return
        answered.add(iid)
        talk = rng.uniform(45, 240)
        if rng.random() < 0.3:
            at(now[0] + talk / 3, lambda: attempt(HoldStarted(iid)))
            at(now[0] + talk / 2, lambda: attempt(HoldEnded(iid)))
        at(now[0] + talk, lambda: attempt(InteractionEnded(iid)))
        handled.append((iid, agent, queue_of[iid], now[0] + talk + 1))

    def arrive(n: int) -> None:
        iid = f"M{n:04d}"
        queue = rng.choice(("Ventas", "Ventas", "Soporte", "Soporte", "Cobranzas"))
        queue_of[iid] = queue
        with store.transaction() as tx:
            t = datetime.fromtimestamp(now[0] - 20, UTC)
            kw = {"tenant_id": tenant, "interaction_id": iid}
            events.append(tx, "ivr.node_visited", t, flow="principal", node="bienvenida", **kw)
            events.append(tx, "ivr.node_visited", t, flow="principal", node="menu", **kw)
            if rng.random() < 0.2:
                events.append(
                    tx, "ivr.ended", t, flow="principal", node="menu", outcome="self_served", **kw
                )
                return
            events.append(tx, "ivr.ended", t, flow="principal", node="menu", outcome="queued", **kw)
        center.arrive(
            interaction_id=iid,
            tenant_id=tenant,
            queue=queue,
            ani=f"+57300{rng.randrange(10**7):07d}",
            dnis={"Ventas": "6015550100", "Soporte": "6015550200"}.get(queue, "6015550300"),
            campaign_id=campaigns[queue],
        )
        patience = rng.uniform(20, 240)
        at(now[0] + patience, lambda: None if iid in answered else attempt(CallerHungUp(iid)))

    center.listen(offered)
    agents = [users[u] for u in ("ana", "carlos", "diana", "esteban", "felipe", "gloria")]
    for i, agent in enumerate(agents):
        at(MORNING + i * 30, lambda a=agent: attempt(AgentLoggedIn(a)))
        pause = MORNING + rng.uniform(3600, 3 * 3600)
        at(pause, lambda a=agent: attempt(AgentPaused(a, rng.choice(("break", "lunch")))))
        at(MORNING + hours * 3600 + 600, lambda a=agent: attempt(AgentLoggedOut(a)))

    def sweep() -> None:
        """Every minute each paused agent comes back: after a missed offer in 30 s, from a
        break or lunch in 10 minutes."""
        for agent in agents:
            snap = center.router.agent_snapshot(agent)
            if getattr(snap.state, "value", snap.state) != "not_ready":
                continue
            if now[0] - snap.since >= (30 if snap.reason == "missed" else 600):
                attempt(AgentReadied(agent))

    for minute in range(1, int(hours * 60)):
        at(MORNING + minute * 60 + 0.5, sweep)
    t, calls = MORNING + 60, 0
    while t < MORNING + hours * 3600:
        at(t, lambda n=calls: arrive(n))
        calls += 1
        t += rng.expovariate(1 / 60)
    while plan:
        when, _, action = heapq.heappop(plan)
        while (deadline := center.next_deadline()) is not None and deadline <= when:
            now[0] = deadline
            center.handle(Tick())
        now[0] = when
        action()
    with store.transaction() as tx:
        for iid, agent, queue, done in handled:
            code = rng.choice(DISPOSITIONS[queue])[0]
            actions.do_submit_wrapup(
                tx,
                interaction_id=iid,
                agent_id=int(agent),
                disposition_code=code,
                notes="",
                data=FORMS[queue],
                at=datetime.fromtimestamp(done, UTC),
                actor="test",
            )
    return calls


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def prepare(store: Store) -> None:
        record_day(store)
        record_busy_morning(store)
        Follower(store).catch_up()

    yield from run_server(
        tmp_path_factory.mktemp("reports"), prepare, CENTRALITA_TIMEZONE="America/Bogota"
    )


def _open(browser: Any, server: Any, user: str, path: str) -> Any:
    page = sign_in(browser, server, user)
    page.goto(server.url + path)
    page.wait_for_load_state("networkidle")
    return page


def _drawn(page: Any, name: str) -> None:
    expect(page.get_by_test_id(f"chart-{name}")).to_have_attribute("data-drawn", "1")


def test_queue_report_shows_service_level_volumes_and_the_figures(server, browser, screenshot):
    page = _open(browser, server, "supervisora", f"/reports/queues?{BUSY}&period=60")
    _drawn(page, "service_level")
    _drawn(page, "volumes")
    totals = page.get_by_test_id("table-queue_totals")
    expect(totals.locator("tr[data-testid=row]")).to_have_count(4)  # 3 queues + all
    intervals = page.get_by_test_id("table-queues").locator("tr[data-testid=row]")
    assert intervals.count() >= 12  # 3 queues x 4 hours
    screenshot(page, "reports-queues")
    # the hand-computed day, filtered to Ventas in the form
    page.get_by_test_id("filter-start").fill("2026-03-01")
    page.get_by_test_id("filter-end").fill("2026-03-01")
    page.get_by_test_id("filter-queue").select_option(label="Ventas")
    page.get_by_test_id("filter-period").select_option("day")
    page.get_by_test_id("apply").click()
    row = page.get_by_test_id("table-queues").locator("tr[data-testid=row]")
    expect(row).to_have_count(1)
    expect(row.locator("[data-k=offered]")).to_have_text("4")
    expect(row.locator("[data-k=service_level]")).to_have_text("33.3 %")
    expect(row.locator("[data-k=service_level_answered]")).to_have_text("50.0 %")
    expect(row.locator("[data-k=service_level_offered]")).to_have_text("25.0 %")
    expect(row.locator("[data-k=asa]")).to_have_text("0:15")
    expect(row.locator("[data-k=aht]")).to_have_text("1:30")
    page.context.close()


def test_agent_report_by_agent_and_by_team(server, browser, screenshot):
    page = _open(browser, server, "supervisora", f"/reports/agents?{BUSY}")
    _drawn(page, "agent_states")
    rows = page.get_by_test_id("table-agents").locator("tr[data-testid=row]")
    expect(rows).to_have_count(6)
    expect(rows.first.locator("[data-k=first_login]")).to_contain_text("2026-03-02 08:0")
    screenshot(page, "reports-agents")
    page.get_by_test_id("filter-group").select_option("team")
    page.get_by_test_id("apply").click()
    expect(rows).to_have_count(1)
    expect(rows.first.locator("[data-k=key]")).to_have_text("Equipo Bogotá")
    page.context.close()


def test_dispositions_ivr_and_lines(server, browser, screenshot):
    page = _open(browser, server, "supervisora", f"/reports/dispositions?{BUSY}")
    _drawn(page, "dispositions")
    dispositions = page.get_by_test_id("table-dispositions").locator("tr[data-testid=row]")
    expect(dispositions.first).to_be_visible()
    assert dispositions.count() >= 6  # of the 9 dispositions of the three campaigns
    screenshot(page, "reports-dispositions")
    page.get_by_test_id("tab-ivr").click()
    flows = page.get_by_test_id("table-ivr_flows").locator("tr[data-testid=row]")
    expect(flows).to_have_count(1)
    expect(page.get_by_test_id("table-ivr_nodes").locator("tr[data-testid=row]")).to_have_count(2)
    containment = flows.first.locator("[data-k=containment]").inner_text()
    assert 10 <= float(containment.rstrip(" %")) <= 30  # one caller in five self-served
    screenshot(page, "reports-ivr")
    page.get_by_test_id("tab-lines").click()
    _drawn(page, "lines")
    peaks = page.get_by_test_id("table-lines").locator("td[data-k=peak]").all_inner_texts()
    assert max(int(p) for p in peaks) >= 2
    screenshot(page, "reports-lines")
    page.context.close()


def test_call_records_page_search_and_legs(server, browser, screenshot):
    page = _open(browser, server, "supervisora", f"/reports/calls?{BUSY}")
    total = page.get_by_test_id("calls-total")
    expect(total).to_contain_text("1–50 of")
    expect(page.get_by_test_id("table-calls").locator("tr[data-testid=row]")).to_have_count(50)
    page.get_by_test_id("next").click()
    expect(total).to_contain_text("51–")
    first = page.get_by_test_id("table-calls").locator("tr[data-testid=row]").first
    first.locator("details summary").click()
    expect(first.locator("table.legs tbody tr").first).to_be_visible()
    page.locator(".table-scroll").first.evaluate("box => { box.scrollLeft = 0; }")
    screenshot(page, "reports-calls")
    page.get_by_test_id("filter-start").fill("2026-03-01")
    page.get_by_test_id("filter-end").fill("2026-03-01")
    page.get_by_test_id("filter-outcome").select_option("short_abandoned")
    page.get_by_test_id("apply").click()
    rows = page.get_by_test_id("table-calls").locator("tr[data-testid=row]")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("[data-k=interaction]")).to_have_text("A3")
    page.context.close()


def test_a_client_viewer_sees_only_its_company(server, browser, screenshot):
    page = _open(browser, server, "cliente", "/reports/queues?start=2026-03-01&end=2026-03-01")
    expect(page.locator("nav.tabs")).to_be_visible()
    expect(page.get_by_test_id("table-queue_totals")).not_to_contain_text("Otra")
    expect(page.get_by_test_id("filter-queue").locator("option")).to_have_text(
        ["All", "Cobranzas", "Soporte", "Soporte Nivel 2", "Ventas"]
    )
    screenshot(page, "reports-client-viewer")
    page.context.close()
