"""Reports benchmark: a month of a 1,000-agent center in PostgreSQL, projected and queried.

The event log is generated, not simulated, so that a month (about 9 million calls and 70
million events) is written in minutes: each day 1,000 agents log in, 300,000 calls
arrive over the day with an intraday curve in 40 queues and go to the queue's agent free
soonest (ringing 3 s, exponential talk of 265 s mean, 10 s wrap-up), callers whose wait
would exceed their patience abandon, and every agent takes a 15-minute break before
logging out. The events have exactly the kinds and payloads the live center writes
(`centralita.app.journal.record_payload`), in time order, copied with COPY.

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
    """One day's events as (at, tenant, kind, interaction, agent, payload) rows."""
    rows: list[tuple[Any, ...]] = []
    add = rows.append
    per_queue = agents // queues
    free: list[list[tuple[float, int]]] = []
    for q in range(queues):
        heap = []
        for k in range(per_queue):
            agent = first_agent + q * per_queue + k
            login = day_start + rng.uniform(0, 60)
            add(
                (
                    login,
                    tenant,
                    "acd.agent_state_changed",
                    None,
                    agent,
                    {"state": "available", "reason": None, "by": None},
                )
            )
            heap.append((login, agent))
        heapq.heapify(heap)
        free.append(heap)
    # arrival times by thinning a Poisson process against the intraday curve
    peak = max(_curve(h / 10) for h in range(240))
    mean = sum(_curve(h / 10) for h in range(240)) / 240
    rate = calls / DAY * peak / mean
    t = day_start
    n = 0
    last_end = day_start
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
        add(
            (
                t,
                tenant,
                "acd.interaction_queued",
                iid,
                None,
                {
                    "queue_id": queue,
                    "priority": 5,
                    "skills": [],
                    "arrived_at": t,
                    "target_agent": None,
                    "campaign": None,
                },
            )
        )
        heap = free[q]
        free_at, agent = heap[0]
        start = max(t, free_at)
        patience = rng.expovariate(1 / 180.0)
        if start - t > patience:
            wait = patience
            add(
                (
                    t + wait,
                    tenant,
                    "acd.interaction_closed",
                    iid,
                    None,
                    {
                        "outcome": "abandoned" if wait > 5 else "short_abandoned",
                        "queue_id": queue,
                        "arrived_at": t,
                        "waited": wait,
                        "destination": None,
                    },
                )
            )
            continue
        heapq.heappop(heap)
        answered = start + 3.0
        ended = answered + rng.expovariate(1 / 265.0)
        available = ended + 10.0
        add((start, tenant, "acd.interaction_offered", iid, agent, {"queue_id": queue}))
        add(
            (
                start,
                tenant,
                "acd.agent_state_changed",
                iid,
                agent,
                {"state": "reserved", "reason": None, "by": None},
            )
        )
        add(
            (
                answered,
                tenant,
                "acd.interaction_answered",
                iid,
                agent,
                {"queue_id": queue, "waited": answered - t},
            )
        )
        add(
            (
                answered,
                tenant,
                "acd.agent_state_changed",
                iid,
                agent,
                {"state": "talking", "reason": None, "by": None},
            )
        )
        add(
            (
                ended,
                tenant,
                "acd.interaction_closed",
                iid,
                agent,
                {
                    "outcome": "answered",
                    "queue_id": queue,
                    "arrived_at": t,
                    "waited": answered - t,
                    "destination": None,
                },
            )
        )
        add(
            (
                ended,
                tenant,
                "acd.agent_state_changed",
                iid,
                agent,
                {"state": "wrap_up", "reason": None, "by": None},
            )
        )
        add(
            (
                available,
                tenant,
                "acd.agent_state_changed",
                iid,
                agent,
                {"state": "available", "reason": None, "by": None},
            )
        )
        heapq.heappush(heap, (available, agent))
        last_end = max(last_end, available)
    for heap in free:
        for free_at, agent in heap:
            pause = max(free_at, day_start + DAY - 1100)
            add(
                (
                    pause,
                    tenant,
                    "acd.agent_state_changed",
                    None,
                    agent,
                    {"state": "not_ready", "reason": "break", "by": None},
                )
            )
            add(
                (
                    pause + 900,
                    tenant,
                    "acd.agent_state_changed",
                    None,
                    agent,
                    {"state": "logged_out", "reason": None, "by": None},
                )
            )
    rows.sort(key=lambda r: r[0])
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
