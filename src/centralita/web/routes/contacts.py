"""Contacts and their history: every role reads them, each within its own tenants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from centralita.app import screen
from centralita.web.pages import render
from centralita.web.session import CONTACT_ROLES, SignedIn, role_in

router = APIRouter(include_in_schema=False)
Reader = Annotated[SignedIn, Depends(role_in(*CONTACT_ROLES))]


@router.get("/contacts")
async def contacts(
    request: Request, who: Reader, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    with request.app.state.store.read() as session:
        found = screen.search_contacts(session, who.tenants, q)
    return render(request, "contacts.html", who, found=found, q=q)


@router.get("/contacts/{contact_id}")
async def contact(request: Request, who: Reader, contact_id: int) -> Response:
    with request.app.state.store.read() as session:
        row = screen.contact(session, who.tenants, contact_id)
        phones = screen.phones_of(session, row.id)
        history = screen.contact_history(session, who.tenants, row)
    return render(request, "contact.html", who, contact=row, phones=phones, history=history)


@router.get("/interactions/{interaction_id}")
async def interaction(request: Request, who: Reader, interaction_id: str) -> Response:
    with request.app.state.store.read() as session:
        item = screen.interaction_detail(session, who.tenants, interaction_id)
    return render(request, "interaction.html", who, item=item)
