"""Actions on what routing reads: skills, pause reasons, queues, campaigns, dispositions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from centralita.schemas import CampaignSpec, QueueSpec
from centralita.store.actions.base import (
    NoSuchCampaign,
    NoSuchQueue,
    NoSuchSite,
    NoSuchTenant,
    get,
    insert,
    require,
)
from centralita.store.db import Tx
from centralita.store.models import (
    Campaign,
    CampaignNumber,
    Disposition,
    PauseReason,
    Queue,
    Site,
    Skill,
    Tenant,
)


def do_create_skill(tx: Tx, *, tenant_id: int, name: str, at: datetime, actor: str | None) -> Skill:
    get(tx, Tenant, NoSuchTenant, id=tenant_id)
    require(bool(name.strip()), "name", "must not be empty")
    return insert(
        tx,
        Skill(tenant_id=tenant_id, name=name.strip()),
        event="skill.created",
        at=at,
        actor=actor,
        unique={"name": name},
        name=name,
    )


def do_create_pause_reason(
    tx: Tx,
    *,
    tenant_id: int,
    code: str,
    label_en: str,
    label_es: str,
    max_seconds: int | None,
    at: datetime,
    actor: str | None,
    productive: bool = False,
) -> PauseReason:
    get(tx, Tenant, NoSuchTenant, id=tenant_id)
    require(code.isidentifier(), "code", "letters, digits and _ (e.g. lunch)", value=code)
    require(max_seconds is None or max_seconds > 0, "max_seconds", "positive or none")
    row = PauseReason(
        tenant_id=tenant_id,
        code=code,
        label_en=label_en,
        label_es=label_es,
        max_seconds=max_seconds,
        productive=productive,
    )
    return insert(
        tx,
        row,
        event="pause_reason.created",
        at=at,
        actor=actor,
        unique={"code": code},
        code=code,
        max_seconds=max_seconds,
    )


def _queue_id(tx: Tx, tenant_id: int, name: str | None) -> int | None:
    if name is None:
        return None
    return get(tx, Queue, NoSuchQueue, tenant_id=tenant_id, name=name).id


def do_create_queue(
    tx: Tx, *, tenant_id: int, spec: QueueSpec, at: datetime, actor: str | None
) -> Queue:
    get(tx, Tenant, NoSuchTenant, id=tenant_id)
    site_id = None
    if spec.site is not None:
        site_id = get(tx, Site, NoSuchSite, tenant_id=tenant_id, name=spec.site).id
    fields = spec.model_dump(exclude={"overflow_queue", "site"})
    row = Queue(
        tenant_id=tenant_id,
        site_id=site_id,
        overflow_queue_id=_queue_id(tx, tenant_id, spec.overflow_queue),
        **fields,
    )
    return insert(
        tx,
        row,
        event="queue.created",
        at=at,
        actor=actor,
        unique={"name": spec.name},
        **spec.model_dump(mode="json"),
    )


def do_create_campaign(
    tx: Tx, *, tenant_id: int, spec: CampaignSpec, at: datetime, actor: str | None
) -> Campaign:
    """Create a campaign with its dialed numbers; a number already used anywhere is refused."""
    get(tx, Tenant, NoSuchTenant, id=tenant_id)
    row = Campaign(
        tenant_id=tenant_id,
        name=spec.name,
        direction=spec.direction,
        kind=spec.kind,
        queue_id=_queue_id(tx, tenant_id, spec.queue),
        form=[f.model_dump() for f in spec.form],
        active=True,
        created_at=at,
    )
    campaign = insert(
        tx,
        row,
        event="campaign.created",
        at=at,
        actor=actor,
        unique={"name": spec.name},
        **spec.model_dump(mode="json"),
    )
    for number in spec.numbers:
        do_add_campaign_number(tx, campaign_id=campaign.id, number=number, at=at, actor=actor)
    return campaign


def do_add_campaign_number(
    tx: Tx, *, campaign_id: int, number: str, at: datetime, actor: str | None
) -> CampaignNumber:
    campaign = get(tx, Campaign, NoSuchCampaign, id=campaign_id)
    row = CampaignNumber(tenant_id=campaign.tenant_id, campaign_id=campaign_id, number=number)
    return insert(
        tx,
        row,
        event="campaign.number_added",
        at=at,
        actor=actor,
        unique={"number": number},
        campaign_id=campaign_id,
        number=number,
    )


def do_create_disposition(
    tx: Tx,
    *,
    tenant_id: int,
    code: str,
    label_en: str,
    label_es: str,
    at: datetime,
    actor: str | None,
    campaign_id: int | None = None,
    category: str = "other",
) -> Disposition:
    get(tx, Tenant, NoSuchTenant, id=tenant_id)
    if campaign_id is not None:
        get(tx, Campaign, NoSuchCampaign, id=campaign_id, tenant_id=tenant_id)
    require(bool(code.strip()), "code", "must not be empty")
    row = Disposition(
        tenant_id=tenant_id,
        campaign_id=campaign_id,
        code=code,
        label_en=label_en,
        label_es=label_es,
        category=category,
    )
    return insert(
        tx,
        row,
        event="disposition.created",
        at=at,
        actor=actor,
        unique={"code": code, "campaign_id": campaign_id},
        code=code,
        campaign_id=campaign_id,
    )


def campaign_for_number(tx: Tx, number: str) -> Campaign | None:
    """The campaign a dialed number (DNIS) belongs to, if any."""
    return tx.session.scalars(
        select(Campaign).join(CampaignNumber).where(CampaignNumber.number == number)
    ).first()
