"""Voice end to end on 127.0.0.1: a carrier's call (sipp, or a PJSIP caller) reaches the
live center through the SIP engine, waits with music and a position announcement, and
rings the station of the agent the core chose (a PJSIP phone registered with digest
credentials). Audio is checked in both directions by frequency analysis."""

from __future__ import annotations

from pathlib import Path

import pytest

from centralita.app.voice import VoiceSettings
from centralita.core.events import (
    AgentLoggedIn,
    AgentPaused,
    HoldEnded,
    HoldStarted,
    TransferRequested,
)
from telephony import voice_harness
from telephony.tel_helpers import (
    block_sequence,
    blocks_with,
    log_has,
    loud_blocks_without,
    stop_process,
    until,
    wait_process,
)
from telephony.voice_harness import (
    bridged_call,
    media_flows,
    no_calls_left,
    registered,
    run,
    start_caller,
    voice_center,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

MOH = [392.0, 494.0, 587.0]
AGENT_HZ, CALLER_HZ = 1000, 1600

sip_tools = voice_harness.sip_tools("sipp", "espeak-ng")
db_file = voice_harness.db_file


def answered(log: Path) -> bool:
    return log_has(log, "answered")


def test_given_auto_answer_station_when_customer_calls_then_both_hear_each_other_and_wrap_up_starts(
    db_file: Path, tmp_path: Path
) -> None:
    agent_wav, caller_wav = tmp_path / "agent-heard.wav", tmp_path / "caller-heard.wav"
    settings = VoiceSettings(
        announce_first=2.0, announce_every=60, media_timeout=5, prompts_dir=tmp_path / "prompts"
    )

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana",), settings=settings) as c:
            phone = await c.phone(
                "ana.log", "ana", "--answer", "auto", "--tone", str(AGENT_HZ),
                "--record", str(agent_wav), "--hangup-after", "3",
            )  # fmt: skip
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            caller = await start_caller(c, caller_wav, CALLER_HZ, hold=40, timeout=60)
            # nobody is logged in: the caller waits, with music, and hears its position
            await until(lambda: c.voice.prompts_finished, 30, "the position announcement")
            assert [position for _, position in c.voice.announced] == [1]
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            await until(lambda: log_has(tmp_path / "ana.log", "ended"), 30, "the agent's hang-up")
            rc = await wait_process(caller, 30)
            assert rc == 0, (tmp_path / "caller.log").read_text()[-3000:]
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            assert c.agent_state("ana")[0] == "wrap_up"
            await no_calls_left(c)
            assert await stop_process(phone) == 0
            assert log_has(tmp_path / "ana.log", "auto=True")

    run(scenario())
    # each side hears the other's tone for most of the 3 s talk, and not its own
    assert blocks_with(agent_wav, [CALLER_HZ]) >= 15
    assert blocks_with(agent_wav, [AGENT_HZ]) <= 2
    assert blocks_with(caller_wav, [AGENT_HZ]) >= 15
    assert blocks_with(caller_wav, [CALLER_HZ]) <= 2
    # before that, the caller heard music on hold and a spoken announcement
    assert blocks_with(caller_wav, MOH) >= 3
    assert loud_blocks_without(caller_wav, [*MOH, AGENT_HZ, CALLER_HZ]) >= 10


def test_given_first_agent_does_not_answer_then_call_returns_to_queue_and_next_agent_takes_it(
    db_file: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, ring_timeout=3, auto_answer=("carlos",)) as c:
            ana = await c.phone("ana.log", "ana", "--answer", "ring")
            carlos = await c.phone(
                "carlos.log", "carlos", "--answer", "auto", "--hangup-after", "1"
            )
            await registered(c, "1001", "1002")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))  # idle longest: offered first
            c.runner.handle(AgentLoggedIn(c.agents["carlos"]))
            sipp = await c.carrier("uac_until_bye.xml")
            await until(
                lambda: log_has(tmp_path / "ana.log", "incoming"), 20, "ana's phone to ring"
            )
            await until(
                lambda: log_has(tmp_path / "carlos.log", "answered"), 20, "carlos to answer"
            )
            assert await wait_process(sipp, 30) == 0  # the carrier got our BYE after the talk
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            assert log_has(tmp_path / "ana.log", " 487 ")  # her ringing was cancelled
            [cancelled] = c.stored("acd.offer_cancelled")
            assert (cancelled.agent_id, cancelled.payload["cause"]) == (
                int(c.agents["ana"]),
                "no_answer",
            )
            [answered] = c.stored("acd.interaction_answered")
            assert answered.agent_id == int(c.agents["carlos"])
            assert c.agent_state("ana") == ("not_ready", "missed")
            await no_calls_left(c)
            for phone in (ana, carlos):
                assert await stop_process(phone) == 0

    run(scenario())


