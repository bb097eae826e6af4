"""The IVR on real SIP calls (127.0.0.1): a PJSIP caller (ivr_caller.py) presses keys or
speaks (an espeak-ng WAV) when the flow asks, the center runs the flow file attached to
the dialled number, reads a balance from an HTTP service the test runs, and queues the
call for an agent's PJSIP phone. What the caller heard is checked against the prompts'
own audio; what the IVR did, in the event log and the reports."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.util
import json
import logging
import math
import subprocess
import sys
import threading
import time
import wave
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.ivr_audio import heard
from centralita.app import intake, screen
from centralita.app.center import LiveCenter
from centralita.app.live import LiveView
from centralita.app.runner import Runner
from centralita.app.voice import VoiceSettings, start_voice
from centralita.app.voice_ivr import VoiceIvr
from centralita.app.voice_ivr_queue import (
    Announcements,
    announcement_text,
    announcements,
    confirmed_text,
    offer_text,
)
from centralita.app.voice_originate import Trunk
from centralita.app.voice_prompts import position_text
from centralita.app.voice_utterance import Utterance
from centralita.clock import utcnow
from centralita.core.events import AgentLoggedIn
from centralita.core.ivr import commands as cmd
from centralita.demo import DEMO_TENANT
from centralita.ivr_files import FlowRegistry
from centralita.reports.projection import Follower
from centralita.reports.queries import Filters, ivr_report, queue_report
from centralita.schemas import ContactSpec
from centralita.speech import rms
from centralita.store import actions
from centralita.store.db import Store
from centralita.store.models import Tenant
from support import free_port, require
from telephony import voice_harness
from telephony.tel_helpers import (
    HERE as TELEPHONY,
)
from telephony.tel_helpers import (
    block_sequence,
    blocks_with,
    free_udp_port,
    log_has,
    until,
    wait_process,
    write_tone_wav,
)
from telephony.voice_harness import SALES_DNIS, Center, no_calls_left, run, voice_center

sip_tools = voice_harness.sip_tools("sipp", "espeak-ng", autouse=False)
db_file = voice_harness.db_file


def over_sip(test: Any) -> Any:
    """An end-to-end test: slow, and needs pjsua2, sipp and espeak-ng."""
    for mark in (pytest.mark.usefixtures("sip_tools"), pytest.mark.timeout(120)):
        test = mark(test)
    return pytest.mark.slow(test)


HERE = Path(__file__).resolve().parent
AGENT_HZ = 1000
OPEN = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # Monday 10:00 in Bogotá
CLOSED = dt.datetime(2026, 3, 1, 15, 0, tzinfo=dt.UTC)  # Sunday
ANI = "+573001234599"

FLOW = """\
flow: ventas-ivr
version: {version}
start: welcome
language: es
languages: [es, en]
dnis: ["{dnis}"]
vars:
  billing_api: "http://127.0.0.1:9"
calendars:
  bogota:
    timezone: America/Bogota
    hours: {{mon-fri: "07:00-19:00", sat: closed, sun: closed}}
