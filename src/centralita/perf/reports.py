"""Reports benchmark: a month of a 1,000-agent center in PostgreSQL, projected and queried.

The event log is generated, not simulated, so that a month (about 9 million calls and 54
million events) is written in under half an hour: one day is generated and copied in,
then repeated a day later each time inside PostgreSQL. That day, 1,000 agents log in, 300,000 calls
arrive over the day with an intraday curve in 40 queues and go to the queue's agent free
soonest (ringing 3 s, exponential talk of 265 s mean, 10 s wrap-up), callers whose wait
would exceed their patience abandon, and every agent takes a 15-minute break before
logging out. The events are the router's records stored by the live center's own
`centralita.app.journal.record_payload`, in time order.

Figures: events written and how fast, a full `rebuild()` of the projections (events/s),
the month's interval report (`queue_report`, 30-minute intervals, every queue) and agent
report, each answered from a cold session (best of three), and the database's size.
"""

from __future__ import annotations

import heapq
import json
import math
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import insert, text

from centralita.app.journal import record_payload
from centralita.core.outcomes import (
    ANSWERED,
    AVAILABLE,
    LOGGED_OUT,
    NOT_READY,
    RESERVED,
    TALKING_STATE,
    WRAP_UP_STATE,
    Outcome,
)
from centralita.core.records import (
    AgentStateChanged,
    InteractionAnswered,
    InteractionClosed,
    InteractionOffered,
    InteractionQueued,
)
from centralita.reports import queries
from centralita.reports.projection import rebuild
from centralita.store import migrate
from centralita.store.db import Store
from centralita.store.models import Queue, Tenant, User

DAY = 86400.0
TZ = ZoneInfo("America/Bogota")


def _curve(hour: float) -> float:
    """Relative arrival rate over the day: quiet at night, peaks at 10:00 and 15:00."""
    return (
        0.15
        + math.exp(-(((hour - 10.0) / 2.5) ** 2))
        + 0.8 * math.exp(-(((hour - 15.0) / 2.5) ** 2))
    )


def day_events(
    rng: Random,
    day_start: float,
    agents: int,
    queues: int,
    calls: int,
    first_agent: int,
    first_queue: int,
    tenant: int,
    day_index: int,
) -> list[tuple[Any, ...]]:
    """One day's events as (at, tenant, kind, interaction, agent, payload) rows: the
    router's records, stored as the live center stores them (`record_payload`)."""
    records: list[Any] = []
    add = records.append
    per_queue = agents // queues
    free: list[list[tuple[float, str]]] = []
    for q in range(queues):
        heap = []
        for k in range(per_queue):
            agent = str(first_agent + q * per_queue + k)
            login = day_start + rng.uniform(0, 60)
            add(AgentStateChanged(login, agent, AVAILABLE))
            heap.append((login, agent))
        heapq.heapify(heap)
        free.append(heap)
    # arrival times by thinning a Poisson process against the intraday curve
    peak = max(_curve(h / 10) for h in range(240))
    mean = sum(_curve(h / 10) for h in range(240)) / 240
    rate = calls / DAY * peak / mean
    t = day_start
    n = 0
    while True:
        t += rng.expovariate(rate)
        if t >= day_start + DAY - 1200:
            break
        if rng.random() * peak > _curve((t - day_start) / 3600):
            continue
        n += 1
        q = rng.randrange(queues)
        queue = str(first_queue + q)
        iid = f"{day_index:03d}-{n:07d}"
        add(InteractionQueued(t, iid, queue, 5, (), t))
        heap = free[q]
        free_at, agent = heap[0]
        start = max(t, free_at)
        patience = rng.expovariate(1 / 180.0)
        if start - t > patience:
            outcome = Outcome.ABANDONED if patience > 5 else Outcome.SHORT_ABANDONED
            add(InteractionClosed(t + patience, iid, outcome, queue, t, patience))
            continue
        heapq.heappop(heap)
        answered = start + 3.0
        ended = answered + rng.expovariate(1 / 265.0)
        available = ended + 10.0
        add(InteractionOffered(start, iid, agent, queue))
        add(AgentStateChanged(start, agent, RESERVED, interaction_id=iid))
        add(InteractionAnswered(answered, iid, agent, queue, answered - t))
        add(AgentStateChanged(answered, agent, TALKING_STATE, interaction_id=iid))
        add(InteractionClosed(ended, iid, ANSWERED, queue, t, answered - t, agent))
        add(AgentStateChanged(ended, agent, WRAP_UP_STATE, interaction_id=iid))
        add(AgentStateChanged(available, agent, AVAILABLE, interaction_id=iid))
        heapq.heappush(heap, (available, agent))
    for heap in free:
        for free_at, agent in heap:
            pause = max(free_at, day_start + DAY - 1100)
            add(AgentStateChanged(pause, agent, NOT_READY, "break"))
            add(AgentStateChanged(pause + 900, agent, LOGGED_OUT))
    records.sort(key=lambda r: r.at)  # stable: one agent's records keep their order
    rows = []
    for record in records:
        stored = record_payload(record)
        rows.append(
            (record.at, tenant, stored.kind, stored.interaction_id, stored.agent_id, stored.payload)
        )
    return rows


