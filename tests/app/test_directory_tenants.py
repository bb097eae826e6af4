"""One router for several companies: each agent pauses with its own company's reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from centralita.app.center import LiveCenter
from centralita.core.errors import NoSuchPauseReason
from centralita.core.events import AgentLoggedIn, AgentPaused, Tick
from centralita.core.records import PauseLimitExceeded
from centralita.store import actions
from support import SteppingClock

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


START = 1_772_452_800.0


def _company(tx, slug: str, reasons: dict[str, int | None]) -> str:
    tenant = actions.do_create_tenant(tx, slug=slug, name=slug, at=AT, actor=None)
    for code, limit in reasons.items():
        actions.do_create_pause_reason(
            tx,
            tenant_id=tenant.id,
            code=code,
            label_en=code,
            label_es=code,
            max_seconds=limit,
            at=AT,
            actor=None,
        )
    user = actions.do_create_user(
        tx,
        tenant_id=tenant.id,
        username=f"agent-{slug}",
        display_name=slug,
        role="agent",
        password=None,
        at=AT,
        actor=None,
    )
    return str(user.id)


def test_agents_pause_with_their_own_companys_reasons_and_limits(store):
    with store.transaction() as tx:
        a = _company(tx, "alpha", {"break": 600, "training": None})
        b = _company(tx, "beta", {"break": 900})
    clock = SteppingClock(START)
    center = LiveCenter.from_store(store, clock=clock)
    center.handle(AgentLoggedIn(a))
    center.handle(AgentLoggedIn(b))
    with pytest.raises(NoSuchPauseReason):
        center.handle(AgentPaused(b, "training"))  # alpha's reason, not beta's
    center.handle(AgentPaused(a, "break"))
    center.handle(AgentPaused(b, "break"))
    alerts = []
    for step in (601.0, 901.0):
        clock.now = START + step
        alerts += [
            (r.agent_id, r.limit)
            for r in center.handle(Tick())
            if isinstance(r, PauseLimitExceeded)
        ]
    assert alerts == [(a, 600.0), (b, 900.0)]