nodes:
  welcome:
    type: play
    prompt: {{es: "Bienvenido.", en: "Welcome."}}
    next: hours
  hours:
    type: condition
    branches:
      - if: {{open: bogota}}
        goto: main_menu
    else: closed
  closed:
    type: hangup
    outcome: rejected
    prompt:
      es: "Atendemos de lunes a viernes, de siete a siete."
      en: "We are open Monday to Friday, from seven to seven."
  main_menu:
    type: menu
    prompt:
      es: "Pulse uno para su cuenta; pulse dos para ventas."
      en: "Press one for your account."
    voice_prompt:
      es: "Diga uno para su cuenta."
      en: "Say one for your account, or two for sales."
    choices:
      "1": {target}
      "2": to_agent
      "3": insurance
      "4": mailbox
      "6": call_me
    timeout: 6
    default: to_agent
  account_menu:
    type: menu
    prompt: {{es: "Pulse uno para conocer su saldo.", en: "Press one for your balance."}}
    choices:
      "1": account
    timeout: 6
    default: to_agent
  account:
    type: collect
    prompt:
      es: "Digite su número de cuenta y la tecla numeral."
      en: "Enter your account number."
    min_length: 4
    max_length: 8
    terminator: "#"
    save_as: account
    timeout: 6
    next: balance_lookup
    failure: to_agent
  balance_lookup:
    type: http
    url: "{{billing_api}}/accounts/{{account}}/balance"
    timeout: 2
    assign: {{balance: balance}}
    next: balance_say
    fallback: unavailable
  balance_say:
    type: play
    prompt: {{es: "Su saldo es de {{balance:amount}}.", en: "Your balance is {{balance:amount}}."}}
    next: tag
  tag:
    type: set
    priority: 7
    skills: {{ventas: 4}}
    segment: autoservicio
    attributes: {{self_service: balance}}
    next: to_agent
  unavailable:
    type: play
    prompt:
      es: "No podemos consultar su saldo en este momento."
      en: "We cannot look up your balance now."
    next: to_agent
  to_agent:
    type: queue
    queue: Ventas
  call_me:
    type: queue
    queue: Ventas
    music: hold.wav
    announce_position: true
    announce_every: 10
    callback: {{after: 2, key: "1"}}
  insurance:
    type: transfer
    number: "3105550123"
  mailbox:
    type: voicemail
    box: ventas
    prompt: {{es: "Deje su mensaje.", en: "Leave your message."}}
"""
BALANCE_SAID = "Su saldo es de mil doscientos treinta y cuatro pesos con cincuenta centavos."
UNAVAILABLE = "No podemos consultar su saldo en este momento."
CLOSED_SAID = "Atendemos de lunes a viernes, de siete a siete."


def flow_text(version: int = 1, target: str = "account_menu") -> str:
    return FLOW.format(version=version, dnis=SALES_DNIS, target=target)


class Billing:
    """The customer's billing system: GET /accounts/<n>/balance → {"balance": 1234.5}."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        billing = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                billing.paths.append(self.path)
                body = json.dumps({"balance": 1234.5}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def billing() -> Iterator[Billing]:
    service = Billing()
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


@pytest.fixture(scope="module")
def prompts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One prompt cache for the module's tests: each prompt is synthesised once."""
    return tmp_path_factory.mktemp("prompts")


def clock_at(instant: dt.datetime) -> Any:
    """A clock that starts at `instant` and runs with the wall clock."""
    offset = instant.timestamp() - time.time()
    return lambda: time.time() + offset


@asynccontextmanager
async def ivr_center(
    db_file: Path,
    tmp: Path,
    *,
    at: dt.datetime,
    billing_api: str,
    prompts: Path,
    trunks: tuple[Trunk, ...] = (),
    **options: Any,
) -> AsyncIterator[tuple[Center, VoiceIvr]]:
    flows = tmp / "flows"
    flows.mkdir(exist_ok=True)
    (flows / "ventas.yaml").write_text(flow_text())
    settings = VoiceSettings(
        announce_first=60,
        announce_every=60,
        media_timeout=5,
        prompts_dir=prompts,
        trunks=trunks,
    )
    async with voice_center(db_file, tmp, settings=settings, **options) as c:
        ivr = VoiceIvr(
            c.voice,
            FlowRegistry(flows),
            clock=clock_at(at),
            variables={"billing_api": billing_api},
            work_dir=tmp / "ivr",
        )
        assert await ivr.start() == []
        try:
            yield c, ivr
        finally:
            await ivr.stop()


async def call_in(
    c: Center, tmp: Path, ani: str = ANI, name: str = "caller"
) -> asyncio.subprocess.Process:
    """A PJSIP caller on the sales number; it records what it hears to `name`-heard.wav."""
    target = f"sip:{SALES_DNIS}@127.0.0.1:{c.engine.port}"
    with (tmp / f"{name}.log").open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "ivr_caller.py"), "--target", target, "--ani", ani,
            "--record", str(tmp / f"{name}-heard.wav"), "--timeout", "60",
            stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


