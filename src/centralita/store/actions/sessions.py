"""Actions on signing in: successes and failures are events, lockout is derived from them.

A user is locked out after `MAX_FAILURES` failed sign-ins within `LOCKOUT` of each other
since its last successful sign-in; the lock lifts `LOCKOUT` after the last failure. No
table holds a counter: the event log is the record (`user.sign_in_failed`,
`user.signed_in`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centralita.store import events
from centralita.store.db import Tx
from centralita.store.models import Event, User

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SIGNED_IN = "user.signed_in"
SIGN_IN_FAILED = "user.sign_in_failed"


def _actor(user: User) -> str:
    return f"user:{user.id}"


def do_record_sign_in(tx: Tx, *, user: User, at: datetime) -> None:
    events.append(tx, SIGNED_IN, at, tenant_id=user.tenant_id, actor=_actor(user))


def do_record_sign_in_failure(tx: Tx, *, user: User, at: datetime) -> None:
    events.append(tx, SIGN_IN_FAILED, at, tenant_id=user.tenant_id, actor=_actor(user))


def locked_until(session: Session, *, user: User, now: datetime) -> datetime | None:
    """When the user's lockout ends, or None if it may sign in now."""
    actor = _actor(user)
    last_ok = session.scalar(
        select(func.max(Event.at)).where(Event.kind == SIGNED_IN, Event.actor == actor)
    )
    since = now - LOCKOUT
    if last_ok is not None and last_ok > since:
        since = last_ok
    failures = list(
        session.scalars(
            select(Event.at)
            .where(Event.kind == SIGN_IN_FAILED, Event.actor == actor, Event.at > since)
            .order_by(Event.at.desc())
            .limit(MAX_FAILURES)
        )
    )
    if len(failures) < MAX_FAILURES:
        return None
    return failures[0] + LOCKOUT
