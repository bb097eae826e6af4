"""Administration API: tenants, queues, campaigns, contacts, and the event log.

Thin handlers: parse (Pydantic), authorize (admin token), call one action, serialize.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from centralita.clock import utcnow
from centralita.schemas import CampaignSpec, ContactSpec, QueueSpec
from centralita.store import actions, events
from centralita.store.actions.base import (
    NoSuchContact,
    NoSuchQueue,
    NoSuchTenant,
    get,
)
from centralita.store.actions.contacts import contacts_by_phone
from centralita.store.db import Tx
from centralita.store.models import Base, Campaign, Contact, Queue, Tenant
from centralita.web.deps import ActorDep, StoreDep

router = APIRouter(prefix="/api/v1", tags=["administration"])


class TenantIn(BaseModel):
    slug: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)


def _row(row: Base) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def _tenant(tx: Tx, slug: str) -> Tenant:
    return get(tx, Tenant, NoSuchTenant, slug=slug)


@router.get("/tenants")
def list_tenants(store: StoreDep, _actor: ActorDep) -> list[dict[str, Any]]:
    with store.transaction() as tx:
        return [_row(t) for t in tx.session.scalars(select(Tenant).order_by(Tenant.id))]


@router.post("/tenants", status_code=201)
def create_tenant(body: TenantIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    with store.transaction() as tx:
        tenant = actions.do_create_tenant(
            tx, slug=body.slug, name=body.name, at=utcnow(), actor=actor
        )
        return _row(tenant)


@router.get("/tenants/{tenant}/queues")
def list_queues(tenant: str, store: StoreDep, _actor: ActorDep) -> list[dict[str, Any]]:
    with store.transaction() as tx:
        tenant_id = _tenant(tx, tenant).id
        query = select(Queue).where(Queue.tenant_id == tenant_id).order_by(Queue.name)
        return [_row(q) for q in tx.session.scalars(query)]


@router.post("/tenants/{tenant}/queues", status_code=201)
def create_queue(tenant: str, body: QueueSpec, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    with store.transaction() as tx:
        queue = actions.do_create_queue(
            tx, tenant_id=_tenant(tx, tenant).id, spec=body, at=utcnow(), actor=actor
        )
        return _row(queue)


@router.get("/tenants/{tenant}/queues/{name}")
def get_queue(tenant: str, name: str, store: StoreDep, _actor: ActorDep) -> dict[str, Any]:
    with store.transaction() as tx:
        return _row(get(tx, Queue, NoSuchQueue, tenant_id=_tenant(tx, tenant).id, name=name))


@router.post("/tenants/{tenant}/campaigns", status_code=201)
def create_campaign(
    tenant: str, body: CampaignSpec, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    with store.transaction() as tx:
        campaign = actions.do_create_campaign(
            tx, tenant_id=_tenant(tx, tenant).id, spec=body, at=utcnow(), actor=actor
        )
        return {**_row(campaign), "numbers": body.numbers}


@router.get("/tenants/{tenant}/campaigns")
def list_campaigns(tenant: str, store: StoreDep, _actor: ActorDep) -> list[dict[str, Any]]:
    with store.transaction() as tx:
        tenant_id = _tenant(tx, tenant).id
        query = select(Campaign).where(Campaign.tenant_id == tenant_id).order_by(Campaign.name)
        return [_row(c) for c in tx.session.scalars(query)]


@router.post("/tenants/{tenant}/contacts", status_code=201)
def create_contact(
    tenant: str, body: ContactSpec, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    with store.transaction() as tx:
        contact = actions.do_create_contact(
            tx, tenant_id=_tenant(tx, tenant).id, spec=body, at=utcnow(), actor=actor
        )
        return {**_row(contact), "phones": list(dict.fromkeys(body.phones))}


@router.get("/tenants/{tenant}/contacts")
def find_contacts(
    tenant: str,
    store: StoreDep,
    _actor: ActorDep,
    phone: Annotated[str, Query(min_length=2, max_length=32)],
) -> list[dict[str, Any]]:
    """Contacts with this phone number (what a screen pop does with the caller's ANI)."""
    with store.transaction() as tx:
        found = contacts_by_phone(tx, tenant_id=_tenant(tx, tenant).id, number=phone)
        return [_row(c) for c in found]


@router.get("/tenants/{tenant}/contacts/{contact_id}")
def get_contact(tenant: str, contact_id: int, store: StoreDep, _actor: ActorDep) -> dict[str, Any]:
    with store.transaction() as tx:
        tenant_id = _tenant(tx, tenant).id
        return _row(get(tx, Contact, NoSuchContact, id=contact_id, tenant_id=tenant_id))


@router.get("/tenants/{tenant}/events")
def list_events(
    tenant: str,
    store: StoreDep,
    _actor: ActorDep,
    after_id: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    kind: Annotated[list[str] | None, Query()] = None,
) -> list[dict[str, Any]]:
    """The tenant's event log in order, after `after_id` (for audit and integrations)."""
    with store.transaction() as tx:
        tenant_id = _tenant(tx, tenant).id
        rows = events.read(
            tx.session, tenant_id=tenant_id, kinds=kind, after_id=after_id, limit=limit
        )
        return [_row(e) for e in rows]
