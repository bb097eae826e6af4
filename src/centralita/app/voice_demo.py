"""`centralita demo --sip-port N`: the demo's traffic as real SIP through the engine.

- **Stations**: each robot agent gets its station (20xx, the one `DemoTraffic` logs it
  in at; auto-answer; a random password), and the people's agents ana and carlos get
  1001 and 1002 with the demo password, for a softphone (see the README).
- **Agents' phones**: a bank of PJSIP phones in a subprocess (`voice_phones.py`)
  registers every robot's station with the registrar (digest), answers after a ring,
  speaks, and hangs up after a while: the core sees offers, answers, talk and wrap-up.
- **Callers**: the engine calls its own SIP port (Poisson arrivals) at the campaigns'
  numbers with an ANI (known contacts 60% of the time) in P-Asserted-Identity; each
  caller speaks once answered and gives up after its patience if no agent took it.

So every call on the wallboard went through the registrar, the engine, music on hold,
announcements, the offer to a registered station, the bridge, and the hang-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import secrets
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from centralita.app.demo_traffic import HUMAN_AGENTS, DemoTraffic
from centralita.app.runner import Runner
from centralita.app.voice import VoiceCenter, VoiceSettings, start_voice
from centralita.app.voice_stations import do_set_station
from centralita.clock import utcnow
from centralita.core.events import AgentReadied
from centralita.errors import CentralitaError
from centralita.telephony import CallAnswered, CallEnded, TelephonyEvent
from centralita.telephony.worker_process import MediaOptions

log = logging.getLogger(__name__)
HUMAN_STATIONS = {"ana": "1001", "carlos": "1002"}
CALLER_SENTENCE = "Hola, buenos días. Llamo para preguntar por mi pedido, por favor."


class VoiceDemo:
    def __init__(
        self,
        voice: VoiceCenter,
        traffic: DemoTraffic,
        *,
        human_password: str,
        calls_per_minute: float = 6.0,
        talk: tuple[float, float] = (20.0, 90.0),
        patience: tuple[float, float] = (40.0, 180.0),
        seed: int | None = None,
    ) -> None:
        self.voice = voice
        self.traffic = traffic
        self.human_password = human_password
        self.rate = calls_per_minute / 60.0
        self.talk = talk
        self.patience = patience
        self.rng = random.Random(seed)
        self.phones: asyncio.subprocess.Process | None = None
        self.callers: dict[str, str] = {}  # caller leg → ANI
        self.tasks: set[asyncio.Task[None]] = set()
        self._prompt: Path | None = None
        self.placed = 0

    async def start(self) -> None:
        bank = self._set_stations()
        self._prompt = await asyncio.to_thread(self._caller_prompt)
        registrar = self.voice.registrar.uri
        prompts = str(self.voice.settings.prompts_dir)
        self.phones = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "centralita.app.voice_phones", "--registrar", registrar,
            "--prompts", prompts,
            "--talk-min", str(self.talk[0]), "--talk-max", str(self.talk[1]),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert self.phones.stdin is not None
        self.phones.stdin.write(json.dumps(bank).encode())
        self.phones.stdin.close()
        self._spawn(self._after_registration([p["extension"] for p in bank]))
        self._spawn(self._ready_missed_robots())

    async def _after_registration(self, extensions: list[str]) -> None:
        """Callers start once the robots' phones registered (or after 20 s anyway)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        contacts = self.voice.registrar.contacts
        while not all(contacts(x) for x in extensions) and loop.time() < deadline:
            await asyncio.sleep(0.2)
        await self._arrivals()

    async def _ready_missed_robots(self) -> None:
        """A robot that missed an offer (its phone was slow) is made ready again, as its
        person would press Ready."""
        router = self.voice.runner.center.router
        while True:
            await asyncio.sleep(5)
            for agent in self.traffic.robots:
                snapshot = router.agent_snapshot(agent)
                if snapshot.state.value == "not_ready" and snapshot.reason == "missed":
                    self.voice.tell_core(AgentReadied(agent))

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for leg in list(self.callers):
            await self.voice.quietly(self.voice.engine.hangup(leg))
        if self.phones is not None and self.phones.returncode is None:
            self.phones.terminate()
            try:
                await asyncio.wait_for(self.phones.wait(), 15)
            except TimeoutError:
                self.phones.kill()
                await self.phones.wait()

    # --- stations ----------------------------------------------------------------------
    def _set_stations(self) -> list[dict[str, str]]:
        """Stations for the robots (returned with their passwords, for the phone bank)
        and for the people's agents."""
        store = self.voice.runner.center.store
        realm, tenant = self.voice.book.realm, self.traffic.tenant_id
        bank = []
        with store.transaction() as tx:
            for agent, extension in self.traffic.stations.items():
                password = secrets.token_urlsafe(12)
                do_set_station(
                    tx, tenant_id=tenant, extension=extension, password=password,
                    user_id=int(agent), auto_answer=True, realm=realm, at=utcnow(), actor="demo",
                )  # fmt: skip
                bank.append({"extension": extension, "password": password})
            people = {name: agent for agent, name in self._agents().items()}
            for name, extension in HUMAN_STATIONS.items():
                if name in people:
                    do_set_station(
                        tx, tenant_id=tenant, extension=extension, password=self.human_password,
                        user_id=int(people[name]), auto_answer=False, realm=realm,
                        at=utcnow(), actor="demo",
                    )  # fmt: skip
        return bank

    def _agents(self) -> dict[str, str]:
        """agent id → user name of the tenant's agents."""
        from sqlalchemy import select

        from centralita.store.models import User

        with self.voice.runner.center.store.read() as session:
            users = session.scalars(select(User).where(User.tenant_id == self.traffic.tenant_id))
            return {str(u.id): u.username for u in users if u.role == "agent"}

    def _caller_prompt(self) -> Path | None:
        try:
            return self.voice.prompts.prompt(CALLER_SENTENCE, language="es", sample_rate=16000)
        except Exception:
            log.warning("voice demo: no espeak-ng; callers will hum a tone")
            return None

    # --- callers -------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _arrivals(self) -> None:
        while True:
            await asyncio.sleep(self.rng.expovariate(self.rate))
            try:
                await self._call()
            except CentralitaError:
                log.exception("voice demo: a caller could not dial")

    async def _call(self) -> None:
        traffic, engine = self.traffic, self.voice.engine
        dnis = self.rng.choice(traffic.numbers)
        if traffic.known_callers and self.rng.random() < 0.6:
            ani = self.rng.choice(traffic.known_callers)
        else:
            ani = f"+57310{self.rng.randrange(10**7):07d}"
        host = engine.host
        leg = await engine.dial(
            f"sip:{dnis}@{host}:{engine.port}", {"P-Asserted-Identity": f"<sip:{ani}@{host}>"}
        )
        self.placed += 1
        self.callers[leg] = ani

        async def handle(event: TelephonyEvent) -> None:
            if isinstance(event, CallAnswered):
                if self._prompt is not None:
                    await self.voice.quietly(engine.play_file(leg, self._prompt, loop=True))
                else:
                    await self.voice.quietly(engine.play_tone(leg, 330, volume=-20))
            elif isinstance(event, CallEnded):
                self.callers.pop(leg, None)
                self.voice.leg_handlers.pop(leg, None)

        self.voice.leg_handlers[leg] = handle
        self._spawn(self._give_up_later(leg, ani, self.rng.uniform(*self.patience)))

    async def _give_up_later(self, leg: str, ani: str, patience: float) -> None:
        await asyncio.sleep(patience)
        talking = any(c.ani == ani and c.bridged for c in self.voice.calls.values())
        if leg in self.callers and not talking:
            await self.voice.quietly(self.voice.engine.hangup(leg))


