"""A new inbound interaction: from the dialed number (DNIS) to its campaign and queue,
from the caller's number (ANI) to the contact, then into the live center.

This is the entry point the telephony adapter (and, until it is wired, the demo's
simulated callers) calls for each inbound call.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from centralita.errors import NotFound
from centralita.store.db import Store
from centralita.store.models import Campaign, CampaignNumber, Contact, ContactPhone, Queue


class NoSuchNumber(NotFound):
    code = "no-such-number"


@dataclass(frozen=True)
class Routing:
    tenant_id: int
    campaign_id: int
    queue: str
    contact_id: int | None


def resolve(store: Store, *, ani: str | None, dnis: str) -> Routing:
    """Campaign and queue of `dnis`; contact of `ani` in the campaign's tenant (if any)."""
    with store.read() as session:
        found = session.execute(
            select(Campaign, Queue)
            .join(CampaignNumber, CampaignNumber.campaign_id == Campaign.id)
            .join(Queue, Queue.id == Campaign.queue_id)
            .where(CampaignNumber.number == dnis)
        ).first()
        if found is None:
            raise NoSuchNumber(f"no campaign answers {dnis}", dnis=dnis)
        campaign, queue = found
        contact_id = None
        if ani:
            contact_id = session.scalar(
                select(Contact.id)
                .join(ContactPhone, ContactPhone.contact_id == Contact.id)
                .where(ContactPhone.tenant_id == campaign.tenant_id, ContactPhone.number == ani)
                .order_by(Contact.id)
                .limit(1)
            )
    return Routing(campaign.tenant_id, campaign.id, queue.name, contact_id)


def new_interaction_id() -> str:
    return str(uuid.uuid4())
