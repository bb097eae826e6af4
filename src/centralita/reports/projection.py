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
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, BigInteger, Float, Integer, case, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from centralita.reports.nogc import collector_paused
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
from centralita.store.types import UTCDateTime

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
    cells = [(n, _copy_format(columns[n].type)) for n in names]
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {model.__tablename__} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        # COPY's text format written here, thousands of rows a write: psycopg's
        # write_row, a call and a conversion per row, was a fifth of the rebuild
        for lo in range(0, len(rows), 10_000):
            copy.write(
                "".join(
                    "\t".join([_NULL if row[n] is None else f(row[n]) for n, f in cells]) + "\n"
                    for row in rows[lo : lo + 10_000]
                )
            )


_NULL = "\\N"


def _copy_format(kind: Any) -> Callable[[Any], str]:
    """How a column's non-null value is written in COPY's text format."""
    if isinstance(kind, Integer | BigInteger):
        return _int_text
    if isinstance(kind, Float):
        return repr
    if isinstance(kind, UTCDateTime):
        return datetime.isoformat
    if isinstance(kind, JSON):
        return lambda value: _escape(orjson.dumps(value).decode())
    return lambda value: _escape(str(value))


def _int_text(value: Any) -> str:
    return str(int(value))  # the projector counts in floats


def _escape(text: str) -> str:
    """A string as COPY's text format reads it back."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


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


def _events(
    session: Session, after: int, limit: int | None, *, reader: Any = None
) -> Iterator[tuple[Any, ...]]:
    """(id, kind, at in seconds, tenant, interaction, agent, payload) in log order.

    Raw SQL on purpose: this is the rebuild's inner loop. The database turns times into
    epoch seconds and hands the payload over as text (orjson reads it in a third of the
    standard library's time). With a `reader` (a psycopg connection of its own) a thread
    fetches the next rows while this one projects, so the server's work overlaps ours
    instead of taking turns with it."""
    limit_sql = f" LIMIT {int(limit)}" if limit is not None else ""
    query = (
        "SELECT id, kind, {at}, tenant_id, interaction_id, agent_id, payload{text} FROM events"
        f" WHERE id > {int(after)} AND kind IN ({_KIND_LIST}) ORDER BY id{limit_sql}"
    )
    loads = orjson.loads
    if not _is_postgres(session):
        result = session.connection().exec_driver_sql(
            query.format(at="(julianday(at) - 2440587.5) * 86400.0", text="")
        )
        for eid, kind, at, tenant, iid, agent, payload in result:
            yield eid, kind, round(at, 3), tenant, iid, agent, loads(payload)
        return
    sql = query.format(at="extract(epoch FROM at)::float8", text="::text")
    if reader is None:
        raw = session.connection().connection.driver_connection
        assert raw is not None
        batches: Iterator[list[tuple[Any, ...]]] = _fetch(raw, sql)
    else:
        batches = _prefetched(_fetch(reader, sql))
    for batch in batches:
        for eid, kind, at, tenant, iid, agent, payload in batch:
            yield eid, kind, at, tenant, iid, agent, loads(payload)


def _fetch(connection: Any, sql: str, size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `sql` in lists of `size`, through a server-side cursor."""
    with connection.cursor(name="report_events") as cur:
        cur.execute(sql)
        while rows := cur.fetchmany(size):
            yield rows


def _prefetched(batches: Iterator[Any], ahead: int = 2) -> Iterator[Any]:
    """`batches`, read by a thread of its own up to `ahead` in advance (psycopg lets the
    interpreter run while it waits for the server). An error there is raised here."""
    handoff: queue.Queue[Any] = queue.Queue(maxsize=ahead)
    done = object()
    stop = threading.Event()

    def read() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    with contextlib.suppress(queue.Full):
                        handoff.put(batch, timeout=0.1)
                        break
                if stop.is_set():
                    return
            handoff.put(done)
        except BaseException as error:  # handed to the consumer, raised there
            handoff.put(error)

    thread = threading.Thread(target=read, name="report-events", daemon=True)
    thread.start()
    try:
        while (item := handoff.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


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
def _reader(store: Store) -> Iterator[Any]:
    """On PostgreSQL, a connection of its own to read the log by: the rebuild writes
    finished calls while it reads. It sees the log as its COPY starts; the cursor then
    says where the rebuild stopped, and a follower goes on from there."""
    if store.engine.dialect.name != "postgresql":
        yield None
        return
    pooled = store.engine.raw_connection()
    try:
        yield pooled.driver_connection
        pooled.commit()
    finally:
        pooled.close()


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
    with collector_paused(), _reader(store) as reader, store.transaction() as tx:
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
        for eid, kind, at, tenant, iid, agent, payload in _events(session, 0, None, reader=reader):
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
