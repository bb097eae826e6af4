"""What request handlers need: the store, the settings, and who is calling."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from centralita.config import Settings
from centralita.errors import CentralitaError
from centralita.store.db import Store


class NotAuthenticated(CentralitaError):
    code = "not-authenticated"
    http_status = 401


class ApiClosed(CentralitaError):
    code = "api-closed"
    http_status = 403


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def require_admin_token(
    request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> str:
    """The administration API takes `Authorization: Bearer <admin_token>`."""
    if settings.admin_token is None:
        raise ApiClosed("the administration API is closed: set CENTRALITA_ADMIN_TOKEN")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = settings.admin_token.get_secret_value()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise NotAuthenticated("send Authorization: Bearer <admin token>")
    return "api:admin"


StoreDep = Annotated[Store, Depends(get_store)]
ActorDep = Annotated[str, Depends(require_admin_token)]
