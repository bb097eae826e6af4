"""Actions on call recordings: their life (started, complete, converted, failed, purged),
tags, legal hold, who listened, and the recording policy layers.

Each writes its row and exactly one event. `recording.failed` carries `alert: true`:
the administrator's alerts are the events that say so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from centralita.errors import Conflict, NotFound
from centralita.recording.policy import (
    RecordingPolicy,
    as_layer,
    check_layer,
    plain,
    resolve,
    sources,
)
from centralita.recording.rules import rule_tags
from centralita.store import events
from centralita.store.actions.base import insert, require
from centralita.store.db import Tx
from centralita.store.models import (
    RECORDING_SCOPES,
    TAG_SOURCES,
    Campaign,
    Contact,
    Disposition,
    Interaction,
    Queue,
    Recording,
    RecordingPolicyLayer,
    RecordingTag,
    WrapUp,
)

STARTED, COMPLETED, CONVERTED, FAILED, PURGED = (
    "recording.started",
    "recording.completed",
    "recording.converted",
    "recording.failed",
    "recording.purged",
)
TAGGED, HOLD_SET, ACCESSED, ACCESS_REFUSED, POLICY_SET = (
    "recording.tagged",
    "recording.legal_hold_set",
    "recording.accessed",
    "recording.access_refused",
    "recording.policy_set",
)
POLICY_CLEARED = "recording.policy_cleared"


class NoSuchRecording(NotFound):
    code = "no-such-recording"


class UnderLegalHold(Conflict):
    code = "under-legal-hold"


def _get(tx: Tx, recording_id: int) -> Recording:
    row = tx.session.get(Recording, recording_id)
    if row is None:
        raise NoSuchRecording(recording_id=recording_id)
    return row


def _event(tx: Tx, kind: str, row: Recording, at: datetime, actor: str | None, **p: Any) -> None:
    events.append(
        tx,
        kind,
        at,
        tenant_id=row.tenant_id,
        actor=actor,
        interaction_id=row.interaction_id,
        agent_id=row.agent_id,
        recording_id=row.id,
        **p,
    )


def do_start_recording(
    tx: Tx,
    *,
    tenant_id: int,
    interaction_id: str,
    started_at: datetime,
    policy: RecordingPolicy,
    at: datetime,
    actor: str | None,
    leg: int = 0,
    contact_id: int | None = None,
    agent_id: int | None = None,
    queue_id: int | None = None,
    campaign_id: int | None = None,
    caller_number: str | None = None,
    on_demand: bool = False,
) -> Recording:
    row = Recording(
        tenant_id=tenant_id,
        interaction_id=interaction_id,
        leg=leg,
        contact_id=contact_id,
        agent_id=agent_id,
        queue_id=queue_id,
        campaign_id=campaign_id,
        caller_number=caller_number,
        started_at=started_at,
        channels=2 if policy.channels == "stereo" else 1,
        format="wav",
        state="recording",
        paused=[],
        on_demand=on_demand,
        legal_hold=policy.legal_hold,
        expires_at=policy.expires_at(started_at),
        updated_at=at,
    )
    return insert(
        tx,
        row,
        event=STARTED,
        at=at,
        actor=actor,
        unique={"interaction_id": interaction_id, "leg": leg},
        interaction_id=interaction_id,
        agent_id=agent_id,
        on_demand=on_demand,
        leg=leg,
    )


def do_complete_recording(
    tx: Tx,
    *,
    recording_id: int,
    key: str,
    duration: float,
    size: int,
    sha256: str,
    paused: list[tuple[float, float]],
    at: datetime,
    agent_id: int | None = None,
    interrupted: str | None = None,
) -> Recording:
    """The file is stored. `interrupted` says why it ends early (the worker stopped
    mid-call and it was finished from the spool): kept in `error`, and the event is an
    alert."""
    row = _get(tx, recording_id)
    row.key, row.duration_seconds, row.size_bytes, row.sha256 = key, duration, size, sha256
    row.paused = [list(p) for p in paused]
    if agent_id is not None:
        row.agent_id = agent_id
    row.state, row.updated_at = "complete", at
    extra: dict[str, Any] = {}
    if interrupted is not None:
        row.error = f"interrupted: {interrupted}"
        extra = {"interrupted": interrupted, "alert": True}
    _event(tx, COMPLETED, row, at, "recorder", key=key, duration=duration, size=size, **extra)
    return row


def do_convert_recording(
    tx: Tx, *, recording_id: int, key: str, fmt: str, size: int, sha256: str, at: datetime
) -> Recording:
    row = _get(tx, recording_id)
    previous = row.key
    row.key, row.format, row.size_bytes, row.sha256 = key, fmt, size, sha256
    row.state, row.updated_at = "converted", at
    if not (row.error or "").startswith("interrupted"):  # that note stays with the audio
        row.error = None
    _event(tx, CONVERTED, row, at, "recorder", key=key, format=fmt, size=size, wav=previous)
    return row


def do_fail_recording(
    tx: Tx, *, recording_id: int, stage: str, error: str, at: datetime
) -> Recording:
    """Mark the recording failed (`stage`: record, store, render, convert, recover) and
    raise an alert.
    A failed conversion keeps the WAV: `key` still points at it."""
    row = _get(tx, recording_id)
    row.state, row.error, row.updated_at = "failed", f"{stage}: {error}", at
    _event(tx, FAILED, row, at, "recorder", stage=stage, error=error, alert=True)
    return row


def do_tag_recording(
    tx: Tx, *, recording_id: int, tag: str, source: str, at: datetime, actor: str | None
) -> RecordingTag:
    row = _get(tx, recording_id)
    tag = tag.strip().lower()
    require(0 < len(tag) <= 50, "tag", "1 to 50 characters", value=tag)
    require(source in TAG_SOURCES, "source", f"one of {', '.join(TAG_SOURCES)}", value=source)
    return insert(
        tx,
        RecordingTag(recording_id=row.id, tag=tag, source=source, at=at),
        event=TAGGED,
        at=at,
        actor=actor,
        unique={"recording_id": row.id, "tag": tag},
        tenant_id=row.tenant_id,
        interaction_id=row.interaction_id,
        recording_id=row.id,
        tag=tag,
        source=source,
    )


def do_tag_by_rules(
    tx: Tx, *, interaction_id: str, at: datetime, recording_id: int | None = None
) -> list[str]:
    """Give the interaction's recordings (or just `recording_id`) the tags rules set
    (`recording.rules`: campaign, dispositions, VIP contact) they lack; runs when a
    recording is finished and when the interaction is wrapped up. The tags added."""
    session = tx.session
    query = select(Recording).where(
        Recording.interaction_id == interaction_id, Recording.state != "purged"
    )
    if recording_id is not None:
        query = query.where(Recording.id == recording_id)
    rows = session.scalars(query).all()
    if not rows:
        return []
    interaction = session.get(Interaction, interaction_id)
    codes = session.scalars(
        select(Disposition.code)
        .join(WrapUp, WrapUp.disposition_id == Disposition.id)
        .where(WrapUp.interaction_id == interaction_id)
        .order_by(WrapUp.id)
    ).all()
    added: list[str] = []
    for row in rows:
        campaign_id = row.campaign_id or (interaction.campaign_id if interaction else None)
        contact_id = row.contact_id or (interaction.contact_id if interaction else None)
        campaign = session.get(Campaign, campaign_id) if campaign_id else None
        contact = session.get(Contact, contact_id) if contact_id else None
        have = set(session.scalars(select(RecordingTag.tag).filter_by(recording_id=row.id)))
        for tag in rule_tags(
            campaign=campaign.name if campaign else None, dispositions=codes,
            segment=contact.segment if contact else None,
        ):  # fmt: skip
            if tag not in have:
                do_tag_recording(tx, recording_id=row.id, tag=tag, source="rule", at=at,
                                 actor="rules")  # fmt: skip
                added.append(tag)
    return added


def do_mark_recording(
    tx: Tx, *, recording_id: int, what: str, offset: float, at: datetime, actor: str | None
) -> None:
    """Someone paused, resumed or stopped a recording while the call went on (`offset`:
    seconds from its start); the spans themselves are stored when the file is made."""
    require(what in ("paused", "resumed", "stopped"), "what", "paused, resumed or stopped",
            value=what)  # fmt: skip
    _event(tx, f"recording.{what}", _get(tx, recording_id), at, actor, offset=offset)


def do_set_legal_hold(
    tx: Tx, *, recording_id: int, hold: bool, at: datetime, actor: str | None
) -> Recording:
    row = _get(tx, recording_id)
    row.legal_hold, row.updated_at = hold, at
    _event(tx, HOLD_SET, row, at, actor, hold=hold)
    return row


def do_purge_recording(
    tx: Tx, *, recording_id: int, at: datetime, actor: str | None, reason: str = "retention"
) -> Recording:
    """Mark the recording's audio gone; never under legal hold. The caller deletes the
    file inside the same transaction, so a file that cannot be deleted leaves the row."""
    row = _get(tx, recording_id)
    if row.legal_hold:
        raise UnderLegalHold(recording_id=row.id)
    key, row.key, row.state, row.updated_at = row.key, None, "purged", at
    _event(
        tx, PURGED, row, at, actor, key=key, reason=reason, expired_at=row.expires_at.isoformat()
    )
    return row


def do_record_recording_access(
    tx: Tx,
    *,
    recording: Recording | None,
    tenant_id: int | None,
    user_id: int,
    role: str,
    action: str,
    allowed: bool,
    at: datetime,
    recording_id: int | None = None,
) -> None:
    """Every play, download or refusal of one goes to the log (the audit trail)."""
    events.append(
        tx,
        ACCESSED if allowed else ACCESS_REFUSED,
        at,
        tenant_id=recording.tenant_id if recording is not None else tenant_id,
        actor=f"user:{user_id}",
        interaction_id=recording.interaction_id if recording is not None else None,
        recording_id=recording.id if recording is not None else recording_id,
        action=action,
        role=role,
    )


def do_set_recording_policy(
    tx: Tx,
    *,
    tenant_id: int,
    scope: str,
    scope_id: int = 0,
    settings: dict[str, Any],
    at: datetime,
    actor: str | None,
) -> RecordingPolicyLayer:
    """Set the tenant's defaults (`scope="tenant"`) or a queue's or campaign's overrides;
    replaces that layer as a whole."""
    require(scope in RECORDING_SCOPES, "scope", "tenant, queue or campaign", value=scope)
    stored = plain(check_layer(settings))
    scope_id = 0 if scope == "tenant" else scope_id
    row = tx.session.scalars(
        select(RecordingPolicyLayer).filter_by(tenant_id=tenant_id, scope=scope, scope_id=scope_id)
    ).first()
    if row is None:
        row = RecordingPolicyLayer(tenant_id=tenant_id, scope=scope, scope_id=scope_id)
        tx.session.add(row)
    row.settings, row.updated_at = stored, at
    tx.session.flush()
    events.append(
        tx, POLICY_SET, at, tenant_id=tenant_id, actor=actor, scope=scope, scope_id=scope_id,
        settings=stored,
    )  # fmt: skip
    return row


def do_clear_recording_policy(
    tx: Tx, *, tenant_id: int, scope: str, scope_id: int = 0, at: datetime, actor: str | None
) -> bool:
    """Remove a layer: a queue or campaign follows the layers above it again, a tenant the
    built-in defaults. False, and no event, when there was no such layer."""
    require(scope in RECORDING_SCOPES, "scope", "tenant, queue or campaign", value=scope)
    scope_id = 0 if scope == "tenant" else scope_id
    row = tx.session.scalars(
        select(RecordingPolicyLayer).filter_by(tenant_id=tenant_id, scope=scope, scope_id=scope_id)
    ).first()
    if row is None:
        return False
    previous = row.settings
    tx.session.delete(row)
    tx.session.flush()
    events.append(
        tx, POLICY_CLEARED, at, tenant_id=tenant_id, actor=actor, scope=scope, scope_id=scope_id,
        settings=previous,
    )  # fmt: skip
    return True


def policy_overview(session: Session, *, tenant_id: int) -> dict[str, Any]:
    """The tenant's layers as stored (`settings`, None where there is none), the policy
    each gives (`effective`) and where each of its values comes from (`source`: tenant,
    queue, campaign or default): the tenant's, every queue's, and every campaign's for a
    call in the campaign's own queue. JSON-able (the API's, the CLI's `policy show` and
    the policy page)."""
    rows = session.scalars(select(RecordingPolicyLayer).filter_by(tenant_id=tenant_id)).all()
    layers = {(r.scope, r.scope_id): r for r in rows}

    def stored(scope: str, scope_id: int | None) -> dict[str, Any] | None:
        row = layers.get((scope, scope_id or 0))
        return row.settings if row is not None else None

    def entry(
        scope: str, scope_id: int, name: str | None, *above: dict[str, Any] | None, **extra: Any
    ) -> dict[str, Any]:
        """`above`: the layers from the tenant's down to this one (each may be None)."""
        row = layers.get((scope, scope_id))
        return {
            "scope": scope, "id": scope_id or None, "name": name, **extra,
            "settings": row.settings if row is not None else None,
            "updated_at": row.updated_at.isoformat() if row is not None else None,
            "effective": as_layer(resolve(*above)),
            "source": sources(*above),
        }  # fmt: skip

    tenant = stored("tenant", 0)
    queues = session.scalars(select(Queue).filter_by(tenant_id=tenant_id).order_by(Queue.name))
    names = {q.id: q.name for q in queues}
    campaigns = session.scalars(
        select(Campaign).filter_by(tenant_id=tenant_id).order_by(Campaign.name)
    )
    return {
        "tenant": entry("tenant", 0, None, tenant),
        "queues": [
            entry("queue", qid, name, tenant, stored("queue", qid)) for qid, name in names.items()
        ],
        "campaigns": [
            entry(
                "campaign",
                c.id,
                c.name,
                tenant,
                stored("queue", c.queue_id),
                stored("campaign", c.id),
                queue=names.get(c.queue_id or 0),
            )
            for c in campaigns
        ],
    }


def policy_for(
    session: Session, *, tenant_id: int, queue_id: int | None, campaign_id: int | None
) -> RecordingPolicy:
    """The policy in force for a call of this tenant, queue and campaign."""
    rows = session.scalars(select(RecordingPolicyLayer).filter_by(tenant_id=tenant_id)).all()
    layers = {(r.scope, r.scope_id): r.settings for r in rows}
    return resolve(
        tenant=layers.get(("tenant", 0)),
        queue=layers.get(("queue", queue_id)) if queue_id is not None else None,
        campaign=layers.get(("campaign", campaign_id)) if campaign_id is not None else None,
    )
