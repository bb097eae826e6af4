"""Voice with the SIP engine in a media worker process (`centralita media`), as `serve`
runs it: the call path is the same as in-process, and a worker killed mid-call ends
its calls in the core (agents not left busy, each interaction with its outcome), is
restarted on the same port (answering the old calls' BYEs with 481) and takes the next
call."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest

from app.test_voice_ivr import OPEN, asked_at, ivr_center, ivr_events
from centralita.app.voice import VoiceSettings
from centralita.core.events import AgentLoggedIn, HoldStarted
from centralita.telephony import CallEnded, TelephonyEvent
from centralita.telephony.port import WORKER_LOST, MediaPort
from centralita.telephony.remote import RemoteEngine
from support import require
from telephony import voice_harness
from telephony.tel_helpers import blocks_with, log_has, stop_process, until, wait_process
from telephony.voice_harness import (
    Center,
    bridged_call,
    media_flows,
    no_calls_left,
    registered,
    run,
    start_caller,
    voice_center,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]

AGENT_HZ, CALLER_HZ = 1000, 1600

sip_tools = voice_harness.sip_tools("sipp")
db_file = voice_harness.db_file


def settings(tmp_path: Path) -> VoiceSettings:
    return VoiceSettings(
        announce_first=60, announce_every=60, media_timeout=30, prompts_dir=tmp_path / "prompts"
    )


async def kill_worker(c: Center) -> tuple[int, int | None]:
    """SIGKILL the media worker: (its pid, the SIP port it served)."""
    assert c.media.worker is not None and c.media.worker.pid is not None
    pid, port = c.media.worker.pid, c.engine.port
    os.kill(pid, signal.SIGKILL)
    return pid, port


async def bridged_to_ana(c: Center, what: str) -> tuple[Any, Any]:
    """With ana's and carlos's phones registering: ana logs in, a carrier call (hanging up
    after the worker is lost) is bridged to her and media flows. (the carrier, the call)"""
    await registered(c, "1001", "1002")
    c.runner.handle(AgentLoggedIn(c.agents["ana"]))
    caller = await c.carrier("uac_bye_after_worker_loss.xml", "-d", "8000")
    call = await until(lambda: bridged_call(c), 30, what)
    assert call.agent_leg is not None
    await media_flows(c, call.agent_leg, 25)
    return caller, call


async def worker_restarted(c: Center, first_worker: int, sip_port: int | None) -> None:
    """serve's supervisor starts a new worker on the same port; the client is back on it
    and the new run starts empty."""
    worker = c.media.worker
    assert worker is not None and isinstance(c.engine, RemoteEngine)
    engine = c.engine
    await until(
        lambda: engine.connected.is_set() and worker.pid != first_worker,
        30,
        "the worker to be restarted",
    )
    assert engine.port == sip_port and worker.restarts == 1
    assert await engine.call_count() == 0


def stale(c: Center, ivr: Any = None) -> list[object]:
    """What the core and the voice adapter still hold of calls (nothing, between calls)."""
    voice = c.voice
    return [
        *c.runner.center.router.interaction_ids(),
        *voice.calls,
        *voice._legs,
        *voice.leg_handlers,
        *voice.transfers.parties,
        *voice.transfers.conferenced,
        *voice.supervision.monitors,
        *(ivr.calls if ivr is not None else ()),
    ]


async def next_call_bridged(c: Center, agent: str) -> None:
    """A new carrier call, through the restarted worker, is bridged with `agent`; the
    center hangs up (sipp exits 0 on our BYE) and the call closes as answered, leaving
    nothing behind."""
    closed = len(c.outcomes())
    sipp = await c.carrier("uac_until_bye.xml")
    call = await until(lambda: bridged_call(c), 30, "the next call to be bridged")
    assert call.agent_id == c.agents[agent]
    await media_flows(c, call.caller, 25)
    await c.engine.hangup(call.caller)
    assert await wait_process(sipp, 30) == 0
    await until(lambda: len(c.outcomes()) == closed + 1, 15, "the next call's outcome")
    assert c.outcomes()[-1] == "answered"
    await no_calls_left(c)
    await until(lambda: stale(c) == [], 10, "nothing left of the calls")


def test_given_a_media_worker_when_customer_calls_then_both_hear_each_other_through_it(
    db_file: Path, tmp_path: Path
) -> None:
    agent_wav, caller_wav = tmp_path / "agent-heard.wav", tmp_path / "caller-heard.wav"

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana",), media="worker") as c:
            assert isinstance(c.engine, RemoteEngine)
            assert c.media.worker is not None and c.media.worker.pid != os.getpid()
            assert c.engine.worker_pid == c.media.worker.pid  # the SIP engine runs there
            phone = await c.phone(
                "ana.log", "ana", "--answer", "auto", "--tone", str(AGENT_HZ),
                "--record", str(agent_wav), "--hangup-after", "3",
            )  # fmt: skip
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            caller = await start_caller(c, caller_wav, CALLER_HZ, hold=40, timeout=60)
            await until(lambda: log_has(tmp_path / "ana.log", "ended"), 30, "the agent's hang-up")
            assert await wait_process(caller, 30) == 0, (tmp_path / "caller.log").read_text()
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            assert c.agent_state("ana")[0] == "wrap_up"
            await no_calls_left(c)
            assert await stop_process(phone) == 0

    run(scenario())
    assert blocks_with(agent_wav, [CALLER_HZ]) >= 15
    assert blocks_with(caller_wav, [AGENT_HZ]) >= 15


def test_given_bridged_call_when_worker_killed_then_core_ends_it_and_new_worker_takes_next(
    db_file: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with voice_center(
            db_file,
            tmp_path,
            auto_answer=("ana", "carlos"),
            settings=settings(tmp_path),
            media="worker",
        ) as c:
            assert isinstance(c.engine, RemoteEngine) and c.media.worker is not None
            ana = await c.phone(
                "ana.log", "ana", "--answer", "auto", "--tone", str(AGENT_HZ),
                "--hangup-after", "10", "--calls", "2",
            )  # fmt: skip
            carlos = await c.phone("carlos.log", "carlos", "--answer", "auto")
            caller, _ = await bridged_to_ana(c, "the first call to be bridged")
            first_worker, sip_port = await kill_worker(c)

            # the core ends the call like a hang-up: ana wraps up, the call has its outcome
            await until(lambda: c.outcomes() == ["answered"], 15, "the first call's outcome")
            assert c.agent_state("ana")[0] in ("wrap_up", "available")
            assert c.voice.calls == {}
            await worker_restarted(c, first_worker, sip_port)
            # the old call's BYE reaches the new run, which owns no such dialog: 481
            # (sipp exits 0 only on that answer)
            assert await wait_process(caller, 40) == 0

            c.runner.handle(AgentLoggedIn(c.agents["carlos"]))
            await next_call_bridged(c, "carlos")
            assert c.outcomes() == ["answered", "answered"]
            for phone in (ana, carlos):
                await stop_process(phone)

    run(scenario(), timeout=140)


class LateLosses:
    """The media port as a busy adapter may see it: the legs a lost worker reports
    ended come a moment after the commands in flight failed (on Python 3.12 a failed
    `dial` wakes its caller before the event queue's reader; on 3.11 after)."""

    def __init__(self, port: MediaPort) -> None:
        self.port = port
        self.events: asyncio.Queue[TelephonyEvent] = asyncio.Queue()
        self._forwarding = asyncio.create_task(self._forward())

    async def _forward(self) -> None:
        while True:
            event = await self.port.events.get()
            if isinstance(event, CallEnded) and event.reason == WORKER_LOST:
                await asyncio.sleep(0.2)
            self.events.put_nowait(event)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.port, name)


