"""The FastAPI application served by `centralita serve`.

Its lifespan runs the live center: the routing core loaded from the store, driven on the
server's event loop by a `Runner`, whose updates the pages receive over `/ws`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from centralita import __version__
from centralita.app.center import LiveCenter
from centralita.app.live import LiveView
from centralita.app.reporting import follow_reports
from centralita.app.runner import Runner
from centralita.config import Settings
from centralita.reports.schedule import DailyReports
from centralita.store.db import Store
from centralita.web.errors import install_error_handlers
from centralita.web.routes import (
    admin,
    auth,
    contacts,
    desktop,
    forms,
    health,
    recording_policy,
    recordings,
    reports,
    reports_api,
    stream,
    voice_desk,
    wallboard,
)

STATIC = Path(__file__).parent / "static"
#: Started with the live center, stopped before it (the demo's simulated traffic).
Extra = Callable[[Runner], Awaitable[Callable[[], Awaitable[None]]]]


def create_app(
    settings: Settings, store: Store | None = None, *, extras: tuple[Extra, ...] = ()
) -> FastAPI:
    """The web app on `store` (default: a store on `settings.database_url`)."""
    owned = store is None
    the_store = store if store is not None else Store.from_url(settings.database_url_plain)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        center = LiveCenter.from_store(the_store)
        runner = Runner(center, LiveView(center, timezone=settings.timezone))
        app.state.runner = runner
        await runner.start()
        stop_reports = await follow_reports(center, settings.reports_update_seconds)
        daily = DailyReports(the_store, settings) if settings.reports_time else None
        if daily is not None:
            daily.start()
        app.state.daily_reports = daily
        stops = [await extra(runner) for extra in extras]
        try:
            yield
        finally:
            for stop in reversed(stops):
                await stop()
            await runner.stop()
            await stop_reports()
            if daily is not None:
                daily.stop()
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
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="centralita_session",
        max_age=12 * 3600,
        same_site="strict",
        https_only=False,
    )
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        health,
        admin,
        auth,
        desktop,
        wallboard,
        contacts,
        forms,
        stream,
        reports,
        reports_api,
        recording_policy,  # before recordings: /recordings/policy is not /recordings/{id}
        recordings,
        voice_desk,
    ):
        app.include_router(module.router)
    return app
