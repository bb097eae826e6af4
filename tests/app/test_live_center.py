"""The live center: the real routing core on the demo company, journaled to the store."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from centralita.app.center import LiveCenter
from centralita.app.journal import RECORD_TYPES, record_from_event, record_payload
from centralita.core.commands import OfferToAgent
from centralita.core.errors import InvalidTransition
from centralita.core.events import AgentLoggedIn, AgentReadied, InteractionEnded, OfferAccepted
from centralita.demo import DEMO_TENANT
from centralita.store import events
from centralita.store.models import Event, Interaction, Tenant, User
from support import SteppingClock


@pytest.fixture
def store(demo_store):
    return demo_store


@pytest.fixture
def demo(store):
    with store.read() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == DEMO_TENANT)).one()
        users = {u.username: str(u.id) for u in session.scalars(select(User))}
    clock = SteppingClock()
    center = LiveCenter.from_store(store, clock=clock)
    return center, clock, tenant.id, users


def _acd_events(store) -> list[Event]:
    with store.read() as session:
        return [e for e in events.read(session, limit=10**6) if e.kind.startswith("acd.")]


def test_given_ana_available_when_a_sales_call_arrives_then_she_is_offered_it_and_all_is_logged(
    store, demo
):
    center, clock, tenant_id, users = demo
    offered: list[object] = []
    center.listen(offered.extend)
    center.handle(AgentLoggedIn(users["ana"]))
    clock.now += 5
    center.arrive(
        interaction_id="call-1",
        tenant_id=tenant_id,
        queue="Ventas",
        ani="+573001234500",
        dnis="6015550100",
    )
    assert [(c.interaction_id, c.agent_id) for c in offered if isinstance(c, OfferToAgent)] == [
        ("call-1", users["ana"])
    ]
    clock.now += 3
    center.handle(OfferAccepted("call-1", users["ana"]))
    clock.now += 60
    center.handle(InteractionEnded("call-1"))

    logged = _acd_events(store)
    kinds = [e.kind for e in logged]
    assert "acd.interaction_answered" in kinds and "acd.interaction_closed" in kinds
    assert {e.tenant_id for e in logged} == {tenant_id}
    answered = next(e for e in logged if e.kind == "acd.interaction_answered")
    assert (answered.payload["waited"], answered.agent_id) == (3.0, int(users["ana"]))
    closed = next(e for e in logged if e.kind == "acd.interaction_closed")
    assert closed.payload["outcome"] == "answered"
    with store.read() as session:
        row = session.get(Interaction, "call-1")
    assert (row.ani, row.dnis, row.tenant_id) == ("+573001234500", "6015550100", tenant_id)


def test_every_stored_record_reads_back_as_the_identical_core_record(store, demo):
    center, clock, tenant_id, users = demo
    produced = []
    center.handle(AgentLoggedIn(users["ana"]))
    for i in range(3):
        clock.now += 1
        produced += center.arrive(interaction_id=f"c{i}", tenant_id=tenant_id, queue="Ventas")
    clock.now += 1
    produced += center.handle(OfferAccepted("c0", users["ana"]))
    records = [o for o in produced if type(o) in RECORD_TYPES.values()]
    rebuilt = [record_from_event(e) for e in _acd_events(store)][1:]
    assert rebuilt == records
    assert all(record_payload(r).kind in RECORD_TYPES for r in records)


def test_given_refused_event_then_nothing_is_written(store, demo):
    center, _clock, _tenant_id, users = demo
    with store.read() as session:
        before = session.scalar(select(func.count()).select_from(Event))
    with pytest.raises(InvalidTransition):
        center.handle(AgentReadied(users["ana"]))  # ana is logged out
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == before


def test_queue_members_come_from_skills(demo):
    center, _clock, _tenant_id, users = demo
    sales = center.directory.queue_by_name[(_tenant_id, "Ventas")]
    members = next(q.members for q in center.directory.queues if q.id == sales)
    assert set(members) == {users["ana"], users["carlos"], users["gloria"]}
