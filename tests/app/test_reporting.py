"""The live center keeps the report tables current and closes what a previous run left
open when it starts again."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from centralita.app.center import LiveCenter
from centralita.app.reporting import follow_reports
from centralita.core.events import AgentLoggedIn
from centralita.store.models import Event, ReportAgentSession, User
from support import SteppingClock, wait_for


def _ana(store) -> str:
    with store.read() as session:
        return str(session.scalars(select(User.id).where(User.username == "ana")).one())


def _sessions(store) -> list[tuple]:
    with store.read() as session:
        rows = session.execute(
            select(ReportAgentSession.logged_in_at, ReportAgentSession.logged_out_at)
        ).all()
    return [(i.timestamp(), o.timestamp() if o else None) for i, o in rows]


def test_reports_follow_the_live_center_and_a_restart_closes_open_sessions(demo_store):
    ana = _ana(demo_store)
    clock = SteppingClock(1_772_406_000.0)

    async def first_run() -> None:
        center = LiveCenter.from_store(demo_store, clock=clock)
        stop = await follow_reports(center, every=0.05)
        center.handle(AgentLoggedIn(ana))
        await asyncio.to_thread(wait_for, lambda: _sessions(demo_store) == [(clock.now, None)], 10)
        await stop()

    async def second_run() -> None:
        clock.now += 3600  # the center was down; ana's session ends at the restart
        center = LiveCenter.from_store(demo_store, clock=clock)
        stop = await follow_reports(center, every=0)
        await stop()  # one last update even when not updating periodically

    asyncio.run(first_run())
    asyncio.run(second_run())
    assert _sessions(demo_store) == [(clock.now - 3600, clock.now)]
    with demo_store.read() as session:
        started = session.scalars(select(Event.kind).where(Event.kind == "center.started"))
        assert len(list(started)) == 2
