"""A small day of traffic driven through the real live center, whose figures the report
tests (queries, exports, pages, API, scheduled reports) check against hand computation.

`record_day(store)` plays it on a store holding the demo company (tenant A, "Energía del
Valle") and a second client company "Otra S.A." (tenant B) with one queue and one call,
then projects the log with `Follower.catch_up()`.

Timeline (seconds from 2026-03-01 23:00 UTC = 18:00 in Bogotá, a slot boundary), queue
Ventas (service level 20 s, short abandon 5 s, wrap-up 10 s), agent ana alone:

    0    ana logs in (available); call A1 arrives, is offered to ana at once
    8    ana accepts A1 (wait 8, within 20 s)
    68   A1 ends (talk 60), wrap-up 10 s until 78; disposition "sale"
    90   ana pauses (break)
    100  A2 arrives, nobody available;  140 caller hangs up (abandoned after 40 s)
    150  A3 arrives;                    153 caller hangs up (short abandon, 3 s)
    190  A4 arrives, waits;  200 ana ready, A4 offered;  212 ana accepts (wait 22: not within)
    232..252 on hold (20 s);  312 A4 ends (talk 20 + 60 = 80);  wrap-up until 322
    400  ana logs out
    tenant B: 50 B1 arrives in "Otra" (no agents), 80 hangs up (abandoned after 30 s)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from centralita.app.center import LiveCenter
from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    CallerHungUp,
    HoldEnded,
    HoldStarted,
    InteractionEnded,
    OfferAccepted,
    Tick,
)
from centralita.demo import DEMO_TENANT
from centralita.reports import queries
from centralita.reports.projection import Follower
from centralita.schemas import QueueSpec
from centralita.store import actions
from centralita.store.db import Store
from centralita.store.models import Campaign, Queue, Tenant, User

START = 1_772_406_000.0  # 2026-03-01 23:00 UTC
DAY = date(2026, 3, 1)  # in Bogotá
BOGOTA = ZoneInfo("America/Bogota")


@dataclass
class Day:
    tenant_a: int
    tenant_b: int
    ventas: int
    otra: int
    ana: int
    campaign: int
    users: dict[str, int]


class _Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def _other_company(store: Store) -> None:
    at = datetime.fromtimestamp(START - 3600, UTC)
    kw: dict[str, Any] = {"at": at, "actor": "test"}
    with store.transaction() as tx:
        other = actions.do_create_tenant(tx, slug="otra", name="Otra S.A.", **kw)
        actions.do_create_queue(tx, tenant_id=other.id, spec=QueueSpec(name="Otra"), **kw)
        actions.do_create_user(
            tx,
            tenant_id=other.id,
            username="otra-cliente",
            display_name="Otra (cliente)",
            role="client_viewer",
            password="otra-password-1",
            **kw,
        )


def record_day(store: Store) -> Day:
    _other_company(store)
    with store.read() as session:
        tenants = {t.slug: t.id for t in session.scalars(select(Tenant))}
        users = {u.username: u.id for u in session.scalars(select(User))}
        queues = {q.name: q.id for q in session.scalars(select(Queue))}
        campaign = session.scalars(select(Campaign.id).where(Campaign.name == "Ventas")).one()
    a, b = tenants[DEMO_TENANT], tenants["otra"]
    clock = _Clock()
    center = LiveCenter.from_store(store, clock=clock)
    ana = str(users["ana"])

    def at(offset: float, event: Any = None) -> None:
        when = START + offset
        while (deadline := center.next_deadline()) is not None and deadline <= when:
            clock.now = deadline
            center.handle(Tick())
        clock.now = when
        if event is not None:
            center.handle(event)

    def arrive(offset: float, iid: str, tenant: int, queue: str) -> None:
        at(offset)
        center.arrive(
            interaction_id=iid,
            tenant_id=tenant,
            queue=queue,
            ani="+573001234500" if tenant == a else "+573009999999",
            dnis="6015550100" if tenant == a else None,
            campaign_id=campaign if tenant == a else None,
        )

    at(0, AgentLoggedIn(ana))
    arrive(0, "A1", a, "Ventas")
    at(8, OfferAccepted("A1", ana))
    arrive(50, "B1", b, "Otra")
    at(68, InteractionEnded("A1"))
    at(80, CallerHungUp("B1"))
    at(90, AgentPaused(ana, "break"))
    arrive(100, "A2", a, "Ventas")
    at(140, CallerHungUp("A2"))
    arrive(150, "A3", a, "Ventas")
    at(153, CallerHungUp("A3"))
    arrive(190, "A4", a, "Ventas")
    at(200, AgentReadied(ana))
    at(212, OfferAccepted("A4", ana))
    at(232, HoldStarted("A4"))
    at(252, HoldEnded("A4"))
    at(312, InteractionEnded("A4"))
    at(400, AgentLoggedOut(ana))
    with store.transaction() as tx:
        for iid, code, offset in (("A1", "sale", 70), ("A4", "not_interested", 315)):
            actions.do_submit_wrapup(
                tx,
                interaction_id=iid,
                agent_id=users["ana"],
                disposition_code=code,
                notes="",
                data={"document": "1020304000", "plan": "Hogar"},
                at=datetime.fromtimestamp(START + offset, UTC),
                actor="test",
            )
    Follower(store).catch_up()
    return Day(a, b, queues["Ventas"], queues["Otra"], users["ana"], campaign, users)


def test_the_day_reads_back_with_the_hand_computed_figures(demo_store):
    day = record_day(demo_store)
    f = queries.Filters([day.tenant_a], DAY, DAY, BOGOTA)
    with demo_store.read() as session:
        (ventas,) = [r for r in queries.queue_report(session, f, "day") if r.queue == "Ventas"]
        (ana,) = [r for r in queries.agent_report(session, f, "total") if r.agent_id == day.ana]
        total, cdrs = queries.calls(session, f)
    c = ventas.counts
    assert (c["offered"], c["answered"], c["abandoned"], c["short_abandoned"]) == (4, 2, 1, 1)
    assert ventas.service_level == 1 / 3
    assert ventas.service_level_answered == 1 / 2
    assert ventas.service_level_offered == 1 / 4
    assert ventas.asa == (8 + 22) / 2
    assert c["max_wait"] == 40
    assert (c["talk"], c["hold"], c["wrap"]) == (140, 20, 20)
    assert ventas.aht == 90
    assert ana.seconds == {
        "available": 12 + 78,
        "reserved": 8 + 12,
        "talking": 140,
        "on_hold": 20,
        "wrap_up": 20,
        "not_ready": 110,
    }
    assert ana.pauses == {"break": 110}
    assert ana.occupancy == 180 / (180 + 90)
    assert ana.utilization == 180 / 400
    assert total == 4 and {r.interaction_id for r in cdrs} == {"A1", "A2", "A3", "A4"}