async def tell(caller: asyncio.subprocess.Process, order: str) -> None:
    assert caller.stdin is not None
    caller.stdin.write(f"{order}\n".encode())
    await caller.stdin.drain()


async def asked_at(ivr: VoiceIvr, node: str, *, prompts_played: bool = True) -> None:
    """Wait until a call's IVR asks at `node`: its prompts played, or (`prompts_played`
    False) as soon as they start, to answer over them."""

    def asking() -> bool:
        return any(
            call.session.node is not None
            and call.session.node.id == node
            and call.collect is not None
            and (call.waiting or not prompts_played)
            for call in ivr.calls.values()
        )

    await until(asking, 30, f"the IVR to ask at {node}")


def ivr_events(c: Center, kind: str) -> list[Any]:
    return c.stored(f"ivr.{kind}")


def visited(c: Center) -> list[str]:
    return [e.payload["node"] for e in ivr_events(c, "node_visited")]


def duration(wav: Path) -> float:
    with wave.open(str(wav), "rb") as data:
        return data.getnframes() / data.getframerate()


def prompt_wav(c: Center, text: str, language: str = "es") -> Path:
    return c.voice.prompts.prompt(text, language=language, sample_rate=8000)


@over_sip
def test_given_keys_through_two_menus_then_caller_hears_balance_and_agent_answers(
    db_file: Path, tmp_path: Path, prompts_dir: Path, billing: Billing
) -> None:
    async def scenario() -> None:
        async with ivr_center(
            db_file,
            tmp_path,
            prompts=prompts_dir,
            at=OPEN,
            billing_api=billing.url,
            auto_answer=("ana",),
        ) as (c, ivr):
            # a broken edit is refused with its file, node and field; version 1 keeps running
            (tmp_path / "flows" / "ventas.yaml").write_text(flow_text(2, target="nowhere"))
            [error] = ivr.reload()
            assert error.to_dict()["file"].endswith("ventas.yaml")
            assert error.to_dict()["node"] == "main_menu"
            assert "nowhere" in error.message
            ana = await c.phone(
                "ana.log", "ana", "--answer", "auto", "--tone", str(AGENT_HZ),
                "--hangup-after", "2",
            )  # fmt: skip
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            caller = await call_in(c, tmp_path)
            # the menus' keys are pressed over their prompts; the account number only
            # once its prompt ended (then the node's timeout runs)
            await asked_at(ivr, "main_menu", prompts_played=False)
            await tell(caller, "digits 1")
            await asked_at(ivr, "account_menu", prompts_played=False)
            await tell(caller, "digits 1")
            await asked_at(ivr, "account")
            await tell(caller, "digits 3001#")
            assert await wait_process(caller, 40) == 0, (tmp_path / "caller.log").read_text()
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            await no_calls_left(c)
            await wait_process(ana, 15)

            assert billing.paths == ["/accounts/3001/balance"]
            assert visited(c) == [
                "welcome", "hours", "main_menu", "account_menu", "account",
                "balance_lookup", "balance_say", "tag", "to_agent",
            ]  # fmt: skip
            [ended] = ivr_events(c, "ended")
            assert (ended.payload["outcome"], ended.payload["version"]) == ("queued", 1)
            assert ended.payload["attributes"] == {"self_service": "balance"}
            assert ended.tenant_id == c.tenant_id
            with c.store.read() as session:  # what the agent's screen pop shows of the IVR
                pop = screen.screen_pop(session, [c.tenant_id], ended.interaction_id).ivr
            assert pop is not None and pop.flow == ended.payload["flow"]
            assert (pop.verified, pop.node, pop.attributes) == (
                None, "to_agent", {"self_service": "balance"}
            )  # fmt: skip
            assert (pop.language, pop.segment) == ("es", "autoservicio")  # the flow set them
            [queued] = c.stored("acd.interaction_queued")
            assert queued.interaction_id == ended.interaction_id  # one interaction throughout
            assert queued.payload["priority"] == 7  # set by the flow
            assert queued.payload["skills"] == [["ventas", 4]]  # the queue's ventas:1, raised
            [call] = ivr.finished
            assert BALANCE_SAID in call.played
            balance, unavailable = prompt_wav(c, BALANCE_SAID), prompt_wav(c, UNAVAILABLE)
            return balance, unavailable

    balance, unavailable = run(scenario())
    recording = tmp_path / "caller-heard.wav"
    assert heard(recording, balance) > 0.8
    assert heard(recording, unavailable) < heard(recording, balance) - 0.1
    assert blocks_with(recording, [AGENT_HZ]) >= 10  # then ana's phone, bridged


