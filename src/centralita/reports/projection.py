"""The projection tables, kept up to date from the event log and rebuilt from it.

`Follower.catch_up()` reads the events written since its cursor, folds them with the pure
`Projector` and writes the additive rows, the new cursor and the projector's memory in one
transaction: a crash between two batches loses nothing and counts nothing twice. The
live center calls it every second or two (`centralita serve`); a report answers from the
tables plus at most that much lag.

`rebuild()` empties the tables and replays the whole log in one transaction (a failed
rebuild leaves the previous projection as it was). Both lock the cursor row first, so a
follower that runs during a rebuild waits for it and then resumes from the rebuilt
cursor.

Only the live center writes `acd.*` events and it commits them one batch after another,
so their ids grow in commit order and a cursor on the id never skips one.
"""

from __future__ import annotations

import contextlib
import gc
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, case, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from centralita.reports.projector import (
    AGENT_FIELDS,
    IVR_FIELDS,
    KINDS,
    MAX_FIELDS,
    QUEUE_FIELDS,
    SLOT_SECONDS,
    Delta,
    Projector,
)
from centralita.store.db import Store
from centralita.store.models import (
    Event,
    Queue,
    ReportAgentPause,
    ReportAgentSession,
    ReportAgentSlot,
    ReportCall,
    ReportCursor,
    ReportIvrSlot,
    ReportQueueSlot,
)

CURSOR = "reports"
PROJECTION_TABLES = (
    ReportQueueSlot,
    ReportAgentSlot,
    ReportAgentPause,
    ReportAgentSession,
    ReportCall,
    ReportIvrSlot,
)
Progress = Callable[[int, int], None]  # (events done, events in all)


def slot_time(slot: int) -> datetime:
    return datetime.fromtimestamp(slot * SLOT_SECONDS, UTC)


def _when(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def thresholds(session: Session) -> dict[int, float]:
    """Each queue's service-level threshold (seconds)."""
    return {
        qid: float(seconds)
        for qid, seconds in session.execute(select(Queue.id, Queue.service_level_seconds))
    }


# --- writing a delta ------------------------------------------------------------------------


def _upsert(
    session: Session,
    model: type[Any],
    keys: Sequence[str],
    rows: list[dict[str, Any]],
    additive: Sequence[str] = (),
    largest: Sequence[str] = (),
    latest: Sequence[str] = (),
) -> None:
    if not rows:
        return
    table = model.__table__
    upsert = pg_insert if _is_postgres(session) else sqlite_insert
    stmt = upsert(table).values(rows)
    new = stmt.excluded
    set_: dict[str, Any] = {c: table.c[c] + new[c] for c in additive}
    set_.update({c: case((new[c] > table.c[c], new[c]), else_=table.c[c]) for c in largest})
    set_.update({c: func.coalesce(new[c], table.c[c]) for c in latest})
    session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=set_))


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _bulk_insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert rows known to be new: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    if not _is_postgres(session):
        session.execute(insert(model), rows)
        return
    names = list(rows[0])
    columns = model.__table__.columns
    # the projector counts in floats; COPY wants each column's own type
    convert: list[Callable[[Any], Any] | None] = []
    for n in names:
        if n == "legs":
            convert.append(json.dumps)
        elif isinstance(columns[n].type, Integer | BigInteger):
            convert.append(_int)
        else:
            convert.append(None)
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {model.__tablename__} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                [row[n] if f is None else f(row[n]) for n, f in zip(names, convert, strict=True)]
            )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


_Q_ADD = [f for f in QUEUE_FIELDS if f not in MAX_FIELDS]
_Q_MAX = [f for f in QUEUE_FIELDS if f in MAX_FIELDS]


