"""Actions on contacts (customers) and their phone numbers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from centralita.schemas import ContactSpec
from centralita.store.actions.base import NoSuchContact, NoSuchTenant, get, insert
from centralita.store.db import Tx
from centralita.store.models import Contact, ContactPhone, Tenant


def do_create_contact(
    tx: Tx, *, tenant_id: int, spec: ContactSpec, at: datetime, actor: str | None
) -> Contact:
    get(tx, Tenant, NoSuchTenant, id=tenant_id)
    fields = spec.model_dump(exclude={"phones"})
    contact = insert(
        tx,
        Contact(tenant_id=tenant_id, created_at=at, **fields),
        event="contact.created",
        at=at,
        actor=actor,
        unique={},
        name=spec.name,
        phones=spec.phones,
    )
    for number in dict.fromkeys(spec.phones):
        tx.session.add(ContactPhone(tenant_id=tenant_id, contact_id=contact.id, number=number))
    tx.session.flush()
    return contact


def do_add_contact_phone(
    tx: Tx, *, contact_id: int, number: str, at: datetime, actor: str | None
) -> ContactPhone:
    contact = get(tx, Contact, NoSuchContact, id=contact_id)
    row = ContactPhone(tenant_id=contact.tenant_id, contact_id=contact_id, number=number)
    return insert(
        tx,
        row,
        event="contact.phone_added",
        at=at,
        actor=actor,
        unique={"contact_id": contact_id, "number": number},
        contact_id=contact_id,
        number=number,
    )


def contacts_by_phone(tx: Tx, *, tenant_id: int, number: str) -> list[Contact]:
    """Contacts of a tenant with this phone number (the ANI lookup of a screen pop)."""
    query = (
        select(Contact)
        .join(ContactPhone, ContactPhone.contact_id == Contact.id)
        .where(ContactPhone.tenant_id == tenant_id, ContactPhone.number == number)
        .order_by(Contact.id)
    )
    return list(tx.session.scalars(query))
