"""Actions on interactions: their arrival and the agent's wrap-up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from centralita.store.actions.base import (
    NoSuchCampaign,
    NoSuchContact,
    NoSuchDisposition,
    NoSuchInteraction,
    NoSuchQueue,
    NoSuchUser,
    get,
    insert,
    require,
)
from centralita.store.actions.recordings import do_tag_by_rules
from centralita.store.db import Tx
from centralita.store.models import (
    CHANNELS,
    DIRECTIONS,
    Campaign,
    Contact,
    Disposition,
    Interaction,
    Queue,
    User,
    WrapUp,
)


def do_record_interaction(
    tx: Tx,
    *,
    interaction_id: str,
    tenant_id: int,
    channel: str,
    direction: str,
    at: datetime,
    actor: str | None,
    campaign_id: int | None = None,
    queue_id: int | None = None,
    contact_id: int | None = None,
    ani: str | None = None,
    dnis: str | None = None,
    subject: str | None = None,
    trunk: str | None = None,
) -> Interaction:
    """Record that an interaction arrived (or was placed), with its arrival attributes."""
    require(channel in CHANNELS, "channel", f"one of {', '.join(CHANNELS)}", value=channel)
    require(direction in DIRECTIONS, "direction", "inbound or outbound", value=direction)
    for model, error, row_id in (
        (Campaign, NoSuchCampaign, campaign_id),
        (Queue, NoSuchQueue, queue_id),
        (Contact, NoSuchContact, contact_id),
    ):
        if row_id is not None:
            get(tx, model, error, id=row_id, tenant_id=tenant_id)
    row = Interaction(
        id=interaction_id,
        tenant_id=tenant_id,
        channel=channel,
        direction=direction,
        campaign_id=campaign_id,
        queue_id=queue_id,
        contact_id=contact_id,
        ani=ani,
        dnis=dnis,
        trunk=trunk,
        subject=subject,
        arrived_at=at,
    )
    insert(
        tx,
        row,
        event="interaction.arrived",
        at=at,
        actor=actor,
        unique={"interaction_id": interaction_id},
        interaction_id=interaction_id,
        channel=channel,
        direction=direction,
        campaign_id=campaign_id,
        queue_id=queue_id,
        contact_id=contact_id,
        ani=ani,
        dnis=dnis,
        trunk=trunk,
    )
    return row


def do_record_wrapup(
    tx: Tx,
    *,
    interaction_id: str,
    agent_id: int | None,
    disposition_id: int | None,
    notes: str | None,
    at: datetime,
    actor: str | None,
    form_data: dict[str, Any] | None = None,
) -> WrapUp:
    """Record the agent's disposition, notes and form data for an interaction."""
    interaction = get(tx, Interaction, NoSuchInteraction, id=interaction_id)
    if agent_id is not None:
        get(tx, User, NoSuchUser, id=agent_id, tenant_id=interaction.tenant_id)
    if disposition_id is not None:
        get(tx, Disposition, NoSuchDisposition, id=disposition_id, tenant_id=interaction.tenant_id)
    row = WrapUp(
        tenant_id=interaction.tenant_id,
        interaction_id=interaction_id,
        agent_id=agent_id,
        disposition_id=disposition_id,
        notes=notes,
        form_data=form_data or {},
        at=at,
    )
    wrap = insert(
        tx,
        row,
        event="interaction.wrapped_up",
        at=at,
        actor=actor,
        unique={},
        interaction_id=interaction_id,
        agent_id=agent_id,
        disposition_id=disposition_id,
        notes=notes,
    )
    do_tag_by_rules(tx, interaction_id=interaction_id, at=at)  # disposition:<code> tags
    return wrap
