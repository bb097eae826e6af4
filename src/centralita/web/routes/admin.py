"""Administration API: tenants, queues, campaigns, contacts, the recording policy and the
event log.

Thin handlers: parse (Pydantic), authorize (admin token), call one action, serialize.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from centralita.clock import utcnow
from centralita.schemas import CampaignSpec, ContactSpec, QueueSpec
from centralita.store import actions, events
from centralita.store.actions import recordings as recording_actions
from centralita.store.actions.base import (
    NoSuchCampaign,
    NoSuchContact,
    NoSuchQueue,
    NoSuchTenant,
    get,
)
from centralita.store.actions.contacts import contacts_by_phone
from centralita.store.db import Store, Tx
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


# The recording policy: the tenant's defaults, a queue's or a campaign's overrides.
# PUT replaces that layer as a whole (checked by `check_layer`: `invalid` names the field);
# DELETE removes it. Each answers the layer's entry of the overview after the change.

LayerBody = Annotated[dict[str, Any], Body(examples=[{"mode": "sampled", "sample_share": 0.2}])]


def _scope_id(tx: Tx, tenant_id: int, scope: str, name: str | None) -> int:
    """The queue's or campaign's id by its name (0 for the tenant's own layer)."""
    if scope == "queue":
        return get(tx, Queue, NoSuchQueue, tenant_id=tenant_id, name=name).id
    if scope == "campaign":
        return get(tx, Campaign, NoSuchCampaign, tenant_id=tenant_id, name=name).id
    return 0


def _set_layer(
    store: Store, actor: str, tenant: str, scope: str, name: str | None, layer: dict[str, Any]
) -> dict[str, Any]:
    with store.transaction() as tx:
        tenant_id = _tenant(tx, tenant).id
        scope_id = _scope_id(tx, tenant_id, scope, name)
        recording_actions.do_set_recording_policy(
            tx, tenant_id=tenant_id, scope=scope, scope_id=scope_id, settings=layer,
            at=utcnow(), actor=actor,
        )  # fmt: skip
        return _policy_entry(tx, tenant_id, scope, scope_id)


def _clear_layer(
    store: Store, actor: str, tenant: str, scope: str, name: str | None
) -> dict[str, Any]:
    with store.transaction() as tx:
        tenant_id = _tenant(tx, tenant).id
        scope_id = _scope_id(tx, tenant_id, scope, name)
        removed = recording_actions.do_clear_recording_policy(
            tx, tenant_id=tenant_id, scope=scope, scope_id=scope_id, at=utcnow(), actor=actor
        )
        return {**_policy_entry(tx, tenant_id, scope, scope_id), "removed": removed}


def _policy_entry(tx: Tx, tenant_id: int, scope: str, scope_id: int) -> dict[str, Any]:
    overview = recording_actions.policy_overview(tx.session, tenant_id=tenant_id)
    if scope == "tenant":
        entry: dict[str, Any] = overview["tenant"]
        return entry
    return next(e for e in overview[f"{scope}s"] if e["id"] == scope_id)


@router.get("/tenants/{tenant}/recording-policy")
def get_recording_policy(tenant: str, store: StoreDep, _actor: ActorDep) -> dict[str, Any]:
    """The stored layers (`settings`, null where none) and the policy in force for the
    tenant, each queue, and each campaign (a call in the campaign's own queue)."""
    with store.transaction() as tx:
        tenant_id = _tenant(tx, tenant).id
        return recording_actions.policy_overview(tx.session, tenant_id=tenant_id)


@router.put("/tenants/{tenant}/recording-policy")
def set_tenant_recording_policy(
    tenant: str, layer: LayerBody, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    return _set_layer(store, actor, tenant, "tenant", None, layer)


@router.delete("/tenants/{tenant}/recording-policy")
def clear_tenant_recording_policy(tenant: str, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    return _clear_layer(store, actor, tenant, "tenant", None)


@router.put("/tenants/{tenant}/queues/{name}/recording-policy")
def set_queue_recording_policy(
    tenant: str, name: str, layer: LayerBody, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    return _set_layer(store, actor, tenant, "queue", name, layer)


@router.delete("/tenants/{tenant}/queues/{name}/recording-policy")
def clear_queue_recording_policy(
    tenant: str, name: str, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    return _clear_layer(store, actor, tenant, "queue", name)


@router.put("/tenants/{tenant}/campaigns/{campaign}/recording-policy")
def set_campaign_recording_policy(
    tenant: str, campaign: str, layer: LayerBody, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    return _set_layer(store, actor, tenant, "campaign", campaign, layer)


@router.delete("/tenants/{tenant}/campaigns/{campaign}/recording-policy")
def clear_campaign_recording_policy(
    tenant: str, campaign: str, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    return _clear_layer(store, actor, tenant, "campaign", campaign)
