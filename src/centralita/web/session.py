"""Who is signed in: the session cookie, roles, tenants, CSRF and the page language.

The session (Starlette's signed cookie, keyed by `settings.secret_key`) holds the user's id,
a CSRF token and an optional language choice. Every request re-reads the user, so a
deactivated user is out at once. Every query a page makes is limited to `who.tenants`.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from starlette.requests import HTTPConnection

from centralita.errors import CentralitaError, Forbidden
from centralita.store.models import TenantGrant, User

AGENT = "agent"
SUPERVISOR = "supervisor"
ADMIN = "administrator"
QA = "quality_analyst"
CLIENT = "client_viewer"
SUPERVISING = (SUPERVISOR, ADMIN)
WALLBOARD_ROLES = (SUPERVISOR, ADMIN, CLIENT)
CONTACT_ROLES = (AGENT, SUPERVISOR, ADMIN, QA, CLIENT)


class NotSignedIn(CentralitaError):
    code = "not-signed-in"
    http_status = 401


class BadCsrfToken(CentralitaError):
    code = "bad-csrf-token"
    http_status = 403


class WrongRole(Forbidden):
    code = "forbidden"


@dataclass(frozen=True)
class SignedIn:
    id: int
    tenant_id: int
    tenants: frozenset[int]
    role: str
    username: str
    name: str
    lang: str
    csrf: str

    @property
    def agent_id(self) -> str:
        return str(self.id)

    @property
    def actor(self) -> str:
        return f"user:{self.id}"


def csrf_token(request: HTTPConnection) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def page_language(request: HTTPConnection, default: str = "es") -> str:
    lang = request.session.get("lang") or default
    return lang if lang in ("es", "en") else "es"


def current_user(request: HTTPConnection) -> SignedIn:
    user_id = request.session.get("user_id")
    if user_id is None:
        raise NotSignedIn("sign in first")
    with request.app.state.store.read() as session:
        user = session.get(User, int(user_id))
        if user is None or not user.active:
            request.session.clear()
            raise NotSignedIn("sign in first")
        grants = session.scalars(
            select(TenantGrant.tenant_id).where(TenantGrant.user_id == user.id)
        )
        tenants = frozenset({user.tenant_id, *grants})
    return SignedIn(
        id=user.id,
        tenant_id=user.tenant_id,
        tenants=tenants,
        role=user.role,
        username=user.username,
        name=user.display_name,
        lang=page_language(request, user.language),
        csrf=csrf_token(request),
    )


def check_csrf(request: Request, sent: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise BadCsrfToken("the form is stale or forged: reload the page")


async def csrf_protected(request: Request) -> None:
    """State-changing requests carry the session's token (header, or form field)."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    check_csrf(request, sent)


def role_in(*roles: str):  # type: ignore[no-untyped-def]
    def dependency(who: Annotated[SignedIn, Depends(current_user)]) -> SignedIn:
        if who.role not in roles:
            raise WrongRole("your role may not open this page", role=who.role)
        return who

    return dependency


Who = Annotated[SignedIn, Depends(current_user)]
Csrf = Depends(csrf_protected)
