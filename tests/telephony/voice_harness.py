"""A whole voice center for end-to-end tests: the demo company's store, the live center
on a runner, the SIP engine, the stations' registrar and the voice adapter, all real,
on 127.0.0.1 — plus sipp carriers and agents' phones (agent_ua.py) to call and ring.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from centralita.app.center import LiveCenter
from centralita.app.directory import load_directory
from centralita.app.live import LiveView
from centralita.app.runner import Runner
from centralita.app.voice import VoiceCenter, VoiceSettings
from centralita.app.voice_stations import StationBook, do_set_station
from centralita.clock import utcnow
from centralita.demo import DEMO_TENANT
from centralita.store import events
from centralita.store.db import Store
from centralita.store.models import Event, Tenant, User
from centralita.telephony.port import MediaPort
from centralita.telephony.registrar import Registrar
from centralita.telephony.worker_process import Media, MediaOptions, open_media
from support import require
from telephony.tel_helpers import HERE, SIPP_DIR, free_udp_port, start_agent_ua, until

REALM = "centralita"
SALES_DNIS = "6015550100"  # the demo's Ventas campaign
ANI = "+573001234567"
EXTENSIONS = {"ana": "1001", "carlos": "1002", "gloria": "1003", "supervisora": "1009"}


def password(extension: str) -> str:
    return f"pw-{extension}-secret"


def sip_tools(*tools: str, autouse: bool = True) -> Callable[..., Iterator[None]]:
    """The `sip_tools` fixture of a module of voice tests (`sip_tools =
    voice_harness.sip_tools("sipp")`): the pjsua2 binding and the executables `tools`
    are real dependencies (`support.require`: skipped without them on a developer's
    machine, failed in CI), and afterwards no PJSIP call leg may have outlived the engine."""

    @pytest.fixture(name="sip_tools", autouse=autouse)
    def fixture(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
        require(
            importlib.util.find_spec("pjsua2") is not None, "pjsua2 (scripts/pjsua2/install.sh)"
        )
        for tool in tools:
            require(shutil.which(tool) is not None, f"{tool} (scripts/install-test-deps.sh)")
        yield
        leaked = [r.getMessage() for r in caplog.records if "still referenced" in r.getMessage()]
        assert not leaked, leaked

    return fixture


@pytest.fixture
def db_file(sqlite_demo_file: Path, tmp_path: Path) -> Path:
    """The demo company's SQLite database, a copy for one test (`db_file =
    voice_harness.db_file` in the module)."""
    path = tmp_path / "centralita.db"
    shutil.copyfile(sqlite_demo_file, path)
    return path


def run(coro: Any, timeout: float = 100) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


@dataclass
class Center:
    store: Store
    runner: Runner
    engine: MediaPort
    registrar: Registrar
    voice: VoiceCenter
    tenant_id: int
    agents: dict[str, str]  # username → core agent id
    tmp: Path
    registrar_events: list[Any]
    media: Media

    def agent_state(self, username: str) -> tuple[str, str | None]:
        snap = self.runner.center.router.agent_snapshot(self.agents[username])
        return snap.state.value, snap.reason

    def stored(self, kind: str) -> list[Event]:
        with self.store.read() as session:
            return [e for e in events.read(session, limit=10**6) if e.kind == kind]

    def outcomes(self) -> list[str]:
        self.runner.commit()
        return [e.payload["outcome"] for e in self.stored("acd.interaction_closed")]

    async def phone(self, log_name: str, user: str, *args: str, pw: str | None = None) -> Any:
        extension = EXTENSIONS[user]
        return await start_agent_ua(
            self.tmp / log_name,
            self.registrar.uri,
            extension,
            pw if pw is not None else password(extension),
            *args,
        )

    async def carrier(self, scenario: str, *args: str) -> asyncio.subprocess.Process:
        """sipp calling the center's sales number with ANI in P-Asserted-Identity."""
        argv = [f"127.0.0.1:{self.engine.port}", "-sf", str(SIPP_DIR / scenario)]
        argv += ["-s", SALES_DNIS, "-key", "ani", ANI, "-mp", str(free_udp_port())]
        argv += ["-i", "127.0.0.1", "-mi", "127.0.0.1", "-m", "1", "-l", "1", "-nostdin"]
        argv += ["-timeout", "60s", "-timeout_error", *args]
        argv += ["-trace_err", "-error_file", str(self.tmp / f"sipp-{scenario}.err")]
        return await asyncio.create_subprocess_exec(
            "sipp", *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )


@asynccontextmanager
async def voice_center(
    db_file: Path,
    tmp: Path,
    *,
    ring_timeout: float = 15.0,
    auto_answer: tuple[str, ...] = (),
    settings: VoiceSettings | None = None,
    media: str = "in-process",
    port_seen_as: Callable[[MediaPort], Any] | None = None,
) -> AsyncIterator[Center]:
    """`media`: where the engine runs (`open_media`); "worker" is a `centralita media`
    process on a fixed free SIP port, restarted on the same port if it dies.
    `port_seen_as` wraps the engine the voice adapter is given (to delay its events)."""
    store = Store.from_url(f"sqlite:///{db_file}")
    with store.read() as session:
        tenant_id = session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
        agents = {u.username: str(u.id) for u in session.scalars(select(User))}
        directory = load_directory(session)
    directory.queues = [dataclasses.replace(q, ring_timeout=ring_timeout) for q in directory.queues]
    with store.transaction() as tx:
        for user, extension in EXTENSIONS.items():
            do_set_station(
                tx,
                tenant_id=tenant_id,
                extension=extension,
                password=password(extension),
                user_id=int(agents[user]),
                auto_answer=user in auto_answer,
                realm=REALM,
                at=utcnow(),
                actor="test",
            )
    center = LiveCenter(store, directory)
    runner = Runner(center, LiveView(center))
    await runner.start()
    sip_port = 0 if media == "in-process" else free_udp_port()
    opened = await open_media(media, MediaOptions(sip_port=sip_port))
    engine = opened.port
    book = StationBook(store, REALM)
    seen: list[Any] = []
    registrar = Registrar(book.credentials, port=0, realm=REALM, on_event=seen.append)
    await registrar.start()
    settings = settings or VoiceSettings(
        announce_first=60, announce_every=60, media_timeout=3, prompts_dir=tmp / "prompts"
    )
    voice = VoiceCenter(
        runner, engine if port_seen_as is None else port_seen_as(engine), registrar, book, settings
    )
    await voice.start()
    try:
        yield Center(store, runner, engine, registrar, voice, tenant_id, agents, tmp, seen, opened)
    finally:
        await voice.stop()
        await registrar.stop()
        await opened.stop()
        await runner.stop()
        store.dispose()


async def start_caller(
    center: Center,
    record: Path,
    tone: int,
    log_name: str = "caller.log",
    *,
    hold: float = 60,
    timeout: float = 60,
) -> Any:
    """A PJSIP caller on the sales number: sends `tone`, records what it hears, hangs up
    `hold` s after the answer (or gives up after `timeout` s)."""
    import subprocess
    import sys

    target = f"sip:{SALES_DNIS}@127.0.0.1:{center.engine.port}"
    with (center.tmp / log_name).open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "peer_ua.py"), "--target", target,
            "--tone", str(tone), "--record", str(record),
            "--hold", f"{hold:g}", "--timeout", f"{timeout:g}",
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


async def media_flows(center: Center, leg: str, packets: int) -> None:
    """Wait until `packets` more RTP packets went out on `leg` (20 ms each)."""
    start = (await center.engine.media_stats(leg)).tx_packets
    deadline = asyncio.get_running_loop().time() + packets * 0.02 + 10
    while (await center.engine.media_stats(leg)).tx_packets < start + packets:
        assert asyncio.get_running_loop().time() < deadline, "media stopped flowing"
        await asyncio.sleep(0.05)


async def registered(center: Center, *extensions: str, timeout: float = 20) -> None:
    """Wait until every one of `extensions` has a registered contact."""
    await until(
        lambda: all(center.registrar.contacts(e) for e in extensions),
        timeout,
        f"{', '.join(extensions)} to register",
    )


async def no_calls_left(center: Center, timeout: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (count := await center.engine.call_count()) != 0:
        assert asyncio.get_running_loop().time() < deadline, f"{count} legs still up"
        await asyncio.sleep(0.1)


def bridged_call(center: Center) -> Any:
    return next((c for c in center.voice.calls.values() if c.bridged), None)
