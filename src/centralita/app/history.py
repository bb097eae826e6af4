"""Simulated days written to the store exactly as the live center writes real ones.

`store_days(store, tenant, plan, ...)` runs the simulator (`centralita.sim.engine`)
unchanged, one day per entry of `plan`, with day k drawing its random numbers as
replication k of `centralita simulate --replications` does. Between the simulator's loop
and its router sits `_Journal`: every event goes to the scenario's router as before, and
every record the router returns is translated to the tenant's store ids (queues, agents,
an interaction id per call) and to real time (`origin` + simulated seconds, the scenario's
`start_time` on that date in the center's time zone), then handed to a `LiveCenter` on the
simulator's clock. That center journals them with its own code: one `acd.*` event per
record with its tenant, and for each arrival the interaction row (ANI, DNIS, campaign of
the dialed number, contact of the caller's number) through `do_record_interaction`, in
group commits (`LiveCenter.batch()`). The center's own router is replaced by `_Replay`,
which returns what the simulator's router decided: the routing happened once, in the
simulator, and the log is what the live center would have written for it.

The events of day D carry the actor `simulator:D` (the rows created for the scenario,
`simulator`): a day already stored for a tenant is refused, and the event log, being
append-only, never holds a simulated day twice. When the day's calls are done, agents
still logged in log out, so the stored day ends like a real one.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select

from centralita.app.center import LiveCenter
from centralita.app.directory import Directory
from centralita.app.history_setup import (
    StoreIds,
    check_storable,
    prepare_tenant,
    tenant_id_of,
)
from centralita.app.journal import KIND_OF, to_datetime
from centralita.clock import utcnow
from centralita.core import Router
from centralita.core.events import AgentLoggedOut, InteractionArrived
from centralita.core.outcomes import AgentState
from centralita.core.records import InteractionClosed, InteractionQueued
from centralita.errors import Conflict, Invalid
from centralita.sim.engine import Run, simulate
from centralita.sim.scenario import Scenario, clock_seconds
from centralita.sim.world import World, build_world
from centralita.store.db import Store
from centralita.store.models import Event

ACTOR = "simulator"
NAMESPACE = uuid.UUID("5b0e1d7c-3f6a-4c2e-9a41-7d8e2c6b1f30")
DAY = 86400.0


class AlreadyStored(Conflict):
    code = "already-stored"


def day_actor(day: date) -> str:
    """The actor of every event of the simulated `day`."""
    return f"{ACTOR}:{day.isoformat()}"


def day_origin(day: date, start_time: str, timezone: str) -> float:
    """Epoch seconds of `start_time` ("HH:MM", up to 47:59) on `day` in `timezone`."""
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(timezone))
    return (midnight + timedelta(seconds=clock_seconds(start_time))).timestamp()


@dataclass(frozen=True)
class StoredDay:
    day: date
    origin: float  # epoch seconds of the scenario's time 0 on that day
    scenario: Scenario
    run: Run  # the simulator's own figures for the day (`run.measures`)


@dataclass
class History:
    tenant_id: int
    ids: StoreIds
    days: list[StoredDay] = field(default_factory=list)
    events: int = 0  # rows appended to the event log
    interactions: int = 0
    wall_seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.wall_seconds if self.wall_seconds > 0 else 0.0


def store_days(
    store: Store,
    tenant: str,
    plan: Sequence[tuple[date, Scenario]],
    *,
    base: Path,
    timezone: str,
    seed: int | None = None,
    source: str = "scenario",
    usernames: Mapping[str, str] | None = None,
    progress: Callable[[float], None] | None = None,
    batch_events: int = 4000,
) -> History:
    """Simulate each `(day, scenario)` of `plan` and store it in the `tenant` (a slug).

    Refuses (nothing written) a scenario that cannot be stored, a day already stored for
    the tenant, and days not wholly past. `usernames` maps simulated agents (`g1-1`) to
    existing users' names. `progress(share done)` is called now and then.
    """
    days = [d for d, _ in plan]
    if len(set(days)) != len(days):
        raise Invalid("each day is simulated once", field="days")
    today = utcnow().astimezone(ZoneInfo(timezone)).date()
    if days and max(days) >= today:
        raise Invalid(
            f"--start: simulated days must be past days; {max(days).isoformat()} is not "
            f"before today ({today.isoformat()}) in {timezone}",
            field="start",
        )
    for _, scenario in plan:
        check_storable(scenario, source)
    started = time.perf_counter()
    distinct = list({id(s): s for _, s in plan}.values())
    with store.transaction() as tx:
        tenant_id = tenant_id_of(tx, tenant)
        _check_free(tx.session, tenant_id, tenant, plan, timezone)
        ids = prepare_tenant(tx, tenant_id, distinct, at=utcnow(), actor=ACTOR, usernames=usernames)
    history = History(tenant_id, ids)

    def count(events: list[Any]) -> None:
        history.events += len(events)
        history.interactions += sum(1 for e in events if e.kind == "interaction.arrived")

    unsubscribe = store.subscribe(count)
    try:
        for k, (day, scenario) in enumerate(plan):
            rng = Random(f"{scenario.seed if seed is None else seed}:{k}")
            world = build_world(scenario, base, rng, source)
            origin = day_origin(day, scenario.start_time, timezone)

            def step(share: float, k: int = k) -> None:
                if progress is not None:
                    progress((k + share) / len(plan))

            run = _store_day(store, ids, day, origin, world, rng, step, batch_events)
            history.days.append(StoredDay(day, origin, scenario, run))
    finally:
        unsubscribe()
    history.wall_seconds = time.perf_counter() - started
    return history


def _check_free(
    session: Any,
    tenant_id: int,
    slug: str,
    plan: Sequence[tuple[date, Scenario]],
    timezone: str,
) -> None:
    origins = [day_origin(d, s.start_time, timezone) for d, s in plan]
    found = session.scalars(
        select(Event.actor)
        .where(
            Event.tenant_id == tenant_id,
            Event.at >= to_datetime(min(origins) - DAY),
            Event.at < to_datetime(max(origins) + 3 * DAY),
            Event.actor.in_([day_actor(d) for d, _ in plan]),
        )
        .limit(1)
    ).first()
    if found is not None:
        stored = found.split(":", 1)[1]
        raise AlreadyStored(
            f"tenant {slug!r} already holds the simulated day {stored}; "
            "a day is stored once (the event log is append-only): choose other dates",
            tenant=slug,
            day=stored,
        )


def _store_day(
    store: Store,
    ids: StoreIds,
    day: date,
    origin: float,
    world: World,
    rng: Random,
    progress: Callable[[float], None],
    batch_events: int,
) -> Run:
    directory = Directory(
        queue_skills={q: () for q in ids.queues.values()},
        tenant_of_queue={q: ids.tenant_id for q in ids.queues.values()},
        tenant_of_agent={a: ids.tenant_id for a in ids.agents.values()},
        queue_by_name={(ids.tenant_id, name): q for q, name in ids.queue_names.items()},
    )
    journal = _Journal(world.router, ids, day, origin, batch_events)
    center = LiveCenter(store, directory, clock=journal.now)
    journal.attach(center)
    try:
        run = simulate(replace(world, router=cast(Router, journal)), rng, progress)
        end = max(run.simulated_seconds, world.duration)
        router = world.router
        for agent in router.agent_ids():
            if router.agent_snapshot(agent).state is not AgentState.LOGGED_OUT:
                journal.handle(AgentLoggedOut(agent), end)
    finally:
        journal.close()
    return run


class _Replay:
    """The router the journaling center sees: it returns what was decided elsewhere."""

    def __init__(self) -> None:
        self.outputs: list[Any] = []

    def handle(self, event: Any, now: float) -> list[Any]:
        return self.outputs


# how each field of a record is translated: 1 time, 2 interaction, 3 agent, 4 queue
_KINDS = {
    "at": 1,
    "arrived_at": 1,
    "until": 1,
    "interaction_id": 2,
    "agent_id": 3,
    "target_agent": 3,
    "from_agent": 3,
    "to_agent": 3,
    "queue_id": 4,
    "from_queue": 4,
    "to_queue": 4,
}
_FIELDS = {cls: tuple((f.name, _KINDS.get(f.name, 0)) for f in fields(cls)) for cls in KIND_OF}


class _Journal:
    """Stands in for the scenario's router in the simulator's loop (see the module)."""

    def __init__(
        self, router: Router, ids: StoreIds, day: date, origin: float, batch_events: int
    ) -> None:
        self.router = router
        self.ids = ids
        self.origin = origin
        self.actor = day_actor(day)
        self.prefix = f"{ids.tenant_id}/{day.isoformat()}/"
        self.batch_events = batch_events
        self.replay = _Replay()
        self.interactions: dict[str, str] = {}
        self.clock = origin
        self.pending = 0
        self.batch = contextlib.ExitStack()
        self.center: LiveCenter | None = None

    def now(self) -> float:
        return self.clock

    def attach(self, center: LiveCenter) -> None:
        center.router = cast(Router, self.replay)
        self.center = center
        self.batch.enter_context(center.batch())

    def close(self) -> None:
        self.batch.close()

    # --- what the simulator calls -----------------------------------------------------

    def next_deadline(self) -> float | None:
        return self.router.next_deadline()

    def agent_snapshot(self, agent_id: str) -> Any:
        return self.router.agent_snapshot(agent_id)

    def interaction_ids(self) -> tuple[str, ...]:
        return self.router.interaction_ids()

    def handle(self, event: Any, now: float) -> list[Any]:
        outputs = self.router.handle(event, now)
        records = [self._translate(o) for o in outputs if type(o) in KIND_OF]
        arrival = type(event) is InteractionArrived
        if records or arrival:
            assert self.center is not None
            self.clock = self.origin + now
            self.replay.outputs = records
            if arrival:
                self._arrive(event, records)
            else:
                self.center.handle(event, actor=self.actor)
            self.pending += 1
            if self.pending >= self.batch_events:
                self.batch.close()
                self.batch.enter_context(self.center.batch())
                self.pending = 0
        return outputs

    # --- translation ------------------------------------------------------------------

    def _arrive(self, event: InteractionArrived, records: list[Any]) -> None:
        assert self.center is not None
        ids = self.ids
        queue = ids.queues.get(event.queue) if event.queue is not None else None
        campaign = ids.campaign_of_number.get(event.dnis) if event.dnis else None
        for r in records:
            if queue is None and isinstance(r, InteractionQueued | InteractionClosed):
                queue = r.queue_id
            if campaign is None and isinstance(r, InteractionQueued) and r.campaign:
                campaign = ids.campaign_of_name.get(r.campaign)
        if queue is None:  # refused before any queue: no interaction row, as live
            self.center.handle(event, actor=self.actor)
            return
        self.center.arrive(
            interaction_id=self._interaction(event.interaction_id),
            tenant_id=ids.tenant_id,
            queue=ids.queue_names[queue],
            channel=event.channel,
            ani=event.ani,
            dnis=event.dnis,
            contact_id=ids.contact_of_phone.get(event.ani) if event.ani else None,
            campaign_id=campaign,
            priority=event.priority,
            actor=self.actor,
        )

    def _interaction(self, simulated: str) -> str:
        stored = self.interactions.get(simulated)
        if stored is None:
            stored = str(uuid.uuid5(NAMESPACE, self.prefix + simulated))
            self.interactions[simulated] = stored
        return stored

    def _translate(self, record: Any) -> Any:
        values = []
        agents, queues = self.ids.agents, self.ids.queues
        for name, kind in _FIELDS[type(record)]:
            value = getattr(record, name)
            if value is not None and kind:
                if kind == 1:
                    value = self.origin + value
                elif kind == 2:
                    value = self._interaction(value)
                elif kind == 3:
                    value = agents[value]
                else:
                    value = queues[value]
            values.append(value)
        if type(record) is InteractionClosed:
            self.interactions.pop(record.interaction_id, None)
        return type(record)(*values)
