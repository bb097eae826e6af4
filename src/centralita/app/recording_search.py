"""Finding recordings: by date range (required), agent, queue, campaign, caller number,
disposition, tags, duration and state, within the reader's tenants, newest first, a
page at a time; and how many of them failed lately (the page's banner). Who may search
and listen is decided here too (`LISTENER_ROLES`).

Agents do not search or play recordings, not even their own: a recording holds the
customer's personal data (sometimes what should have been paused), agents' desks are
often shared (hot-desking), and reviewing one's calls is a coaching session the quality
analyst or the supervisor runs. Client viewers read figures, not conversations.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from centralita.app.journal import KIND_OF
from centralita.core import records
from centralita.errors import Invalid
from centralita.recording.timeline import hold_spans
from centralita.store.models import (
    RECORDING_STATES,
    Campaign,
    Disposition,
    Event,
    Queue,
    Recording,
    RecordingTag,
    User,
    WrapUp,
)

LISTENER_ROLES = ("supervisor", "administrator", "quality_analyst")
#: Who may place or release a legal hold: a hold keeps personal data past its retention,
#: a decision for those answerable for the operation, not for the reviewers of calls.
HOLD_ROLES = ("supervisor", "administrator")
MAX_PAGE = 100
MAX_DAYS = 366


@dataclass(frozen=True)
class Search:
    start: datetime  # inclusive
    end: datetime  # exclusive
    agent_id: int | None = None
    queue_id: int | None = None
    campaign_id: int | None = None
    caller: str | None = None
    disposition: str | None = None  # a disposition code
    tags: tuple[str, ...] = ()  # every one must be on the recording
    min_seconds: float | None = None
    max_seconds: float | None = None
    state: str | None = None  # one of RECORDING_STATES
    page: int = 1
    page_size: int = 25

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise Invalid("to: must be after from", field="to")
        if (self.end - self.start).days > MAX_DAYS:
            raise Invalid(f"to: a range is at most {MAX_DAYS} days", field="to")
        if not 1 <= self.page_size <= MAX_PAGE:
            raise Invalid(f"page_size: 1 to {MAX_PAGE}", field="page_size")
        if self.page < 1:
            raise Invalid("page: 1 or more", field="page")
        if self.state is not None and self.state not in RECORDING_STATES:
            raise Invalid(
                f"state: one of {', '.join(RECORDING_STATES)}",
                field="state", value=self.state, accepted=list(RECORDING_STATES),
            )  # fmt: skip


@dataclass
class Found:
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0


def search(session: Session, tenants: Collection[int], q: Search) -> Found:
    where = [
        Recording.tenant_id.in_(list(tenants)),
        Recording.started_at >= q.start,
        Recording.started_at < q.end,
    ]
    if q.agent_id is not None:
        where.append(Recording.agent_id == q.agent_id)
    if q.queue_id is not None:
        where.append(Recording.queue_id == q.queue_id)
    if q.campaign_id is not None:
        where.append(Recording.campaign_id == q.campaign_id)
    if q.caller:
        where.append(Recording.caller_number.contains(q.caller.strip(), autoescape=True))
    if q.state is not None:
        where.append(Recording.state == q.state)
    if q.min_seconds is not None:
        where.append(Recording.duration_seconds >= q.min_seconds)
    if q.max_seconds is not None:
        where.append(Recording.duration_seconds <= q.max_seconds)
    for tag in q.tags:
        where.append(
            exists().where(
                RecordingTag.recording_id == Recording.id, RecordingTag.tag == tag.lower()
            )
        )
    if q.disposition:
        where.append(
            exists().where(
                WrapUp.interaction_id == Recording.interaction_id,
                Disposition.id == WrapUp.disposition_id,
                Disposition.code == q.disposition,
            )
        )
    total = session.scalar(select(func.count()).select_from(Recording).where(and_(*where))) or 0
    rows = list(
        session.scalars(
            select(Recording)
            .where(and_(*where))
            .order_by(Recording.started_at.desc(), Recording.id.desc())
            .offset((q.page - 1) * q.page_size)
            .limit(q.page_size)
        )
    )
    return Found(describe(session, rows), total, q.page, -(-total // q.page_size))


def describe(session: Session, rows: list[Recording]) -> list[dict[str, Any]]:
    """Rows as the API and the page show them (names instead of ids, tags)."""
    ids = [r.id for r in rows]
    tags: dict[int, list[dict[str, str]]] = {i: [] for i in ids}
    for t in session.scalars(
        select(RecordingTag).where(RecordingTag.recording_id.in_(ids)).order_by(RecordingTag.id)
    ):
        tags[t.recording_id].append({"tag": t.tag, "source": t.source})
    agents = _names(session, User.id, User.display_name, {r.agent_id for r in rows})
    queues = _names(session, Queue.id, Queue.name, {r.queue_id for r in rows})
    campaigns = _names(session, Campaign.id, Campaign.name, {r.campaign_id for r in rows})
    return [
        {
            "id": r.id,
            "interaction_id": r.interaction_id,
            "leg": r.leg,
            "started_at": r.started_at.isoformat(),
            "duration": r.duration_seconds,
            "state": r.state,
            "failure": failure_of(r),
            "format": r.format,
            "channels": r.channels,
            "size": r.size_bytes,
            "sha256": r.sha256,
            "caller_number": r.caller_number,
            "agent": agents.get(r.agent_id),
            "queue": queues.get(r.queue_id),
            "campaign": campaigns.get(r.campaign_id),
            "contact_id": r.contact_id,
            "paused": r.paused,
            "on_demand": r.on_demand,
            "legal_hold": r.legal_hold,
            "expires_at": r.expires_at.isoformat(),
            "tags": tags[r.id],
            "playable": r.key is not None,
        }
        for r in rows
    ]


def failure_of(row: Recording) -> dict[str, str | None] | None:
    """A failed recording's stage and reason (`do_fail_recording` writes "stage: reason"
    into `error`); None unless the recording failed."""
    if row.state != "failed":
        return None
    stage, colon, reason = (row.error or "").partition(": ")
    return {"stage": stage, "reason": reason} if colon else {"stage": None, "reason": row.error}


def failed_count(session: Session, tenants: Collection[int], start: datetime, end: datetime) -> int:
    """How many recordings of `tenants` started in [start, end) and are failed: the
    search page's banner, counted over the same range its link searches."""
    return session.scalar(
        select(func.count()).select_from(Recording).where(
            Recording.tenant_id.in_(list(tenants)), Recording.state == "failed",
            Recording.started_at >= start, Recording.started_at < end,
        )
    ) or 0  # fmt: skip