def test_given_caller_hangs_up_while_queued_then_it_counts_as_abandoned(
    db_file: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with voice_center(db_file, tmp_path) as c:
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            c.runner.handle(AgentPaused(c.agents["ana"], "break"))  # logged in, not taking
            sipp = await c.carrier("uac_hangup.xml", "-d", "1500")
            assert await wait_process(sipp, 30) == 0
            await until(lambda: c.outcomes(), 10, "the interaction's outcome")
            assert c.outcomes() == ["short_abandoned"]  # gave up within 5 s
            await no_calls_left(c)
            assert c.voice.calls == {}

    run(scenario())


def test_given_caller_hangs_up_while_agent_phone_rings_then_ringing_stops(
    db_file: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, ring_timeout=30) as c:
            ana = await c.phone("ana.log", "ana", "--answer", "ring")
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            sipp = await c.carrier("uac_hangup.xml", "-d", "2500")
            await until(
                lambda: log_has(tmp_path / "ana.log", "incoming"), 20, "ana's phone to ring"
            )
            assert await wait_process(sipp, 30) == 0
            await until(lambda: log_has(tmp_path / "ana.log", " 487 "), 10, "the ringing to stop")
            await until(lambda: c.outcomes(), 10, "the interaction's outcome")
            assert c.outcomes() in (["short_abandoned"], ["abandoned"])
            [cancelled] = c.stored("acd.offer_cancelled")
            assert cancelled.payload["cause"] == "caller_left"
            assert c.agent_state("ana") == ("available", None)
            await no_calls_left(c)
            assert await stop_process(ana) == 0

    run(scenario())


def test_given_station_with_wrong_password_then_refusal_is_logged_and_its_agent_gets_no_call(
    db_file: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("carlos",)) as c:
            bad = await c.phone("ana.log", "ana", "--exit-on-refusal", pw="not-her-password")
            assert await wait_process(bad, 20) == 3  # PJSIP saw the 403
            carlos = await c.phone("carlos.log", "carlos", "--hangup-after", "1")
            await until(lambda: c.registrar.contacts("1002"), 20, "carlos's phone to register")
            assert c.registrar.contacts("1001") == []
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))  # first in line, but no phone
            c.runner.handle(AgentLoggedIn(c.agents["carlos"]))
            sipp = await c.carrier("uac_until_bye.xml")
            assert await wait_process(sipp, 30) == 0
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            [cancelled] = c.stored("acd.offer_cancelled")
            assert (cancelled.agent_id, cancelled.payload["cause"]) == (
                int(c.agents["ana"]),
                "rejected",
            )
            [answered_by] = c.stored("acd.interaction_answered")
            assert answered_by.agent_id == int(c.agents["carlos"])
            assert c.agent_state("ana") == ("not_ready", "missed")
            [refused] = c.stored("station.registration_refused")
            assert refused.tenant_id == c.tenant_id
            assert (refused.payload["extension"], refused.payload["reason"]) == (
                "1001",
                "bad-password",
            )
            assert c.stored("station.registered")[0].payload["extension"] == "1002"
            assert await stop_process(carlos) == 0

    run(scenario())


