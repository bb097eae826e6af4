"""What the agent's screen pops, and a contact's history: read-only queries.

A call that went through the IVR pops what the IVR learnt too (`ivr_summary`): read from
its `ivr.ended` event (flow, last node, the attributes the flow set, e.g.
`identity_verified`) and its `ivr.node_visited` events (the path), which share the
interaction's id.

Every function takes the tenants the reader may see and never returns a row of another
tenant: asking for one is the same as asking for something that does not exist.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from centralita.app.recording_search import recordings_of
from centralita.errors import NotFound
from centralita.store.models import (
    Campaign,
    Contact,
    ContactPhone,
    Disposition,
    Event,
    Interaction,
    Queue,
    User,
    WrapUp,
)


class NoSuchContact(NotFound):
    code = "no-such-contact"


class NoSuchInteraction(NotFound):
    code = "no-such-interaction"


@dataclass
class HistoryItem:
    id: str
    when: datetime
    channel: str
    direction: str
    campaign: str | None
    queue: str | None
    agent: str | None
    duration: float | None
    outcome: str | None
    disposition: dict[str, str] | None
    notes: str | None
    form_data: dict[str, Any] = field(default_factory=dict)
    recording: str | None = None
    form_labels: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class ScreenPop:
    interaction: Interaction
    campaign: Campaign | None
    dispositions: list[Disposition]
    contact: Contact | None
    phones: list[str]
    history: list[HistoryItem]
    queue: str | None = None
    ivr: IvrSummary | None = None


#: The attribute a `verify` node sets by default ("yes" or "no").
VERIFIED_ATTRIBUTE = "identity_verified"
#: A longer path shows its first and last nodes around "…".
PATH_SHOWN = 8


@dataclass
class IvrSummary:
    """What the IVR learnt on a call, for the agent.

    `verified` is True / False for `identity_verified` "yes" / "no", None when the flow did
    not ask. `path` is the nodes visited, in order (shortened to `PATH_SHOWN` around "…").
    `attributes` are the others the flow set; `language` and `segment` only when the
    journal has them."""

    flow: str
    version: int | None
    outcome: str | None
    node: str | None
    path: list[str]
    verified: bool | None
    attributes: dict[str, str]
    language: str | None = None
    segment: str | None = None


def ivr_summary(session: Session, interaction: Interaction) -> IvrSummary | None:
    """The IVR's last run on `interaction` (its tenant's events only); None without one."""
    rows = list(
        session.scalars(
            select(Event)
            .where(
                Event.interaction_id == interaction.id,
                Event.tenant_id == interaction.tenant_id,
                Event.kind.in_(("ivr.node_visited", "ivr.ended")),
            )
            .order_by(Event.id)
        )
    )
    ended = next((e for e in reversed(rows) if e.kind == "ivr.ended"), None)
    if ended is None:
        return None
    data = ended.payload
    path = [
        str(e.payload.get("node"))
        for e in rows
        if e.kind == "ivr.node_visited" and e.id < ended.id and e.payload.get("node")
    ]
    if len(path) > PATH_SHOWN:
        path = [*path[: PATH_SHOWN // 2 - 1], "…", *path[-(PATH_SHOWN // 2) :]]
    attributes = {str(k): str(v) for k, v in (data.get("attributes") or {}).items()}
    answer = attributes.pop(VERIFIED_ATTRIBUTE, None)
    if answer not in (None, "yes", "no"):
        attributes[VERIFIED_ATTRIBUTE] = str(answer)  # not a verify node's: shown as it is
    return IvrSummary(
        flow=str(data.get("flow", "")),
        version=data.get("version"),
        outcome=data.get("outcome"),
        node=data.get("node"),
        path=path or ([str(data["node"])] if data.get("node") else []),
        verified={"yes": True, "no": False}.get(answer or ""),
        attributes=attributes,
        language=data.get("language"),
        segment=data.get("segment"),
    )


def _interaction(session: Session, tenants: Collection[int], interaction_id: str) -> Interaction:
    row = session.get(Interaction, interaction_id)
    if row is None or row.tenant_id not in tenants:
        raise NoSuchInteraction(interaction_id=interaction_id)
    return row


def contact(session: Session, tenants: Collection[int], contact_id: int) -> Contact:
    row = session.get(Contact, contact_id)
    if row is None or row.tenant_id not in tenants:
        raise NoSuchContact(contact_id=contact_id)
    return row


def phones_of(session: Session, contact_id: int) -> list[str]:
    return list(
        session.scalars(
            select(ContactPhone.number)
            .where(ContactPhone.contact_id == contact_id)
            .order_by(ContactPhone.id)
        )
    )


def contact_by_phone(session: Session, tenant_id: int, number: str | None) -> Contact | None:
    if not number:
        return None
    return session.scalars(
        select(Contact)
        .join(ContactPhone, ContactPhone.contact_id == Contact.id)
        .where(ContactPhone.tenant_id == tenant_id, ContactPhone.number == number)
        .order_by(Contact.id)
    ).first()


def screen_pop(session: Session, tenants: Collection[int], interaction_id: str) -> ScreenPop:
    """Campaign (from DNIS), its form and dispositions; contact (from ANI) and history."""
    inter = _interaction(session, tenants, interaction_id)
    campaign = session.get(Campaign, inter.campaign_id) if inter.campaign_id else None
    dispositions = list(
        session.scalars(
            select(Disposition)
            .where(
                Disposition.tenant_id == inter.tenant_id,
                Disposition.campaign_id == (campaign.id if campaign else None),
            )
            .order_by(Disposition.id)
        )
    )
    who = session.get(Contact, inter.contact_id) if inter.contact_id else None
    if who is None:
        who = contact_by_phone(session, inter.tenant_id, inter.ani)
    phones = phones_of(session, who.id) if who else []
    history = contact_history(session, tenants, who) if who else []
    queue = session.get(Queue, inter.queue_id) if inter.queue_id else None
    return ScreenPop(
        inter,
        campaign,
        dispositions,
        who,
        phones,
        history,
        queue.name if queue else None,
        ivr_summary(session, inter),
    )


def contact_history(
    session: Session, tenants: Collection[int], who: Contact, limit: int = 100
) -> list[HistoryItem]:
    """The contact's interactions, newest first: linked to it, or from one of its numbers."""
    if who.tenant_id not in tenants:
        raise NoSuchContact(contact_id=who.id)
    numbers = phones_of(session, who.id)
    rows = list(
        session.scalars(
            select(Interaction)
            .where(
                Interaction.tenant_id == who.tenant_id,
                or_(Interaction.contact_id == who.id, Interaction.ani.in_(numbers)),
            )
            .order_by(Interaction.arrived_at.desc(), Interaction.id)
            .limit(limit)
        )
    )
    return _items(session, rows)


