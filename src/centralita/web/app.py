"""The FastAPI application served by `centralita serve`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from centralita import __version__
from centralita.config import Settings
from centralita.store.db import Store
from centralita.web.errors import install_error_handlers
from centralita.web.routes import admin, health


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The web app on `store` (default: a store on `settings.database_url`)."""
    owned = store is None
    the_store = store if store is not None else Store.from_url(settings.database_url_plain)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            the_store.dispose()

    app = FastAPI(
        title="Centralita",
        version=__version__,
        description="Open-source contact center: routing, agents, supervisors, reports.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = the_store
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(admin.router)
    return app