def _names(session: Session, key: Any, name: Any, ids: set[int | None]) -> dict[Any, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(session.execute(select(key, name).where(key.in_(wanted))).tuples().all())


def recordings_of(session: Session, interaction_ids: Collection[str]) -> dict[str, int]:
    """The newest playable recording of each interaction (for the contact's history)."""
    out: dict[str, int] = {}
    for rid, iid in session.execute(
        select(Recording.id, Recording.interaction_id)
        .where(Recording.interaction_id.in_(list(interaction_ids)), Recording.key.is_not(None))
        .order_by(Recording.id)
    ):
        out[iid] = rid
    return out


def holds_of(session: Session, row: Recording) -> list[tuple[float, float]]:
    """The spans the caller was on hold during the recording (from the interaction's
    `acd.interaction_held` / `acd.interaction_resumed` events)."""
    held, resumed = KIND_OF[records.InteractionHeld], KIND_OF[records.InteractionResumed]
    marks = [
        (kind == held, (at - row.started_at).total_seconds())
        for kind, at in session.execute(
            select(Event.kind, Event.at)
            .where(Event.interaction_id == row.interaction_id, Event.kind.in_([held, resumed]))
            .order_by(Event.at, Event.id)
        )
    ]
    return hold_spans(marks, row.duration_seconds or 0.0)