def waited(c: Center, interaction_id: str) -> float:
    router = c.runner.center.router
    return c.runner.center.now() - router.interaction_snapshot(interaction_id).enqueued_at


@pytest.mark.parametrize("stage", ["queued", "dialling", "ringing"])
def test_given_waiting_caller_when_worker_killed_then_abandoned_and_agent_left_available(
    stage: str, db_file: Path, tmp_path: Path
) -> None:
    """A caller lost while queued, while its agent's phone was being dialled, or while
    it rang, is `abandoned` (past the queue's short-abandon threshold; KPIS.md): the
    agent did nothing wrong and stays available (not "missed"), and takes the next call
    on the new worker."""

    async def scenario() -> None:
        async with voice_center(
            db_file,
            tmp_path,
            settings=settings(tmp_path),
            media="worker",
            port_seen_as=LateLosses if stage == "dialling" else None,
        ) as c:
            ana = await c.phone("ana.log", "ana", "--answer", "after:3", "--calls", "9")
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            caller = await c.carrier("uac_bye_after_worker_loss.xml", "-d", "8000")
            [iid] = await until(c.runner.center.router.interaction_ids, 30, "a queued call")
            queue_id = c.runner.center.router.interaction_snapshot(iid).queue_id
            [queue] = [q for q in c.runner.center.directory.queues if q.id == queue_id]
            await until(lambda: waited(c, iid) > queue.short_abandon, 20, "a long wait")
            if stage == "ringing":
                c.runner.handle(AgentLoggedIn(c.agents["ana"]))
                await until(lambda: log_has(tmp_path / "ana.log", "incoming"), 10, "the ring")
                assert c.agent_state("ana")[0] == "reserved"
            elif stage == "dialling":  # the worker dies before it answers the dial
                assert c.media.worker is not None and c.media.worker.pid is not None
                os.kill(c.media.worker.pid, signal.SIGSTOP)
                c.runner.handle(AgentLoggedIn(c.agents["ana"]))
                engine = c.engine
                assert isinstance(engine, RemoteEngine)
                await until(lambda: engine._dialling, 10, "the dial to ana's phone")
            first_worker, sip_port = await kill_worker(c)

            await until(lambda: c.outcomes(), 15, "the lost call's outcome")
            assert c.outcomes() == ["abandoned"]
            await until(lambda: stale(c) == [], 10, "nothing left of the lost call")
            if stage != "queued":
                assert c.agent_state("ana") == ("available", None)
            else:
                assert c.agent_state("ana")[0] == "logged_out"
            await worker_restarted(c, first_worker, sip_port)
            assert await wait_process(caller, 40) == 0  # its BYE got 481 from the new run

            if stage == "queued":
                c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            await next_call_bridged(c, "ana")
            assert c.outcomes() == ["abandoned", "answered"]
            await stop_process(ana)

    run(scenario(), timeout=140)


