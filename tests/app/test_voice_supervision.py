"""Supervisor listen, whisper and barge end to end on 127.0.0.1: a caller (PJSIP, one
tone), the agent's phone (another tone) and the supervisor's phone (a third tone) each
record what they hear, and frequency analysis says who heard whom (and when: barging
into a call on hold reaches the agent only, the caller once it is resumed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from centralita.app.voice import VoiceCall
from centralita.app.voice_supervision import CallNotBridged, MonitorMode
from centralita.core.events import AgentLoggedIn, HoldEnded, HoldStarted
from telephony import voice_harness
from telephony.tel_helpers import (
    block_sequence,
    blocks_hearing,
    hearing,
    log_has,
    until,
    wait_process,
)
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

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ = 1600, 1000, 2300
MOH = [392.0, 494.0, 587.0]  # the notes of the music on hold


sip_tools = voice_harness.sip_tools("espeak-ng")
db_file = voice_harness.db_file


def wavs(tmp: Path) -> tuple[Path, Path, Path]:
    """What the caller, ana and the supervisor hear."""
    return tmp / "caller-heard.wav", tmp / "agent-heard.wav", tmp / "supervisor-heard.wav"


async def monitored_call(c: Center, tmp: Path) -> tuple[tuple[Any, Any], Any, VoiceCall]:
    """ana's and the supervisor's phones registered, each sending its tone and recording
    (`wavs`); a caller talking with ana. ((ana, boss) phones, the caller, the call)."""
    caller_wav, agent_wav, supervisor_wav = wavs(tmp)
    ana = await c.phone("ana.log", "ana", "--tone", str(AGENT_HZ), "--record", str(agent_wav))
    boss = await c.phone(
        "boss.log", "supervisora", "--tone", str(SUPERVISOR_HZ), "--record", str(supervisor_wav)
    )
    await registered(c, "1001", "1009")
    c.runner.handle(AgentLoggedIn(c.agents["ana"]))
    caller = await start_caller(c, caller_wav, CALLER_HZ)
    call = await until(lambda: bridged_call(c), 30, "the bridge")
    await media_flows(c, call.caller, 50)
    return (ana, boss), caller, call


# (how the supervisor joins, then what it switches to, or None)
MODES = [
    (MonitorMode.LISTEN, None),
    (MonitorMode.WHISPER, None),
    (MonitorMode.BARGE, None),
    (MonitorMode.LISTEN, MonitorMode.BARGE),
]


@pytest.mark.parametrize(("mode", "then"), MODES, ids=["listen", "whisper", "barge", "switch"])
def test_given_bridged_call_when_supervisor_joins_then_only_the_right_parties_hear_them(
    db_file: Path, tmp_path: Path, mode: MonitorMode, then: MonitorMode | None
) -> None:
    caller_wav, agent_wav, supervisor_wav = wavs(tmp_path)

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana", "supervisora")) as c:
            (ana, boss), caller, call = await monitored_call(c, tmp_path)
            supervision = c.voice.supervision
            await supervision.monitor(call.interaction_id, c.agents["supervisora"], mode)
            monitor = await until(
                lambda: next((m for m in supervision.monitors.values() if m.applied), None),
                20,
                "the supervisor's phone to answer",
            )
            await media_flows(c, call.caller, 150)  # 3 s monitored
            if then is not None:
                await supervision.change(call.interaction_id, c.agents["supervisora"], then)
                await media_flows(c, call.caller, 150)
            assert monitor.mode is (then or mode)
            await c.engine.hangup(call.caller)  # the call ends; the supervisor is let go
            await wait_process(caller, 20)
            await until(lambda: log_has(tmp_path / "boss.log", "ended"), 15, "the supervisor leg")
            await no_calls_left(c)
            assert supervision.monitors == {}
            for phone in (ana, boss):  # each exits by itself after its one call
                assert await wait_process(phone, 20) == 0

    run(scenario())
    final = then or mode
    # the supervisor hears both sides, mixed
    assert blocks_hearing(supervisor_wav, CALLER_HZ) >= 15
    assert blocks_hearing(supervisor_wav, AGENT_HZ) >= 15
    assert blocks_hearing(supervisor_wav, SUPERVISOR_HZ) <= 1
    # the agent hears the supervisor in whisper and barge; the caller only in barge
    agent_heard = blocks_hearing(agent_wav, SUPERVISOR_HZ)
    caller_heard = blocks_hearing(caller_wav, SUPERVISOR_HZ)
    if final is MonitorMode.LISTEN:
        assert agent_heard <= 1 and caller_heard <= 1, (agent_heard, caller_heard)
    elif final is MonitorMode.WHISPER:
        assert agent_heard >= 10 and caller_heard <= 1, (agent_heard, caller_heard)
    else:
        assert agent_heard >= 10 and caller_heard >= 10, (agent_heard, caller_heard)
    if then is not None:  # 3 s listening, then 3 s barging: heard in the second half only
        assert caller_heard <= 40, caller_heard
    # and the two talking parties still hear each other throughout
    assert blocks_hearing(agent_wav, CALLER_HZ) >= 20
    assert blocks_hearing(caller_wav, AGENT_HZ) >= 20


def test_given_held_call_when_supervisor_barges_then_agent_hears_them_and_caller_after_resume(
    db_file: Path, tmp_path: Path
) -> None:
    caller_wav, agent_wav, supervisor_wav = wavs(tmp_path)

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana", "supervisora")) as c:
            phones, caller, call = await monitored_call(c, tmp_path)
            iid, supervision = call.interaction_id, c.voice.supervision
            c.runner.handle(HoldStarted(iid))
            await until(lambda: call.held, 10, "the hold")
            assert c.agent_state("ana")[0] == "on_hold"
            await supervision.monitor(iid, c.agents["supervisora"], MonitorMode.BARGE)
            await until(
                lambda: any(m.applied for m in supervision.monitors.values()),
                20,
                "the supervisor's phone to answer",
            )
            await media_flows(c, call.caller, 150)  # 3 s barging into the held call
            c.runner.handle(HoldEnded(iid))
            await until(lambda: not call.held, 10, "the resume")
            await media_flows(c, call.caller, 150)  # 3 s barging into the conversation
            await c.engine.hangup(call.caller)
            await wait_process(caller, 20)
            await no_calls_left(c)
            assert supervision.monitors == {}
            for phone in phones:
                assert await wait_process(phone, 20) == 0

    run(scenario())
    # held: the supervisor hears ana (not the caller, who hears music), ana hears them
    heard_caller = hearing(supervisor_wav, CALLER_HZ)
    resumed = heard_caller.index(True)
    assert sum(hearing(supervisor_wav, AGENT_HZ)[:resumed]) >= 15, resumed
    assert blocks_hearing(agent_wav, SUPERVISOR_HZ) >= 20
    # resumed: the supervisor hears the caller too, and the caller hears the barge only now
    assert sum(heard_caller) >= 15
    music = [i for i, f in enumerate(block_sequence(caller_wav, MOH)) if f is not None]
    caller_heard = hearing(caller_wav, SUPERVISOR_HZ)
    assert len(music) >= 10 and sum(caller_heard[: max(music)]) <= 1, (music, caller_heard)
    assert sum(caller_heard[max(music) :]) >= 10
    assert blocks_hearing(supervisor_wav, SUPERVISOR_HZ) <= 1


def test_given_call_not_yet_answered_then_monitoring_is_refused(
    db_file: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with voice_center(db_file, tmp_path) as c:
            with pytest.raises(CallNotBridged) as refused:
                await c.voice.supervision.monitor("nope", c.agents["supervisora"], "listen")  # type: ignore[arg-type]
            assert refused.value.to_dict()["code"] == "call-not-bridged"

    run(scenario())