def _copy(url: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY the rows in PostgreSQL's text format, formatted here in bulk (write_row per
    row would make the generator, not the database, the bottleneck)."""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    dumps = json.dumps
    stamp = datetime.fromtimestamp
    null = "\\N"
    lines = []
    for at, tenant, kind, iid, agent, payload in rows:
        when = stamp(at, UTC).isoformat()
        who = null if agent is None else agent
        document = dumps(payload).replace("\\", "\\\\")  # COPY's text format escapes \
        lines.append(f"{when}\t{tenant}\t{kind}\t{iid or null}\t{who}\t{null}\t{document}\n")
    with (
        psycopg.connect(plain) as conn,
        conn.cursor() as cur,
        cur.copy(
            "COPY events (at, tenant_id, kind, interaction_id, agent_id, actor, payload) FROM STDIN"
        ) as copy,
    ):
        for lo in range(0, len(lines), 50_000):
            copy.write("".join(lines[lo : lo + 50_000]))


# One stored day again, `:days` later: times, interaction ids and arrival times move.
_REPEAT_DAY = """
INSERT INTO events (at, tenant_id, kind, interaction_id, agent_id, actor, payload)
SELECT at + make_interval(days => :days), tenant_id, kind,
       CASE WHEN interaction_id IS NULL THEN NULL ELSE :prefix || interaction_id END,
       agent_id, actor,
       CASE WHEN payload ? 'arrived_at'
            THEN jsonb_set(payload, '{arrived_at}',
                           to_jsonb((payload->>'arrived_at')::float8 + :days * 86400.0))
            ELSE payload END
FROM events WHERE id <= :last AND kind LIKE 'acd.%' ORDER BY id
"""


def _setup(store: Store, agents: int, queues: int) -> tuple[int, int, int]:
    now = datetime.now(UTC)
    with store.transaction() as tx:
        s = tx.session
        tenant = Tenant(slug="bench", name="Benchmark", created_at=now)
        s.add(tenant)
        s.flush()
        s.execute(
            insert(Queue),
            [{"tenant_id": tenant.id, "name": f"Queue {i:02d}"} for i in range(queues)],
        )
        s.execute(
            insert(User),
            [
                {
                    "tenant_id": tenant.id,
                    "username": f"agent{i:04d}",
                    "display_name": f"Agent {i:04d}",
                    "role": "agent",
                    "created_at": now,
                }
                for i in range(agents)
            ],
        )
        first_queue = min(s.execute(text("SELECT id FROM queues")).scalars())
        first_agent = min(s.execute(text("SELECT id FROM users")).scalars())
        return tenant.id, first_queue, first_agent


def _best(fn: Callable[[], Any], times: int = 3) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(times):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def run_in_scratch_database(server: str, *, keep: bool = False, **options: Any) -> dict[str, Any]:
    """`run` in a new database on the PostgreSQL server at `server` (a URL to any of its
    databases), dropped afterwards unless `keep`."""
    name = "centralita_bench_reports"
    admin = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    url = server.rsplit("/", 1)[0] + "/" + name
    try:
        return run(url, **options)
    finally:
        if not keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run(
    url: str,
    days: int = 30,
    agents: int = 1000,
    calls_per_day: int = 300_000,
    queues: int = 40,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write `days` of events into the empty PostgreSQL database at `url`, rebuild the
    projections and time the reports. The database is left as it is (drop it after)."""
    say = progress or (lambda _m: None)
    migrate.upgrade(url)
    store = Store.from_url(url)
    try:
        tenant, first_queue, first_agent = _setup(store, agents, queues)
        rng = Random(seed)
        start_day = date(2026, 10, 1)
        # the first day is generated and copied in; the others are that day again, a
        # day later each time, copied inside the database (the same volume and mix,
        # minutes instead of an hour of Python formatting)
        day_start = datetime.combine(start_day, datetime.min.time(), TZ)
        rows = day_events(
            rng,
            day_start.timestamp(),
            agents,
            queues,
            calls_per_day,
            first_agent,
            first_queue,
            tenant,
            0,
        )
        calls = sum(1 for r in rows if r[2] == "acd.interaction_queued") * days
        started = time.perf_counter()
        _copy(url, rows)
        events = len(rows)
        del rows
        say(f"day 1/{days}: {events:,} events written")
        with store.engine.connect() as conn:
            last = conn.execute(text("SELECT max(id) FROM events")).scalar()
            for d in range(1, days):
                conn.execute(text(_REPEAT_DAY), {"days": d, "prefix": f"{d:03d}-", "last": last})
                conn.commit()
                say(f"day {d + 1}/{days}: {events * (d + 1):,} events written")
        events *= days
        write_seconds = time.perf_counter() - started
        with store.engine.connect() as conn:
            conn.execute(text("ANALYZE events"))
            conn.commit()
        say("rebuilding the projections")
        cpu = time.process_time()
        rebuilt = rebuild(store, progress=lambda done, total: say(f"rebuild {done:,}/{total:,}"))
        cpu = time.process_time() - cpu
        with store.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        f = queries.Filters([tenant], start_day, start_day + timedelta(days=days - 1), TZ)

        def interval_report() -> int:
            with store.read() as session:
                return len(queries.queue_report(session, f, "30"))

        def agent_report() -> int:
            with store.read() as session:
                return len(queries.agent_report(session, f, "total"))

        interval_seconds, interval_rows = _best(interval_report)
        agent_seconds, agent_rows = _best(agent_report)
        with store.engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        return {
            "days": days,
            "agents": agents,
            "queues": queues,
            "calls": calls,
            "events": events,
            "write_events_per_second": round(events / write_seconds),
            "rebuild_seconds": round(rebuilt.seconds, 1),
            "rebuild_events_per_second": round(rebuilt.events_per_second),
            # this process's CPU only (PostgreSQL works on the other core meanwhile)
            "rebuild_events_per_cpu_second": round(rebuilt.events / cpu),
            "interval_report_seconds": round(interval_seconds, 3),
            "interval_report_rows": interval_rows,
            "agent_report_seconds": round(agent_seconds, 3),
            "agent_report_rows": agent_rows,
            "database_gb": round((size or 0) / 1e9, 2),
        }
    finally:
        store.dispose()