def _rows(delta: Delta) -> dict[type[Any], list[dict[str, Any]]]:
    return {
        ReportQueueSlot: [
            {
                "tenant_id": t,
                "queue_id": q,
                "slot_start": slot_time(s),
                **dict(zip(QUEUE_FIELDS, row, strict=True)),
            }
            for (t, q, s), row in delta.queues.items()
        ],
        ReportAgentSlot: [
            {
                "tenant_id": t,
                "agent_id": a,
                "slot_start": slot_time(s),
                **dict(zip(AGENT_FIELDS, row, strict=True)),
            }
            for (t, a, s), row in delta.agents.items()
        ],
        ReportAgentPause: [
            {"tenant_id": t, "agent_id": a, "slot_start": slot_time(s), "reason": r, "seconds": v}
            for (t, a, s, r), v in delta.pauses.items()
        ],
        ReportAgentSession: [
            {
                "tenant_id": t,
                "agent_id": a,
                "logged_in_at": _when(login),
                "logged_out_at": _when(out),
            }
            for (t, a, login), out in delta.sessions.items()
        ],
        ReportIvrSlot: [
            {
                "tenant_id": t,
                "flow": f,
                "node": n,
                "slot_start": slot_time(s),
                **dict(zip(IVR_FIELDS, row, strict=True)),
            }
            for (t, f, n, s), row in delta.ivr.items()
        ],
    }


def _call_rows(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **call,
            "arrived_at": _when(call["arrived_at"]),
            "answered_at": _when(call["answered_at"]),
            "ended_at": _when(call["ended_at"]),
        }
        for call in calls
    ]


_KEYS: dict[type[Any], tuple[str, ...]] = {
    ReportQueueSlot: ("tenant_id", "queue_id", "slot_start"),
    ReportAgentSlot: ("tenant_id", "agent_id", "slot_start"),
    ReportAgentPause: ("tenant_id", "agent_id", "slot_start", "reason"),
    ReportAgentSession: ("tenant_id", "agent_id", "logged_in_at"),
    ReportIvrSlot: ("tenant_id", "flow", "node", "slot_start"),
}
_MERGE: dict[type[Any], dict[str, Sequence[str]]] = {
    ReportQueueSlot: {"additive": _Q_ADD, "largest": _Q_MAX},
    ReportAgentSlot: {"additive": AGENT_FIELDS},
    ReportAgentPause: {"additive": ("seconds",)},
    ReportAgentSession: {"latest": ("logged_out_at",)},
    ReportIvrSlot: {"additive": IVR_FIELDS},
}


def write_delta(session: Session, delta: Delta) -> None:
    """Add `delta` to the projection tables (within the caller's transaction)."""
    for model, rows in _rows(delta).items():
        for lo in range(0, len(rows), 1000):
            _upsert(session, model, _KEYS[model], rows[lo : lo + 1000], **_MERGE[model])
    _bulk_insert(session, ReportCall, _call_rows(delta.calls))


# --- reading the log ---------------------------------------------------------------------------


_KIND_LIST = ", ".join(f"'{k}'" for k in KINDS)


def _events(session: Session, after: int, limit: int | None) -> Iterator[tuple[Any, ...]]:
    """(id, kind, at in seconds, tenant, interaction, agent, payload) in log order.

    Raw SQL on purpose: this is the rebuild's inner loop. The database turns times into
    epoch seconds and hands the payload over as text; with COPY for the writes, this took
    the benchmark's rebuild from 10,500 to about 30,000 events/s (before the collector
    was switched off)."""
    limit_sql = f" LIMIT {int(limit)}" if limit is not None else ""
    loads = json.loads
    if _is_postgres(session):
        raw = session.connection().connection.driver_connection
        assert raw is not None
        with raw.cursor(name="report_events") as cur:
            cur.itersize = 10000
            cur.execute(
                "SELECT id, kind, extract(epoch FROM at)::float8, tenant_id, interaction_id,"
                f" agent_id, payload::text FROM events WHERE id > %s AND kind IN ({_KIND_LIST})"
                f" ORDER BY id{limit_sql}",
                (after,),
            )
            for eid, kind, at, tenant, iid, agent, payload in cur:
                yield eid, kind, at, tenant, iid, agent, loads(payload)
        return
    result = session.connection().exec_driver_sql(
        "SELECT id, kind, (julianday(at) - 2440587.5) * 86400.0, tenant_id, interaction_id,"
        f" agent_id, payload FROM events WHERE id > ? AND kind IN ({_KIND_LIST})"
        f" ORDER BY id{limit_sql}",
        (after,),
    )
    for eid, kind, at, tenant, iid, agent, payload in result:
        yield eid, kind, round(at, 3), tenant, iid, agent, loads(payload)


