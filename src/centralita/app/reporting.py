"""The live center's side of the reports: say that it (re)started, keep the tables current.

On start the center writes one `center.started` event per tenant it serves: its router
starts with empty memory (every agent logged out, no call in a queue), and the report
projector closes whatever the previous run left open at that instant. Then a background
task brings the report tables up to date every `reports_update_seconds`, in a worker
thread so the event loop never waits for the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from centralita.app.center import LiveCenter
from centralita.app.journal import to_datetime
from centralita.reports.projection import Follower
from centralita.store import events

log = logging.getLogger(__name__)


def announce_start(center: LiveCenter) -> list[int]:
    """Write `center.started` for every tenant the center serves; returns those tenants."""
    tenants = sorted(
        set(center.directory.tenant_of_queue.values())
        | set(center.directory.tenant_of_agent.values())
    )
    at = to_datetime(center.now())
    with center.store.transaction() as tx:
        for tenant in tenants:
            events.append(tx, "center.started", at, tenant_id=tenant)
    return tenants


async def follow_reports(center: LiveCenter, every: float) -> Callable[[], Awaitable[None]]:
    """Announce the start, then update the report tables every `every` seconds until the
    returned function is awaited (which runs a last update)."""
    announce_start(center)
    follower = Follower(center.store)
    stopping = asyncio.Event()

    async def update() -> None:
        try:
            await asyncio.to_thread(follower.catch_up)
        except Exception:  # a failed update is retried next time; nothing is lost
            log.exception("could not update the report tables")

    async def loop() -> None:
        while not stopping.is_set():
            await update()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), every)

    task = asyncio.create_task(loop()) if every > 0 else None

    async def stop() -> None:
        stopping.set()
        if task is not None:
            await task
        await update()

    return stop
