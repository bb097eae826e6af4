"""Voice with the SIP engine in a media worker process (`centralita media`), as `serve`
runs it: the call path is the same as in-process, and a worker killed mid-call ends
its calls in the core (agents not left busy, each interaction with its outcome), is
restarted on the same port (answering the old calls' BYEs with 481) and takes the next
call."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from centralita.app.voice import VoiceSettings
from centralita.core.events import AgentLoggedIn
from centralita.telephony.remote import RemoteEngine
from telephony import voice_harness
from telephony.tel_helpers import blocks_with, log_has, stop_process, until, wait_process
from telephony.voice_harness import (
    bridged_call,
    media_flows,
    no_calls_left,
    run,
    start_caller,
    voice_center,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]

AGENT_HZ, CALLER_HZ = 1000, 1600

sip_tools = voice_harness.sip_tools("sipp")
db_file = voice_harness.db_file


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
    settings = VoiceSettings(
        announce_first=60, announce_every=60, media_timeout=30, prompts_dir=tmp_path / "prompts"
    )

    async def scenario() -> None:
        async with voice_center(
            db_file, tmp_path, auto_answer=("ana", "carlos"), settings=settings, media="worker"
        ) as c:
            assert isinstance(c.engine, RemoteEngine) and c.media.worker is not None
            ana = await c.phone(
                "ana.log", "ana", "--answer", "auto", "--tone", str(AGENT_HZ),
                "--hangup-after", "10", "--calls", "2",
            )  # fmt: skip
            carlos = await c.phone(
                "carlos.log", "carlos", "--answer", "auto", "--hangup-after", "2"
            )
            await until(
                lambda: c.registrar.contacts("1001") and c.registrar.contacts("1002"),
                20,
                "both phones to register",
            )
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            caller = await c.carrier("uac_bye_after_worker_loss.xml", "-d", "8000")
            call = await until(lambda: bridged_call(c), 30, "the first call to be bridged")
            assert call.agent_leg is not None
            await media_flows(c, call.agent_leg, 25)
            first_worker, sip_port = c.media.worker.pid, c.engine.port
            assert first_worker is not None
            os.kill(first_worker, signal.SIGKILL)

            # the core ends the call like a hang-up: ana wraps up, the call has its outcome
            await until(lambda: c.outcomes() == ["answered"], 15, "the first call's outcome")
            assert c.agent_state("ana")[0] in ("wrap_up", "available")
            assert c.voice.calls == {}
            # serve's supervisor starts a new worker on the same port; the client is back
            await until(
                lambda: c.engine.connected.is_set() and c.media.worker.pid != first_worker,  # type: ignore[union-attr]
                30,
                "the worker to be restarted",
            )
            assert c.engine.port == sip_port and c.media.worker.restarts == 1
            assert await c.engine.call_count() == 0  # the new run starts empty
            # the old call's BYE reaches the new run, which owns no such dialog: 481
            # (sipp exits 0 only on that answer)
            assert await wait_process(caller, 40) == 0

            # the next call is bridged by the new worker
            c.runner.handle(AgentLoggedIn(c.agents["carlos"]))
            sipp = await c.carrier("uac_until_bye.xml")
            await until(lambda: bridged_call(c), 30, "the second call to be bridged")
            assert await wait_process(sipp, 30) == 0  # our BYE came after the agent's
            await until(lambda: len(c.outcomes()) == 2, 15, "the second call's outcome")
            assert c.outcomes() == ["answered", "answered"]
            await no_calls_left(c)
            for phone in (ana, carlos):
                await stop_process(phone)

    run(scenario(), timeout=140)
