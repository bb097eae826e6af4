"""Live traffic for the demo: simulated callers and auto-answering agents.

Until the SIP engine feeds the center, the demo makes its wallboard move the way a real
center would: callers arrive at the campaigns' numbers (Poisson arrivals) through the
center's normal entry point (`intake.resolve` + `runner.arrive`), wait with a patience of
their own and hang up if nobody answers; demo agents log in at a station, answer after a
ring, talk, wrap up with a disposition and a valid form (so it shows in the contacts'
history), and now and then take a break. The agents in `HUMAN_AGENTS` are left alone for
a person to use the desktop. Everything goes through the router, so what the wallboard
shows is what the routing core decided.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from centralita.app.intake import new_interaction_id, resolve
from centralita.app.runner import Runner
from centralita.clock import utcnow
from centralita.core.commands import OfferToAgent
from centralita.core.events import (
    AgentLoggedIn,
    AgentPaused,
    AgentReadied,
    CallerHungUp,
    InteractionEnded,
    OfferAccepted,
    WrapUpEnded,
)
from centralita.errors import CentralitaError
from centralita.store.actions import do_record_station, do_submit_wrapup
from centralita.store.models import (
    Campaign,
    CampaignNumber,
    ContactPhone,
    Disposition,
    Tenant,
    User,
)

log = logging.getLogger(__name__)
HUMAN_AGENTS = ("ana", "carlos")
ACTOR = "demo"


class DemoTraffic:
    def __init__(
        self,
        runner: Runner,
        tenant_slug: str,
        *,
        calls_per_minute: float = 8.0,
        seed: int | None = None,
        humans: tuple[str, ...] = HUMAN_AGENTS,
        over_sip: bool = False,
    ) -> None:
        """With `over_sip`, real SIP calls and phones do the calling and answering
        (`app/voice_demo.py`): this only logs the robot agents in at their stations."""
        self.runner = runner
        self.over_sip = over_sip
        #: agent id → the station it logged in at
        self.stations: dict[str, str] = {}
        self.rng = random.Random(seed)
        self.rate = calls_per_minute / 60.0
        self.handles: set[asyncio.TimerHandle] = set()
        self.task: asyncio.Task[None] | None = None
        store = runner.center.store
        with store.read() as session:
            tenant = session.scalars(select(Tenant).where(Tenant.slug == tenant_slug)).one()
            self.tenant_id = tenant.id
            users = session.scalars(
                select(User).where(User.tenant_id == tenant.id, User.role == "agent")
            )
            self.robots = {str(u.id): u.username for u in users if u.username not in humans}
            self.numbers = list(
                session.scalars(
                    select(CampaignNumber.number).where(CampaignNumber.tenant_id == tenant.id)
                )
            )
            self.known_callers = list(
                session.scalars(
                    select(ContactPhone.number).where(ContactPhone.tenant_id == tenant.id)
                )
            )
            self.forms = {c.id: c.form for c in session.scalars(select(Campaign))}
            self.dispositions: dict[int | None, list[str]] = {}
            for d in session.scalars(select(Disposition).where(Disposition.tenant_id == tenant.id)):
                self.dispositions.setdefault(d.campaign_id, []).append(d.code)
        self.campaign_of: dict[str, int | None] = {}

    # --- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        self.runner.on_commands(self._on_commands)
        for i, agent in enumerate(sorted(self.robots, key=int)):
            self._do(AgentLoggedIn(agent))
            self.stations[agent] = f"20{i + 1:02d}"
            with self.runner.center.store.transaction() as tx:
                do_record_station(
                    tx, agent_id=int(agent), station=self.stations[agent], at=utcnow(), actor=ACTOR
                )
        if not self.over_sip:
            self.task = asyncio.create_task(self._callers())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        for handle in self.handles:
            handle.cancel()
        self.handles.clear()

    # --- callers --------------------------------------------------------------------

    async def _callers(self) -> None:
        while True:
            await asyncio.sleep(self.rng.expovariate(self.rate))
            try:
                self._call()
            except Exception:
                log.exception("demo caller failed")

    def _call(self) -> None:
        dnis = self.rng.choice(self.numbers)
        if self.known_callers and self.rng.random() < 0.6:
            ani = self.rng.choice(self.known_callers)
        else:
            ani = f"+57310{self.rng.randrange(10**7):07d}"
        routing = resolve(self.runner.center.store, ani=ani, dnis=dnis)
        interaction_id = new_interaction_id()
        self.campaign_of[interaction_id] = routing.campaign_id
        self.runner.arrive(
            interaction_id=interaction_id,
            tenant_id=routing.tenant_id,
            queue=routing.queue,
            ani=ani,
            dnis=dnis,
            contact_id=routing.contact_id,
            campaign_id=routing.campaign_id,
            actor=ACTOR,
        )
        patience = self.rng.uniform(25, 180)
        self._later(patience, lambda: self._give_up(interaction_id))

    def _give_up(self, interaction_id: str) -> None:
        router = self.runner.center.router
        if interaction_id not in router.interaction_ids():
            return
        if router.interaction_snapshot(interaction_id).state in ("waiting", "offered"):
            self._do(CallerHungUp(interaction_id))

    # --- agents ---------------------------------------------------------------------

    def _on_commands(self, commands: list[Any]) -> None:
        if self.over_sip:
            return
        for command in commands:
            if isinstance(command, OfferToAgent) and command.agent_id in self.robots:
                self._later(self.rng.uniform(1.5, 4), self._answerer(command))

    def _answerer(self, offer: OfferToAgent) -> Callable[[], None]:
        return lambda: self._answer(offer.interaction_id, offer.agent_id)

    def _answer(self, interaction_id: str, agent: str) -> None:
        if self._do(OfferAccepted(interaction_id, agent)):
            talk = self.rng.uniform(20, 100)
            self._later(talk, lambda: self._hang_up(interaction_id, agent))

    def _hang_up(self, interaction_id: str, agent: str) -> None:
        if self._do(InteractionEnded(interaction_id)):
            self._later(self.rng.uniform(2, 6), lambda: self._wrap_up(interaction_id, agent))

    def _wrap_up(self, interaction_id: str, agent: str) -> None:
        campaign = self.campaign_of.pop(interaction_id, None)
        codes = self.dispositions.get(campaign) or []
        if codes:
            try:
                with self.runner.center.store.transaction() as tx:
                    do_submit_wrapup(
                        tx,
                        interaction_id=interaction_id,
                        agent_id=int(agent),
                        disposition_code=self.rng.choice(codes),
                        notes="",
                        data=self._form_values(self.forms.get(campaign or -1, [])),
                        at=utcnow(),
                        actor=ACTOR,
                    )
            except CentralitaError:
                log.exception("demo wrap-up refused")
        snapshot = self.runner.center.router.agent_snapshot(agent)
        if interaction_id in snapshot.interactions:
            self._do(WrapUpEnded(agent, interaction_id))
        if self.rng.random() < 0.08:
            self._do(AgentPaused(agent, self.rng.choice(("break", "back_office"))))
            back = AgentReadied(agent)
            self._later(self.rng.uniform(40, 120), lambda: self._do(back))

    def _form_values(self, form: list[dict[str, Any]]) -> dict[str, str]:
        values = {}
        for field in form:
            kind = field["type"]
            if kind == "choice":
                values[field["name"]] = self.rng.choice(field["choices"])
            elif kind == "date":
                values[field["name"]] = (date.today() + timedelta(days=7)).isoformat()
            elif kind in ("money", "number"):
                values[field["name"]] = str(self.rng.randrange(1, 50) * 10000)
            elif kind == "boolean":
                values[field["name"]] = "on"
            elif kind == "email":
                values[field["name"]] = "cliente@example.com"
            elif kind == "phone":
                values[field["name"]] = "3001234567"
            else:
                values[field["name"]] = str(self.rng.randrange(10**7, 10**8))
        return values

    # --- helpers --------------------------------------------------------------------

    def _do(self, event: Any) -> bool:
        """Send `event`; the world may have moved on (caller gone...): then False."""
        try:
            self.runner.handle(event, actor=ACTOR)
        except CentralitaError:
            return False
        return True

    def _later(self, delay: float, fn: Callable[[], Any]) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def run() -> None:
            self.handles.discard(handle)
            try:
                fn()
            except Exception:
                log.exception("demo step failed")

        handle = loop.call_later(delay, run)
        self.handles.add(handle)


def demo_traffic(
    tenant_slug: str, **options: Any
) -> Callable[[Runner], Awaitable[Callable[[], Awaitable[None]]]]:
    """An extra for `create_app`: start the demo's traffic with the live center."""

    async def start(runner: Runner) -> Callable[[], Awaitable[None]]:
        traffic = DemoTraffic(runner, tenant_slug, **options)
        await traffic.start()
        return traffic.stop

    return start
