"""The live pages' rows: a page's first load plus the rows it is sent equals a fresh load
(Zulip's `verify_action`), on both databases, through a busy stretch of a day."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from centralita.app.center import LiveCenter
from centralita.app.intake import resolve
from centralita.app.journal import to_datetime
from centralita.app.live import LiveView
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
    TransferRequested,
    WrapUpEnded,
)
from centralita.demo import DEMO_TENANT, seed_demo
from centralita.store.actions import do_record_station, do_submit_wrapup
from centralita.store.models import Tenant, User
from support import SteppingClock


class Page:
    """What a browser holds: the first load, then every patch merged in."""

    def __init__(self, view: LiveView) -> None:
        self.view = view
        self.queues = list(view.queue_info)
        self.agents = list(view.agent_info)
        self.state = view.snapshot(self.queues, self.agents)
        self.alerts: list[dict[str, Any]] = []

    def receive(self, events: list[Any]) -> None:
        changes = self.view.apply(events)
        for q in changes.queues:
            self.state["queues"][q] = self.view.queue_row(q)
        for a in changes.agents:
            self.state["agents"][a] = self.view.agent_row(a)
        self.alerts += changes.alerts


@pytest.fixture
def world(store):
    seed_demo(store)
    with store.read() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == DEMO_TENANT)).one()
        users = {u.username: str(u.id) for u in session.scalars(select(User))}
    clock = SteppingClock()
    center = LiveCenter.from_store(store, clock=clock)
    page = Page(LiveView(center))
    inbox: list[Any] = []
    store.subscribe(inbox.extend)
    return center, clock, tenant.id, users, page, inbox


def test_a_page_plus_the_rows_it_was_sent_equals_a_fresh_load(store, world):
    center, clock, tenant_id, users, page, inbox = world
    ana, diana, esteban = users["ana"], users["diana"], users["esteban"]
    queue = center.directory.queue_by_name

    def step(action: Any, seconds: float = 1.0) -> None:
        clock.now += seconds
        if isinstance(action, dict):
            center.arrive(tenant_id=tenant_id, **action)
        elif callable(action):
            action()
        else:
            center.handle(action)
        page.receive(inbox[:])
        inbox.clear()
        fresh = LiveView(center).snapshot(page.queues, page.agents)
        assert page.state == fresh, f"after {action!r}"

    def station(agent: str, number: str) -> Any:
        def record() -> None:
            with store.transaction() as tx:
                do_record_station(
                    tx, agent_id=int(agent), station=number, at=to_datetime(clock.now), actor="t"
                )

        return record

    def wrap(interaction: str, agent: str) -> Any:
        def record() -> None:
            with store.transaction() as tx:
                do_submit_wrapup(
                    tx,
                    interaction_id=interaction,
                    agent_id=int(agent),
                    disposition_code="solved",
                    notes="ok",
                    data={"document": "1", "account": "A-1", "issue": "Factura"},
                    at=to_datetime(clock.now),
                    actor="t",
                )

        return record

    routing = resolve(store, ani=None, dnis="6015550200")
    support = {"queue": routing.queue, "dnis": "6015550200", "campaign_id": routing.campaign_id}
    for action, seconds in [
        (AgentLoggedIn(ana), 1),
        (station(ana, "1001"), 0),
        (AgentLoggedIn(diana), 1),
        ({"interaction_id": "c1", **support}, 2),
        (OfferAccepted("c1", ana), 3),
        ({"interaction_id": "c2", **support}, 1),
        ({"interaction_id": "c3", **support}, 1),
        (OfferAccepted("c2", diana), 4),
        (HoldStarted("c1"), 10),
        (HoldEnded("c1"), 20),
        (TransferRequested("c1", queue=queue[(tenant_id, "Soporte Nivel 2")]), 5),
        (CallerHungUp("c3"), 40),  # abandoned after waiting
        (InteractionEnded("c2"), 30),
        (wrap("c2", diana), 2),
        (WrapUpEnded(diana, "c2"), 0),
        (OfferAccepted("c1", diana), 2),  # Nivel 2 offered the transfer to diana
        (InteractionEnded("c1"), 60),
        (Tick(), 11),  # diana's wrap-up ends by its timer; the wrap-up stays pending
        (AgentPaused(ana, "break"), 1),
        (Tick(), 15 * 60 + 1),  # the break outlasts its maximum
        (AgentReadied(ana), 1),
        (AgentLoggedIn(esteban), 1),
        (AgentLoggedOut(ana), 1),
    ]:
        step(action, seconds)

    sales_support = page.state["queues"][queue[(tenant_id, "Soporte")]]
    assert (sales_support["answered"], sales_support["abandoned"]) == (1, 1)
    assert sales_support["service_level"] == 0.5  # c2 within 30 s; c3 abandoned after 5 s
    assert page.state["agents"][diana]["pending_wrapup"] == "c1"
    assert page.state["agents"][ana]["station"] is None  # logged out
    assert [a["kind"] for a in page.alerts] == ["pause_exceeded"]


def test_after_a_restart_calls_the_log_left_open_are_not_shown_as_lines_in_use(store, world):
    center, clock, tenant_id, _users, _page, _inbox = world
    center.arrive(interaction_id="left-open", tenant_id=tenant_id, queue="Ventas")
    sales = center.directory.queue_by_name[(tenant_id, "Ventas")]
    assert LiveView(center).queue_row(sales)["lines"] == 1
    restarted = LiveCenter.from_store(store, clock=clock)  # a new router: nothing is live
    row = LiveView(restarted).queue_row(sales)
    assert (row["lines"], row["waiting"], row["waiting_list"]) == (0, 0, [])


def test_unsaved_wrap_ups_wait_their_turn_oldest_first(store, world):
    center, clock, tenant_id, users, page, inbox = world
    ana = users["ana"]
    routing = resolve(store, ani=None, dnis="6015550100")
    center.handle(AgentLoggedIn(ana))
    for call in ("first", "second"):
        clock.now += 1
        center.arrive(
            interaction_id=call,
            tenant_id=tenant_id,
            queue=routing.queue,
            campaign_id=routing.campaign_id,
        )
        center.handle(OfferAccepted(call, ana))
        clock.now += 30
        center.handle(InteractionEnded(call))
        clock.now += 11
        center.handle(Tick())  # the queue's wrap-up time runs out; nothing was saved
    page.receive(inbox[:])
    inbox.clear()
    assert page.state["agents"][ana]["pending_wrapup"] == "first"
    with store.transaction() as tx:
        do_submit_wrapup(
            tx,
            interaction_id="first",
            agent_id=int(ana),
            disposition_code="sale",
            notes="",
            data={"document": "1", "plan": "Hogar"},
            at=to_datetime(clock.now),
            actor="t",
        )
    page.receive(inbox[:])
    assert page.state["agents"][ana]["pending_wrapup"] == "second"
    assert page.state == LiveView(center).snapshot(page.queues, page.agents)