def interaction_detail(
    session: Session, tenants: Collection[int], interaction_id: str
) -> HistoryItem:
    return _items(session, [_interaction(session, tenants, interaction_id)])[0]


def _items(session: Session, rows: list[Interaction]) -> list[HistoryItem]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    answered: dict[str, Event] = {}
    closed: dict[str, Event] = {}
    for event in session.scalars(
        select(Event)
        .where(
            Event.interaction_id.in_(ids),
            Event.kind.in_(("acd.interaction_answered", "acd.interaction_closed")),
        )
        .order_by(Event.id)
    ):
        target = answered if event.kind == "acd.interaction_answered" else closed
        target[event.interaction_id or ""] = event  # the last answer counts (transfers)
    wraps: dict[str, WrapUp] = {
        w.interaction_id: w
        for w in session.scalars(select(WrapUp).where(WrapUp.interaction_id.in_(ids)))
    }
    agent_ids = {e.agent_id for e in answered.values()} | {w.agent_id for w in wraps.values()}
    names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(agent_ids)))
        .tuples()
        .all()
    )
    queues = dict(
        session.execute(
            select(Queue.id, Queue.name).where(Queue.id.in_({r.queue_id for r in rows}))
        )
        .tuples()
        .all()
    )
    campaign_rows = {
        c.id: c
        for c in session.scalars(
            select(Campaign).where(Campaign.id.in_({r.campaign_id for r in rows}))
        )
    }
    campaigns = {i: c.name for i, c in campaign_rows.items()}
    dispositions = {
        d.id: d
        for d in session.scalars(
            select(Disposition).where(
                Disposition.id.in_({w.disposition_id for w in wraps.values()})
            )
        )
    }
    recorded = recordings_of(session, ids)
    items = []
    for r in rows:
        a, c, w = answered.get(r.id), closed.get(r.id), wraps.get(r.id)
        agent_id = a.agent_id if a else (w.agent_id if w else None)
        duration = (c.at - a.at).total_seconds() if a and c and c.at >= a.at else None
        d = dispositions.get(w.disposition_id) if w and w.disposition_id else None
        items.append(
            HistoryItem(
                id=r.id,
                when=r.arrived_at,
                channel=r.channel,
                direction=r.direction,
                campaign=campaigns.get(r.campaign_id) if r.campaign_id else None,
                queue=queues.get(r.queue_id) if r.queue_id else None,
                agent=names.get(agent_id) if agent_id else None,
                duration=duration,
                outcome=c.payload.get("outcome") if c else None,
                disposition={"code": d.code, "en": d.label_en, "es": d.label_es} if d else None,
                notes=w.notes if w else None,
                form_data=dict(w.form_data) if w else {},
                form_labels=_labels(campaign_rows.get(r.campaign_id) if r.campaign_id else None),
                recording=f"/recordings/{recorded[r.id]}" if r.id in recorded else None,
            )
        )
    return items


def _labels(campaign: Campaign | None) -> dict[str, dict[str, str]]:
    if campaign is None:
        return {}
    return {f["name"]: {"en": f["label_en"], "es": f["label_es"]} for f in campaign.form}


def search_contacts(
    session: Session, tenants: Collection[int], text: str, limit: int = 50
) -> list[Contact]:
    query = select(Contact).where(Contact.tenant_id.in_(tenants)).order_by(Contact.name)
    text = text.strip()
    if text:
        like = f"%{text}%"
        by_phone = select(ContactPhone.contact_id).where(ContactPhone.number.like(like))
        query = query.where(
            or_(Contact.name.ilike(like), Contact.document.like(like), Contact.id.in_(by_phone))
        )
    return list(session.scalars(query.limit(limit)))