def test_given_agent_phone_vanishes_mid_call_then_call_ends_and_nothing_leaks(
    db_file: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana",)) as c:
            ana = await c.phone("ana.log", "ana", "--tone", str(AGENT_HZ))
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            sipp = await c.carrier("uac_until_bye.xml")
            await until(lambda: answered(tmp_path / "ana.log"), 20, "ana's phone to answer")
            await until(
                lambda: any(call.bridged for call in c.voice.calls.values()), 10, "the bridge"
            )
            ana.kill()  # no BYE, no more RTP, no unREGISTER
            await ana.wait()
            assert await wait_process(sipp, 30) == 0  # the center hung the customer up
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            assert c.agent_state("ana")[0] == "wrap_up"
            assert c.registrar.contacts("1001") == []
            assert [e.reason for e in c.registrar_events if hasattr(e, "reason")] == ["vanished"]
            # the BYE to the dead phone times out (PJSIP's Timer F, 32 s), then the leg goes
            await no_calls_left(c, timeout=45)
            assert c.voice.calls == {}

    run(scenario())


def test_given_talking_when_agent_holds_then_caller_hears_music_until_resumed(
    db_file: Path, tmp_path: Path
) -> None:
    caller_wav, agent_wav = tmp_path / "caller-heard.wav", tmp_path / "agent-heard.wav"

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana",)) as c:
            ana = await c.phone(
                "ana.log", "ana", "--tone", str(AGENT_HZ), "--record", str(agent_wav)
            )
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            caller = await start_caller(c, caller_wav, CALLER_HZ)
            call = await until(lambda: bridged_call(c), 30, "the bridge")
            await media_flows(c, call.caller, 75)  # 1.5 s of talk
            c.runner.handle(HoldStarted(call.interaction_id))
            await until(lambda: call.held, 10, "the hold")
            await media_flows(c, call.caller, 100)  # 2 s of music
            c.runner.handle(HoldEnded(call.interaction_id))
            await until(lambda: not call.held, 10, "the resume")
            await media_flows(c, call.caller, 75)
            await c.engine.hangup(call.caller)  # the center ends it; the caller exits
            await wait_process(caller, 20)
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            kinds = [e.kind for e in c.stored("acd.interaction_held")]
            assert kinds == ["acd.interaction_held"]
            await no_calls_left(c)
            await stop_process(ana)

    run(scenario())
    profile = block_sequence(caller_wav, [AGENT_HZ, *MOH])
    # talk, then music on hold, then talk again
    talk = [i for i, f in enumerate(profile) if f == AGENT_HZ]
    music = [i for i, f in enumerate(profile) if f in MOH]
    assert len(music) >= 15, profile
    assert len(talk) >= 20, profile
    assert min(talk) < min(music) and max(talk) > max(music), profile
    assert blocks_with(agent_wav, MOH) <= 2  # the agent does not hear the hold music


def test_given_talking_when_agent_transfers_to_queue_then_next_agent_takes_the_caller(
    db_file: Path, tmp_path: Path
) -> None:
    caller_wav = tmp_path / "caller-heard.wav"

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana", "carlos")) as c:
            ana = await c.phone("ana.log", "ana", "--tone", "700")
            carlos = await c.phone("carlos.log", "carlos", "--tone", str(AGENT_HZ))
            await registered(c, "1001", "1002")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))  # idle longest: answers first
            caller = await start_caller(c, caller_wav, CALLER_HZ)
            call = await until(lambda: bridged_call(c), 30, "ana's bridge")
            # 2 s with ana: her tone starts only once her phone has the ACK, ~0.5 s in
            await media_flows(c, call.caller, 100)
            c.runner.handle(AgentLoggedIn(c.agents["carlos"]))
            queue = c.runner.center.router.interaction_snapshot(call.interaction_id).queue_id
            c.runner.handle(TransferRequested(call.interaction_id, queue=queue))
            await until(lambda: log_has(tmp_path / "ana.log", "ended"), 20, "ana to be let go")
            await until(lambda: answered(tmp_path / "carlos.log"), 20, "carlos to answer")
            again = await until(lambda: bridged_call(c), 20, "carlos's bridge")
            await media_flows(c, again.caller, 150)  # 3 s with carlos
            await c.engine.hangup(again.caller)
            await wait_process(caller, 20)
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            [moved] = c.stored("acd.interaction_transferred")
            assert moved.payload["from_agent"] == c.agents["ana"]
            answered_by = [e.agent_id for e in c.stored("acd.interaction_answered")]
            assert answered_by == [int(c.agents["ana"]), int(c.agents["carlos"])]
            await no_calls_left(c)
            for phone in (ana, carlos):
                await stop_process(phone)

    run(scenario())
    assert blocks_with(caller_wav, [700]) >= 5  # ana first
    assert blocks_with(caller_wav, [AGENT_HZ]) >= 15  # then carlos
