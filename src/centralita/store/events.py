"""The append-only event log: writing entries and reading them back in order.

Every action appends its events through `append` inside its own transaction, so an event
exists exactly when the rows it describes do. Kinds are past-tense, dotted nouns
(`queue.created`, `contact.created`, `agent.logged_in`). The database itself refuses UPDATE
and DELETE on `events` (triggers created by migration 0003).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from centralita.store.db import Tx
from centralita.store.models import Event

#: SQL that makes `events` append-only, per dialect (used by migration 0003).
APPEND_ONLY_SQL: dict[str, Sequence[str]] = {
    "sqlite": (
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    ),
    "postgresql": (
        "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'events are append-only'; END $$",
        "CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_append_only()",
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()",
    ),
}
DROP_APPEND_ONLY_SQL: dict[str, Sequence[str]] = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS events_no_update",
        "DROP TRIGGER IF EXISTS events_no_delete",
    ),
    "postgresql": (
        "DROP TRIGGER IF EXISTS events_no_truncate ON events",
        "DROP TRIGGER IF EXISTS events_no_update ON events",
        "DROP FUNCTION IF EXISTS events_append_only()",
    ),
}


def append(
    tx: Tx,
    kind: str,
    at: datetime,
    /,
    *,
    tenant_id: int | None,
    actor: str | None = None,
    interaction_id: str | None = None,
    agent_id: int | None = None,
    **payload: Any,
) -> Event:
    """Append one event to the log within `tx`; it is published after `tx` commits."""
    entry = Event(
        tenant_id=tenant_id,
        at=at,
        kind=kind,
        interaction_id=interaction_id,
        agent_id=agent_id,
        actor=actor,
        payload=payload,
    )
    tx.session.add(entry)
    tx.events.append(entry)
    return entry


def read(
    session: Any,
    *,
    tenant_id: int | None = None,
    kinds: Sequence[str] | None = None,
    after_id: int = 0,
    limit: int = 1000,
) -> list[Event]:
    """Events in log order, optionally of one tenant and some kinds, after an id."""
    query = select(Event).where(Event.id > after_id).order_by(Event.id).limit(limit)
    if tenant_id is not None:
        query = query.where(Event.tenant_id == tenant_id)
    if kinds:
        query = query.where(Event.kind.in_(kinds))
    return list(session.scalars(query))


def stream(session: Any, *, batch: int = 5000) -> Iterator[Event]:
    """Every event in log order, in batches (for rebuilding projections)."""
    after = 0
    while True:
        rows = read(session, after_id=after, limit=batch)
        if not rows:
            return
        yield from rows
        after = rows[-1].id