@pytest.mark.parametrize("stage", ["on_hold", "consulting"])
def test_given_held_or_consulting_call_when_worker_killed_then_both_agents_are_free(
    stage: str, db_file: Path, tmp_path: Path
) -> None:
    """ana talks with a caller, then holds it, or consults carlos (the caller on hold,
    carlos's phone bridged with hers): the call closes as answered, ana wraps up, carlos
    is available and the consultation is forgotten; carlos takes the next call."""

    async def scenario() -> None:
        async with voice_center(
            db_file,
            tmp_path,
            auto_answer=("ana", "carlos"),
            settings=settings(tmp_path),
            media="worker",
        ) as c:
            phones = [
                await c.phone(f"{user}.log", user, "--answer", "auto", "--calls", "9")
                for user in ("ana", "carlos")
            ]
            caller, call = await bridged_to_ana(c, "the call to be bridged")
            c.runner.handle(AgentLoggedIn(c.agents["carlos"]))
            iid = call.interaction_id
            if stage == "on_hold":
                c.runner.handle(HoldStarted(iid))
            else:
                await c.voice.transfers.consult(iid, agent_id=c.agents["carlos"])
                await until(lambda: c.voice.transfers.parties[iid].up, 20, "carlos to answer")
                await media_flows(c, call.agent_leg, 25)
            await until(lambda: call.held, 10, "the caller on hold")
            assert c.agent_state("ana")[0] == "on_hold"
            first_worker, sip_port = await kill_worker(c)

            await until(lambda: c.outcomes(), 15, "the lost call's outcome")
            assert c.outcomes() == ["answered"]
            await until(lambda: stale(c) == [], 10, "nothing left of the lost call")
            assert c.agent_state("ana")[0] in ("wrap_up", "available")
            assert c.agent_state("carlos") == ("available", None)
            await worker_restarted(c, first_worker, sip_port)
            assert await wait_process(caller, 40) == 0  # its BYE got 481 from the new run

            await next_call_bridged(c, "carlos")
            assert c.outcomes() == ["answered", "answered"]
            for phone in phones:
                await stop_process(phone)

    run(scenario(), timeout=140)


def test_given_call_in_the_ivr_when_worker_killed_then_ivr_ends_it_abandoned(
    db_file: Path, tmp_path: Path
) -> None:
    """A caller lost at the IVR's menu ends there as `abandoned_ivr` (it never reached a
    queue: no interaction outcome); the next call reaches the menu on the new worker."""
    require(shutil.which("espeak-ng") is not None, "espeak-ng (scripts/install-test-deps.sh)")

    async def scenario() -> None:
        async with ivr_center(
            db_file,
            tmp_path,
            at=OPEN,
            billing_api="http://127.0.0.1:9",
            prompts=tmp_path / "prompts",
            media="worker",
        ) as (c, ivr):
            caller = await c.carrier("uac_bye_after_worker_loss.xml", "-d", "8000")
            await asked_at(ivr, "main_menu", prompts_played=False)
            first_worker, sip_port = await kill_worker(c)

            await until(lambda: ivr_events(c, "ended"), 15, "the IVR's end")
            [ended] = ivr_events(c, "ended")
            assert (ended.payload["node"], ended.payload["outcome"]) == (
                "main_menu",
                "abandoned_ivr",
            )
            await until(lambda: stale(c, ivr) == [], 10, "nothing left of the lost call")
            await worker_restarted(c, first_worker, sip_port)
            assert await wait_process(caller, 40) == 0  # its BYE got 481 from the new run

            sipp = await c.carrier("uac_hangup.xml", "-d", "4000")
            await asked_at(ivr, "main_menu", prompts_played=False)
            assert await wait_process(sipp, 30) == 0
            await until(lambda: len(ivr_events(c, "ended")) == 2, 15, "the next call's end")
            assert c.outcomes() == []  # neither reached a queue
            await no_calls_left(c)
            await until(lambda: stale(c, ivr) == [], 10, "nothing left of the calls")

    run(scenario(), timeout=140)
