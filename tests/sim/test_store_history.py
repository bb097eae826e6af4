"""Simulated days written to the store (`centralita.app.history`): read back from the event
log and measured, they give the simulator's own figures for each day; the interaction rows
carry the calls' numbers, campaign, contact and queue; a day is stored once; a refused run
writes nothing."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from centralita.app.history import ACTOR, History, day_actor, store_days
from centralita.app.journal import record_from_event, record_payload
from centralita.core.records import InteractionQueued
from centralita.errors import CentralitaError
from centralita.schemas import CampaignSpec, ContactSpec, QueueSpec
from centralita.sim.measures import Measures, measure
from centralita.sim.replications import run_scenario
from centralita.sim.scenario import Scenario, parse_scenario
from centralita.store import actions
from centralita.store.db import Store
from centralita.store.models import Event, Interaction, Queue, Skill, Tenant, User
from support import T0

TZ = "America/Bogota"
MONDAY = date(2026, 3, 2)
SALES_LINE, OTHER_LINE, KNOWN_CALLER = "6015550100", "6015550999", "+57300000007"
EXPO = {"distribution": "exponential", "mean_seconds": 200}


def scenario(**changes: Any) -> Scenario:
    """Two queues with overflow, IVR, shifts, a break, missed offers and caller numbers."""
    data: dict[str, Any] = {
        "name": "small center",
        "duration_hours": 3,
        "warmup_minutes": 15,
        "start_time": "08:00",
        "seed": 11,
        "wrap_up_seconds": 10,
        "queues": [
            {
                "id": "sales",
                "service_level_seconds": 20,
                "max_wait_seconds": 120,
                "overflow_queue": "support",
            },
            {"id": "support", "service_level_seconds": 30, "short_abandon_seconds": 8},
        ],
        "agent_groups": [
            {
                "id": "early",
                "agents": 3,
                "skills": {"sales": 2, "support": 1},
                "shift": {"start": "08:00", "end": "10:00"},
                "breaks": [{"start": "09:00", "minutes": 10, "spread_minutes": 20}],
                "answer_seconds": {"distribution": "deterministic", "mean_seconds": 2},
                "ring_no_answer": 0.05,
            },
            {"id": "all", "agents": 2, "skills": {"support": 3}},
        ],
        "arrivals": [
            {
                "queue": "sales",
                "calls_per_hour": [50, 80, 60, 40, 40, 30],
                "handle_time": EXPO,
                "patience": {"distribution": "exponential", "mean_seconds": 90},
                "ivr_seconds": {"distribution": "deterministic", "mean_seconds": 20},
                "dnis": SALES_LINE,
                "ani_prefix": "+5730000000",
                "callers": 10,
            },
            {"queue": "support", "calls_per_hour": 30, "handle_time": EXPO, "dnis": OTHER_LINE},
        ],
    }
    data.update(changes)
    return parse_scenario(data)


@pytest.fixture
def tenant(store: Store) -> dict[str, int]:
    """A tenant with the sales queue already there, a campaign on it and a known caller."""
    kw: dict[str, Any] = {"at": T0, "actor": "test"}
    with store.transaction() as tx:
        tid = actions.do_create_tenant(tx, slug="acme", name="Acme", **kw).id
        actions.do_create_queue(
            tx, tenant_id=tid, spec=QueueSpec(name="sales", service_level_seconds=20), **kw
        )
        campaign = actions.do_create_campaign(
            tx,
            tenant_id=tid,
            spec=CampaignSpec(
                name="Ventas", direction="inbound", queue="sales", numbers=[SALES_LINE]
            ),
            **kw,
        )
        contact = actions.do_create_contact(
            tx, tenant_id=tid, spec=ContactSpec(name="Known", phones=[KNOWN_CALLER]), **kw
        )
    return {"tenant": tid, "campaign": campaign.id, "contact": contact.id}


def stored(spec: Scenario, store: Store, days: int = 2, first: date = MONDAY) -> History:
    plan = [(first + timedelta(days=k), spec) for k in range(days)]
    return store_days(store, "acme", plan, base=Path("."), timezone=TZ)


def day_events(store: Store, day: date) -> list[Event]:
    with store.read() as session:
        return list(
            session.scalars(select(Event).where(Event.actor == day_actor(day)).order_by(Event.id))
        )


def event_count(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(Event)) or 0)


def assert_same(got: Measures, want: Measures, shift: float = 0.0) -> None:
    """Counts equal; rates and waits equal to 1e-9 (waits are stored as the router computed
    them); figures summing time between records (queue length, occupancy) to 1e-6, as the
    log keeps instants to the microsecond."""
    assert (
        list(got.queues) == list(want.queues)
        and got.agent_groups.keys() == want.agent_groups.keys()
    )
    for q in want.queues:
        for f in fields(want.queues[q]):
            a, b = getattr(got.queues[q], f.name), getattr(want.queues[q], f.name)
            assert a == (b if isinstance(b, int) else pytest.approx(b, rel=1e-9, abs=1e-9)), (
                q,
                f.name,
            )
        assert len(got.intervals[q]) == len(want.intervals[q])
        for a, b in zip(got.intervals[q], want.intervals[q], strict=True):
            assert (a.offered, a.answered) == (b.offered, b.answered)
            assert a.start - shift == pytest.approx(b.start, abs=1e-6)
            assert a.queue_length == pytest.approx(b.queue_length, abs=1e-6)
            assert math.isnan(a.service_level) == math.isnan(b.service_level)
            if not math.isnan(b.service_level):
                assert a.service_level == pytest.approx(b.service_level, rel=1e-9)
    for g in want.agent_groups:
        for f in fields(want.agent_groups[g]):
            a, b = getattr(got.agent_groups[g], f.name), getattr(want.agent_groups[g], f.name)
            assert a == pytest.approx(b, abs=1e-6), (g, f.name)


def test_given_stored_days_when_read_back_and_measured_then_they_are_the_simulators_days(
    store, tenant
):
    spec = scenario()
    history = stored(spec, store)
    same_seed = run_scenario(spec, Path("."), replications=2)  # `centralita simulate -n 2`
    ids = history.ids
    for k, day in enumerate(history.days):
        assert day.run.calls > 100 and day.run.measures.queues["sales"].overflowed > 0
        assert_same(day.run.measures, same_seed.runs[k].measures)  # storing changed nothing
        rows = day_events(store, day.day)
        assert {e.tenant_id for e in rows} == {tenant["tenant"]}
        records = [record_from_event(e) for e in rows if e.kind.startswith("acd.")]
        from_log = measure(
            records,
            {ids.queues[q.id]: q.service_level_seconds for q in spec.queues},
            {
                ids.agents[f"{g.id}-{n + 1}"]: g.id
                for g in spec.agent_groups
                for n in range(g.agents)
            },
            day.origin + spec.warmup_minutes * 60,
            day.origin + spec.duration_hours * 3600,
            spec.interval_minutes * 60,
        )
        from_log = Measures(  # keyed by the scenario's queue names again
            {q.id: from_log.queues[ids.queues[q.id]] for q in spec.queues},
            from_log.agent_groups,
            {q.id: from_log.intervals[ids.queues[q.id]] for q in spec.queues},
        )
        assert_same(from_log, day.run.measures, shift=day.origin)


def test_stored_events_round_trip_through_the_journal_and_end_with_agents_logged_out(store, tenant):
    history = stored(scenario(), store, days=1)
    rows = day_events(store, MONDAY)
    acd = [e for e in rows if e.kind.startswith("acd.")]
    assert len(rows) == history.events and len(acd) > 1000
    for e in acd:
        again = record_payload(record_from_event(e))
        assert (again.kind, again.at, again.interaction_id, again.agent_id, again.payload) == (
            e.kind, e.at, e.interaction_id, e.agent_id, e.payload,
        )  # fmt: skip
    last_state: dict[int, str] = {}
    for e in acd:
        if e.kind == "acd.agent_state_changed":
            last_state[e.agent_id] = e.payload["state"]
    assert len(last_state) == 5 and set(last_state.values()) == {"logged_out"}


def test_interaction_rows_carry_numbers_campaign_contact_queue_and_arrival(store, tenant):
    history = stored(scenario(), store, days=1)
    day = history.days[0]
    first_queued: dict[str, Any] = {}
    for e in day_events(store, MONDAY):
        if e.kind == "acd.interaction_queued":
            record = record_from_event(e)
            assert isinstance(record, InteractionQueued)
            first_queued.setdefault(record.interaction_id, (e.at, record.queue_id))
    with store.read() as session:
        rows = list(
            session.scalars(select(Interaction).where(Interaction.tenant_id == tenant["tenant"]))
        )
        sales_id = session.scalar(select(Queue.id).where(Queue.name == "sales"))
    assert len(rows) == day.run.calls == len(first_queued) == history.interactions
    by_line = {SALES_LINE: 0, OTHER_LINE: 0}
    for row in rows:
        at, queue_id = first_queued[row.id]
        assert row.arrived_at == at and row.queue_id == int(queue_id)
        assert (row.channel, row.direction) == ("voice", "inbound")
        by_line[row.dnis] += 1
        if row.dnis == SALES_LINE:
            assert row.queue_id == sales_id and row.campaign_id == tenant["campaign"]
            assert row.ani is not None and row.ani.startswith("+5730000000")
            assert row.contact_id == (tenant["contact"] if row.ani == KNOWN_CALLER else None)
        else:
            assert row.campaign_id is None and row.ani is None and row.contact_id is None
    assert by_line[SALES_LINE] > 100 and by_line[OTHER_LINE] > 50
    assert any(row.contact_id for row in rows)


def test_given_a_stored_day_when_stored_again_then_refused_and_setup_is_reused(store, tenant):
    spec = scenario()
    stored(spec, store, days=1)
    with store.read() as session:
        setup = session.scalar(select(func.count()).where(Event.actor == ACTOR))
        users = session.scalar(select(func.count()).select_from(User))
        skills = session.scalar(select(func.count()).select_from(Skill))
        queues = set(session.scalars(select(Queue.name)))
    assert queues == {"sales", "support"} and users == 5 and skills == 2 and setup
    before = event_count(store)
    with pytest.raises(CentralitaError) as refused:
        stored(spec, store, days=2, first=MONDAY - timedelta(days=1))  # Sunday and Monday
    assert refused.value.code == "already-stored" and "2026-03-02" in refused.value.message
    assert event_count(store) == before
    stored(spec, store, days=1, first=MONDAY + timedelta(days=1))
    with store.read() as session:
        assert session.scalar(select(func.count()).where(Event.actor == ACTOR)) == setup
        assert session.scalar(select(func.count()).select_from(User)) == users
        assert session.scalar(select(func.count()).select_from(Skill)) == skills
    assert event_count(store) > before


ONE_QUEUE = [{"queue": "sales", "calls_per_hour": 30, "handle_time": EXPO}]


@pytest.mark.parametrize(
    ("tenant_slug", "changes", "first", "code"),
    [
        ("nobody", {}, MONDAY, "no-such-tenant"),
        ("acme", {}, date.today() + timedelta(days=3), "invalid"),
        ("acme", {"duration_hours": 30, "arrivals": ONE_QUEUE}, MONDAY, "invalid"),
        ("acme", {"arrivals": [{**ONE_QUEUE[0], "channel": "fax"}]}, MONDAY, "invalid"),
    ],
    ids=["unknown-tenant", "future-day", "longer-than-a-day", "unknown-channel"],
)
def test_refused_runs_write_nothing(store, tenant, tenant_slug, changes, first, code):
    before = event_count(store)
    with pytest.raises(CentralitaError) as refused:
        store_days(store, tenant_slug, [(first, scenario(**changes))], base=Path("."), timezone=TZ)
    assert refused.value.code == code
    assert event_count(store) == before
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == 1
        assert session.scalar(select(func.count()).select_from(User)) == 0