def _lock_cursor(session: Session, now: datetime) -> ReportCursor:
    """The cursor row, locked for this transaction. The first statement writes, so on
    SQLite the transaction takes the write lock (waiting its turn) before it reads
    anything: a read-then-write transaction there fails with "database is locked" when
    the live center commits in between."""
    session.execute(update(ReportCursor).where(ReportCursor.name == CURSOR).values(updated_at=now))
    cursor = session.scalar(
        select(ReportCursor).where(ReportCursor.name == CURSOR).with_for_update()
    )
    if cursor is None:
        cursor = ReportCursor(name=CURSOR, last_event_id=0, state={}, updated_at=now)
        session.add(cursor)
        session.flush()
    return cursor


# --- keeping up ------------------------------------------------------------------------------


class Follower:
    """Keeps the projection tables up to date, one batch of new events at a time."""

    def __init__(self, store: Store, *, batch: int = 20000) -> None:
        self.store = store
        self.batch = batch
        self._projector: Projector | None = None
        self._cursor = -1

    def catch_up(self, now: datetime | None = None) -> int:
        """Project every event written since the last call; returns how many were read."""
        total = 0
        while True:
            read = self._one_batch(now or datetime.now(UTC))
            total += read
            if read < self.batch:
                return total

    def _one_batch(self, now: datetime) -> int:
        with self.store.transaction() as tx:
            session = tx.session
            cursor = _lock_cursor(session, now)
            projector = self._projector
            if projector is None or cursor.last_event_id != self._cursor:
                # first batch, or a rebuild ran since: resume from what is stored
                projector = Projector(state=cursor.state)
            projector.thresholds = thresholds(session)
            last = cursor.last_event_id
            apply = projector.apply
            read = 0
            for eid, kind, at, tenant, iid, agent, payload in _events(session, last, self.batch):
                apply(kind, at, tenant, iid, agent, payload)
                last = eid
                read += 1
            if read:
                write_delta(session, projector.take())
                cursor.last_event_id = last
                cursor.state = projector.state()
                cursor.updated_at = now
        # only once committed does the in-memory projector match the stored one
        self._projector, self._cursor = projector, last
        return read


# --- rebuilding ------------------------------------------------------------------------------


@contextlib.contextmanager
def _no_garbage_collector() -> Iterator[None]:
    """The rebuild holds millions of small containers and makes no reference cycles:
    the cycle collector's passes over them took half the projector's time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class Rebuilt:
    events: int
    seconds: float
    calls: int

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def rebuild(
    store: Store,
    *,
    progress: Progress | None = None,
    flush_every: int = 50_000,
    clock: Callable[[], float] = time.perf_counter,
    now: datetime | None = None,
) -> Rebuilt:
    """Empty the projection tables and replay the whole event log into them."""
    started = clock()
    now = now or datetime.now(UTC)
    events = calls = 0
    with _no_garbage_collector(), store.transaction() as tx:
        session = tx.session
        cursor = _lock_cursor(session, now)
        for model in PROJECTION_TABLES:
            session.execute(delete(model))
        total = (
            session.scalar(select(func.count()).select_from(Event).where(Event.kind.in_(KINDS)))
            or 0
        )
        projector = Projector(thresholds(session))
        apply = projector.apply
        last = 0
        for eid, kind, at, tenant, iid, agent, payload in _events(session, 0, None):
            apply(kind, at, tenant, iid, agent, payload)
            last = eid
            events += 1
            if events % 20_000 == 0:
                finished = projector.delta.calls
                if len(finished) >= flush_every:
                    # the tables are empty: finished calls go straight in, in bulk; the
                    # slot counters stay in memory until the end (they are still growing)
                    projector.delta.calls = []
                    calls += len(finished)
                    _bulk_insert(session, ReportCall, _call_rows(finished))
                if progress is not None:
                    progress(events, total)
        delta = projector.take()
        calls += len(delta.calls)
        for model, rows in _rows(delta).items():
            _bulk_insert(session, model, rows)
        _bulk_insert(session, ReportCall, _call_rows(delta.calls))
        cursor.last_event_id = last
        cursor.state = projector.state()
        cursor.updated_at = now
        if progress is not None:
            progress(events, total)
    return Rebuilt(events, clock() - started, calls)