@over_sip
def test_given_caller_who_prefers_voice_when_saying_one_then_same_branch_as_key_one(
    db_file: Path, tmp_path: Path, prompts_dir: Path
) -> None:
    said = {}
    for word in ("one", "five"):
        said[word] = tmp_path / f"{word}.wav"
        espeak = ["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(said[word]), word]
        subprocess.run(espeak, check=True)
    asking = "Say one for your account, or two for sales."

    async def scenario() -> None:
        async with ivr_center(
            db_file, tmp_path, prompts=prompts_dir, at=OPEN, billing_api="http://127.0.0.1:9"
        ) as (
            c,
            ivr,
        ):
            with c.store.transaction() as tx:
                spec = ContactSpec(
                    name="Ann Speaker", phones=[ANI], language="en", preferred_input="voice"
                )
                actions.do_create_contact(
                    tx, tenant_id=c.tenant_id, spec=spec, at=utcnow(), actor="test"
                )
            caller = await call_in(c, tmp_path)
            await asked_at(ivr, "main_menu")
            # "five" is no choice here: asked again (the recogniser does not hear "one")
            await tell(caller, f"play {said['five']}")
            [call] = ivr.calls.values()
            await until(lambda: call.played.count(asking) == 2, 20, "the question again")
            await asked_at(ivr, "main_menu")
            await tell(caller, f"play {said['one']}")
            await asked_at(ivr, "account_menu")
            await tell(caller, "hangup")
            assert await wait_process(caller, 20) == 0
            await until(lambda: ivr_events(c, "ended"), 10, "the IVR's end")
            await no_calls_left(c)
            assert visited(c)[:4] == ["welcome", "hours", "main_menu", "account_menu"]
            [ended] = ivr_events(c, "ended")
            assert (ended.payload["node"], ended.payload["outcome"]) == (
                "account_menu",
                "abandoned_ivr",
            )
            assert ivr.finished == [call]
            # the contact's preferences: English, and the menu asked to be answered aloud
            assert call.played.count(asking) == 2
            assert c.outcomes() == []  # it never reached a queue
            assert not list((tmp_path / "ivr" / "heard").glob("*"))  # what it said is not kept

    run(scenario())


@over_sip
def test_given_after_hours_then_closed_message_plays_and_call_ends(
    db_file: Path, tmp_path: Path, prompts_dir: Path
) -> None:
    async def scenario() -> Path:
        async with ivr_center(
            db_file, tmp_path, prompts=prompts_dir, at=CLOSED, billing_api="http://127.0.0.1:9"
        ) as (
            c,
            _ivr,
        ):
            caller = await call_in(c, tmp_path)
            assert await wait_process(caller, 40) == 0  # the center hung up
            await no_calls_left(c)
            assert visited(c) == ["welcome", "hours", "closed"]
            [ended] = ivr_events(c, "ended")
            assert ended.payload["outcome"] == "rejected"
            assert c.outcomes() == []
            return prompt_wav(c, CLOSED_SAID)

    closed = run(scenario())
    assert heard(tmp_path / "caller-heard.wav", closed) > 0.8


@over_sip
def test_given_caller_hangs_up_in_menu_then_reports_count_an_ivr_abandon(
    db_file: Path, tmp_path: Path, prompts_dir: Path
) -> None:
    async def scenario() -> None:
        async with ivr_center(
            db_file, tmp_path, prompts=prompts_dir, at=OPEN, billing_api="http://127.0.0.1:9"
        ) as (
            c,
            ivr,
        ):
            caller = await call_in(c, tmp_path)
            await asked_at(ivr, "main_menu", prompts_played=False)
            await tell(caller, "hangup")
            assert await wait_process(caller, 20) == 0
            await until(lambda: ivr_events(c, "ended"), 10, "the IVR's end")
            await no_calls_left(c)
            assert c.outcomes() == []  # not a queue abandon

    run(scenario())
    store = Store.from_url(f"sqlite:///{db_file}")
    try:
        Follower(store).catch_up()
        with store.read() as session:
            tenant_id = session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
            rows = ivr_report(session, Filters([tenant_id], OPEN.date(), OPEN.date()))
    finally:
        store.dispose()
    by_node = {row.node: row for row in rows if row.flow == "ventas-ivr"}
    assert by_node["main_menu"].abandoned_ivr == 1
    assert by_node["main_menu"].visits == 1
    assert sum(row.abandoned_ivr for row in by_node.values()) == 1
    assert sum(row.queued for row in by_node.values()) == 0


@over_sip
def test_given_billing_service_down_then_fallback_branch_plays_and_call_is_queued(
    db_file: Path, tmp_path: Path, prompts_dir: Path
) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    async def scenario() -> tuple[Path, Path]:
        async with ivr_center(
            db_file, tmp_path, prompts=prompts_dir, at=OPEN, billing_api=down
        ) as (c, ivr):
            caller = await call_in(c, tmp_path)
            # keys pressed over the prompts cut them short (barge-in)
            for node, keys in (("main_menu", "1"), ("account_menu", "1"), ("account", "3001#")):
                await asked_at(ivr, node, prompts_played=False)
                await tell(caller, f"digits {keys}")
            await until(lambda: c.voice.calls, 20, "the call to be queued")
            await asyncio.sleep(0.5)  # a moment of music, then the caller gives up
            await tell(caller, "hangup")
            assert await wait_process(caller, 20) == 0
            await no_calls_left(c)
            assert visited(c)[-3:] == ["balance_lookup", "unavailable", "to_agent"]
            at = {e.payload["node"]: e.at for e in ivr_events(c, "node_visited")}
            menu_prompt = prompt_wav(c, "Pulse uno para su cuenta; pulse dos para ventas.")
            assert (at["account_menu"] - at["main_menu"]).total_seconds() < duration(menu_prompt)
            [ended] = ivr_events(c, "ended")
            assert ended.payload["outcome"] == "queued"
            await until(lambda: c.outcomes(), 10, "the queue's outcome")
            assert c.outcomes() == ["short_abandoned"]
            return prompt_wav(c, UNAVAILABLE), prompt_wav(c, BALANCE_SAID)

    unavailable, balance = run(scenario())
    recording = tmp_path / "caller-heard.wav"
    assert heard(recording, unavailable) > 0.8
    assert heard(recording, balance) < heard(recording, unavailable) - 0.1


@over_sip
def test_given_no_agent_free_when_caller_takes_the_callback_offer_then_call_ends_as_callback(
    db_file: Path, tmp_path: Path, prompts_dir: Path
) -> None:
    """The queue node's own wait: its music, its position announcement, its callback
    offer; the key ends the call as a callback request."""
    hold_hz = 660  # the node's music; the center's plays 392, 494 and 587 Hz

    async def scenario() -> tuple[Path, Path, Path, dt.date]:
        async with ivr_center(
            db_file, tmp_path, prompts=prompts_dir, at=OPEN, billing_api="http://127.0.0.1:9"
        ) as (c, ivr):
            write_tone_wav(tmp_path / "flows" / "hold.wav", hold_hz, 2.0)
            caller = await call_in(c, tmp_path)
            await asked_at(ivr, "main_menu", prompts_played=False)
            await tell(caller, "digits 6")  # to a queue nobody is logged in to
            await until(lambda: c.voice.calls, 20, "the call to be queued")
            await tell(caller, "digits 1")  # before the offer: nothing happens
            await until(lambda: ivr.callbacks_offered, 20, "the callback offer")
            [iid] = ivr.callbacks_offered
            finished = c.voice.prompts_finished
            await until(lambda: c.voice.prompts_finished > finished, 20, "the offer to end")
            assert c.outcomes() == []  # still waiting: the early key was not taken
            # the node's announcement, 10 s after queueing (the center's would be at 60)
            await until(lambda: c.voice.announced, 20, "the position announcement")
            assert c.voice.announced == [(iid, 1)]
            finished = c.voice.prompts_finished
            await until(lambda: c.voice.prompts_finished > finished, 20, "the announcement")
            await tell(caller, "digits 1")
            assert await wait_process(caller, 30) == 0  # the center hung up
            await no_calls_left(c)
            assert c.outcomes() == ["callback_requested"]
            [closed] = c.stored("acd.interaction_closed")
            assert closed.interaction_id == iid
            [ended] = ivr_events(c, "ended")
            assert (ended.payload["node"], ended.payload["outcome"]) == ("call_me", "queued")
            offer = prompt_wav(c, offer_text("1", "es"))
            position = prompt_wav(c, position_text(1, "es"))
            return offer, position, prompt_wav(c, confirmed_text("es")), closed.at.date()

    offer, position, thanks, day = run(scenario())
    recording = tmp_path / "caller-heard.wav"
    assert heard(recording, offer) > 0.8
    assert heard(recording, position) > 0.8
    assert heard(recording, thanks) > 0.8
    music = block_sequence(recording, [hold_hz, 392, 494, 587])
    assert music.count(hold_hz) >= 30  # the node's music between the prompts
    assert music.count(392) + music.count(494) + music.count(587) == 0  # not the center's
    store = Store.from_url(f"sqlite:///{db_file}")
    try:
        Follower(store).catch_up()
        with store.read() as session:
            tenant_id = session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
            rows = queue_report(session, Filters([tenant_id], day, day), "total")
    finally:
        store.dispose()
    [ventas] = [row for row in rows if row.queue == "Ventas"]
    assert (ventas.callbacks, ventas.abandoned, ventas.short_abandoned) == (1, 0, 0)


def test_a_queued_ivr_caller_is_told_in_its_language_at_the_nodes_or_the_centers_times() -> None:
    settings = VoiceSettings(announce_first=15, announce_every=45)

    def node(language: str = "en", **options: Any) -> cmd.Enqueue:
        return cmd.Enqueue("Ventas", None, (), language, None, {}, **options)

    # a node that asks for no announcement gets the center's, in the call's language
    assert announcements(node(), settings) == Announcements(15, 45, True, True, "en")
    wait_only = node(announce_wait=True, announce_every=20)
    assert announcements(wait_only, settings) == Announcements(20, 20, False, True, "en")
    assert announcements(node("pt"), settings).language == "es"
    assert announcement_text(None, 3, "en") == "Your estimated wait is 3 minutes. Please hold."
    assert announcement_text(None, None, "en") is None  # no estimate: nothing to say
    assert announcement_text(2, 0, "es") == position_text(2, "es", 0)
    assert offer_text("#", "en") == "If you would rather we call you back, press pound."
    assert offer_text("1", "es") == "Si prefiere que le devolvamos la llamada, pulse 1."


def test_an_utterance_is_cut_from_a_growing_recording_between_pauses(tmp_path: Path) -> None:
    """Endpointing on a file being written, as PJSIP writes a leg's recording: the
    utterance starts a little before the speech and ends after a pause."""
    rate = 16000
    path = tmp_path / "heard.wav"

    def tone(seconds: float) -> bytes:
        n = int(seconds * rate)
        return b"".join(
            int(6000 * math.sin(2 * math.pi * 300 * i / rate)).to_bytes(2, "little", signed=True)
            for i in range(n)
        )

    def silence(seconds: float) -> bytes:
        return bytes(2 * int(seconds * rate))

    with wave.open(str(path), "wb") as wav:  # the header PJSIP writes first
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
    before = silence(1.0)  # what the caller said before the question: not heard
    after = [silence(0.6), tone(0.5), silence(1.2), tone(0.5)]

    async def scenario() -> tuple[bytes, int, int]:
        with path.open("ab") as out:
            out.write(before)
            out.flush()
            listener = Utterance(path, poll=0.01)
            starts: list[int] = []
            task = asyncio.create_task(
                listener.capture(listener.position(), on_speech=lambda: starts.append(1))
            )
            for part in after:
                for i in range(0, len(part), 3200):  # 100 ms at a time
                    out.write(part[i : i + 3200])
                    out.flush()
                    await asyncio.sleep(0.005)
            pcm, got_rate = await asyncio.wait_for(task, 5)
        return pcm, got_rate, len(starts)

    pcm, got_rate, starts = asyncio.run(scenario())
    assert (got_rate, starts) == (rate, 1)
    seconds = len(pcm) / 2 / rate
    # 0.25 s before the speech + 0.5 s of it + the 0.7 s pause that ends it
    assert 1.35 <= seconds <= 1.55, seconds
    assert rms(pcm[: int(0.2 * rate) * 2]) == 0  # it starts in the pause before
    assert rms(pcm) > 1000


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_serve_with_a_flow_directory_runs_its_flows_and_keeps_a_broken_one_out(
    db_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`serve --sip-port` with `ivr_flows_dir`: start_voice loads the valid flows, logs
    the refused one with its file, node and field, and stops the IVR with the voice."""
    require(importlib.util.find_spec("pjsua2") is not None, "pjsua2 (scripts/pjsua2/install.sh)")
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "ventas.yaml").write_text(flow_text())
    broken = flow_text(target="nowhere").replace("ventas-ivr", "other").replace(SALES_DNIS, "1")
    (flows / "other.yaml").write_text(broken)
    by_campaign = flow_text().replace("ventas-ivr", "soporte-ivr")
    (flows / "soporte.yaml").write_text(
        by_campaign.replace(f'dnis: ["{SALES_DNIS}"]', "campaigns: [Soporte]")
    )

    async def scenario() -> None:
        store = Store.from_url(f"sqlite:///{db_file}")
        center = LiveCenter.from_store(store)
        runner = Runner(center, LiveView(center))
        await runner.start()
        try:
            voice, stop = await start_voice(
                runner, sip_port=free_port(), registrar_port=0, ivr_flows=flows
            )
            ivr = voice.ivr
            assert ivr is not None
            assert sorted(ivr.flows.flows) == ["soporte-ivr", "ventas-ivr"]

            def flow_of(dnis: str) -> str | None:
                flow = ivr.flow_for(intake.resolve(store, ani=None, dnis=dnis), dnis)
                return flow.id if flow is not None else None

            # by the dialled number, else by the number's campaign, else none
            assert [flow_of(n) for n in (SALES_DNIS, "6015550200", "6015550300")] == [
                "ventas-ivr",
                "soporte-ivr",
                None,
            ]
            await stop()
            assert voice.ivr is None
        finally:
            await runner.stop()
            store.dispose()

    with caplog.at_level(logging.ERROR, logger="centralita.app.voice_ivr"):
        asyncio.run(asyncio.wait_for(scenario(), 50))
    [refusal] = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert "other.yaml" in refusal and "main_menu" in refusal and "nowhere" in refusal


def test_serve_refuses_an_ivr_flow_directory_that_does_not_exist(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from centralita.cli.main import app

    missing = tmp_path / "no-such-dir"
    env = {"CENTRALITA_IVR_FLOWS_DIR": str(missing), "CENTRALITA_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, ["serve", "--sip-port", "5999"], env=env)
    assert result.exit_code == 2
    assert f"ivr_flows_dir: {missing} is not a directory" in result.output


def test_the_demo_example_flow_is_valid_and_sends_calls_to_the_demo_queues(
    db_file: Path,
) -> None:
    from centralita.ivr_files import load_flow
    from centralita.store.models import CampaignNumber, Queue

    flow = load_flow(Path(__file__).parents[2] / "examples" / "ivr-demo" / "ventas.yaml")
    queues = {n.queue for n in flow.nodes.values() if hasattr(n, "queue")}
    store = Store.from_url(f"sqlite:///{db_file}")
    try:
        with store.read() as session:
            names = set(session.scalars(select(Queue.name)))
            numbers = set(session.scalars(select(CampaignNumber.number)))
    finally:
        store.dispose()
    assert queues == {"Ventas", "Soporte"} and queues <= names
    assert set(flow.dnis) <= numbers  # a campaign answers it: the call has a tenant


@over_sip
def test_given_transfer_and_voicemail_nodes_then_caller_talks_to_the_number_or_leaves_a_message(
    db_file: Path, tmp_path: Path, prompts_dir: Path
) -> None:
    port = free_udp_port()
    trunk = Trunk("carrier", f"127.0.0.1:{port}", "6015550000")
    message = write_tone_wav(tmp_path / "message.wav", 500, 1.5)

    async def scenario() -> Path:
        async with ivr_center(
            db_file,
            tmp_path,
            prompts=prompts_dir,
            at=OPEN,
            billing_api="http://127.0.0.1:9",
            trunks=(trunk,),
        ) as (c, ivr):
            with (tmp_path / "number.log").open("wb") as out:
                number = await asyncio.create_subprocess_exec(
                    sys.executable, str(TELEPHONY / "agent_ua.py"), "--port", str(port),
                    "--answer", "after:2", "--tone", "700", "--hangup-after", "2",
                    stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            await until(lambda: log_has(tmp_path / "number.log", "listening"), 20, "the number")
            # 3: transferred to the number through the trunk, until the number hangs up
            caller = await call_in(c, tmp_path, name="first")
            await asked_at(ivr, "main_menu", prompts_played=False)
            await tell(caller, "digits 3")
            assert await wait_process(caller, 30) == 0
            assert await wait_process(number, 15) == 0
            assert log_has(tmp_path / "number.log", "incoming")  # it rang there, and answered
            # 4: a message for the box, recorded until the caller hangs up
            caller = await call_in(c, tmp_path, name="second")
            await asked_at(ivr, "main_menu", prompts_played=False)
            await tell(caller, "digits 4")
            # the call leaves the IVR once "Deje su mensaje." played: the recording starts
            await until(lambda: len(ivr.finished) == 2, 20, "the voicemail node")
            await tell(caller, f"play {message}")
            folder = tmp_path / "ivr" / "voicemail" / "ventas"
            two_seconds = 44 + 2 * 16000 * 2

            def recorded() -> bool:
                return any(f.stat().st_size > two_seconds for f in folder.glob("*.wav"))

            await until(recorded, 10, "two seconds of message")
            await tell(caller, "hangup")
            assert await wait_process(caller, 20) == 0
            await no_calls_left(c)
            outcomes = [e.payload["outcome"] for e in ivr_events(c, "ended")]
            assert outcomes == ["transferred", "voicemail"]
            assert c.outcomes() == []
            [box] = list(folder.iterdir())
            assert box.stem == ivr.finished[-1].interaction_id
            return box

    box = run(scenario())
    profile = block_sequence(tmp_path / "first-heard.wav", [425, 700])
    ringback, number = profile.index(425), profile.index(700)
    # ringback while it rang (2 s; a CI run heard only 4 blocks of a 1 s ring, the trunk's
    # INVITE and the caller's recorder start eat into it),
    assert ringback < number and profile.count(425) >= 5
    assert profile.count(700) >= 10  # then the number, bridged
    assert blocks_with(box, [500]) >= 10  # the message, in the box