def voice_demo_service(
    tenant_slug: str,
    *,
    human_password: str,
    host: str = "127.0.0.1",
    sip_port: int = 5060,
    registrar_port: int | None = None,
    settings: VoiceSettings | None = None,
    media: str = "in-process",
    media_options: MediaOptions | None = None,
    **options: Any,
) -> Callable[[Runner], Coroutine[Any, Any, Callable[[], Coroutine[Any, Any, None]]]]:
    """An extra for `create_app`: the voice adapter, the demo's robot agents logged in,
    their phones, and SIP callers."""

    async def start(runner: Runner) -> Callable[[], Coroutine[Any, Any, None]]:
        voice, stop_voice = await start_voice(
            runner,
            host=host,
            sip_port=sip_port,
            registrar_port=registrar_port,
            settings=settings,
            media=media,
            media_options=media_options,
        )
        traffic = DemoTraffic(runner, tenant_slug, over_sip=True, humans=HUMAN_AGENTS)
        demo = VoiceDemo(voice, traffic, human_password=human_password, **options)
        try:
            await traffic.start()
            await demo.start()
        except BaseException:
            await demo.stop()
            await traffic.stop()
            await stop_voice()
            raise

        async def stop() -> None:
            await demo.stop()
            await traffic.stop()
            await stop_voice()

        return stop

    return start
