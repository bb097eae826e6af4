"""Attended and blind transfers and the three-way conference, end to end on 127.0.0.1.

Every party sends its own tone and records what it hears: the caller (PJSIP) 1600 Hz,
ana 700 Hz, carlos 1000 Hz, and a customer's phone behind the trunk 2300 Hz; frequency
analysis says who heard whom, and when (music on hold in between). A recording holds
about two thirds of the blocks of the time it covers (a phone's tone starts once it
has the ACK): "heard" asks for 1 s of blocks, "not heard" for at most one block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from centralita.app.voice import Trunk, VoiceSettings
from centralita.app.voice_transfer import ConsultNotReady, PartyBusy
from centralita.core import AgentState
from centralita.core.events import (
    AgentEngaged,
    AgentLoggedIn,
    AgentReleased,
    HoldEnded,
    HoldStarted,
    TransferRequested,
)
from telephony import voice_harness
from telephony.tel_helpers import (
    block_sequence,
    blocks_hearing,
    blocks_with,
    free_udp_port,
    hearing,
    log_has,
    start_agent_ua,
    until,
    wait_process,
)
from telephony.voice_harness import (
    Center,
    bridged_call,
    media_flows,
    no_calls_left,
    run,
    start_caller,
    voice_center,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

CALLER_HZ, ANA_HZ, CARLOS_HZ, OUTSIDE_HZ = 1600, 700, 1000, 2300
MOH = [392.0, 494.0, 587.0]
NUMBER = "3009876543"


sip_tools = voice_harness.sip_tools()
db_file = voice_harness.db_file


def settings(tmp_path: Path, outside_port: int) -> VoiceSettings:
    return VoiceSettings(
        announce_first=60,
        announce_every=60,
        media_timeout=5,
        prompts_dir=tmp_path / "prompts",
        trunks=(Trunk("carrier", f"127.0.0.1:{outside_port}", "6015550199"),),
    )


class Parties:
    """The recordings of one test: caller, ana, carlos, the outside number."""

    def __init__(self, tmp: Path) -> None:
        self.caller = tmp / "caller-heard.wav"
        self.ana = tmp / "ana-heard.wav"
        self.carlos = tmp / "carlos-heard.wav"
        self.outside = tmp / "outside-heard.wav"


async def talking_with_ana(c: Center, wavs: Parties, *, carlos: bool = True) -> tuple[Any, Any]:
    """ana (and carlos's phone, logged in after) registered; a caller talking with ana."""
    phones = [await c.phone("ana.log", "ana", "--tone", str(ANA_HZ), "--record", str(wavs.ana))]
    if carlos:
        phones.append(
            await c.phone(
                "carlos.log", "carlos", "--tone", str(CARLOS_HZ), "--record", str(wavs.carlos)
            )
        )
    await until(
        lambda: all(c.registrar.contacts(x) for x in (["1001", "1002"] if carlos else ["1001"])),
        20,
        "the phones to register",
    )
    c.runner.handle(AgentLoggedIn(c.agents["ana"]))
    caller = await start_caller(c, wavs.caller, CALLER_HZ)
    call = await until(lambda: bridged_call(c), 30, "ana's bridge")
    await media_flows(c, call.caller, 50)
    if carlos:
        c.runner.handle(AgentLoggedIn(c.agents["carlos"]))
    return call, caller


async def outside_phone(tmp: Path, port: int, wavs: Parties, *args: str) -> Any:
    phone = await start_agent_ua(
        tmp / "outside.log", "", "", "", "--port", str(port), "--answer", "after:0.5",
        "--tone", str(OUTSIDE_HZ), "--record", str(wavs.outside), *args,
    )  # fmt: skip
    await until(lambda: log_has(tmp / "outside.log", "listening"), 20, "the outside phone")
    return phone


def indexes(sequence: list[float | None], freqs: list[float]) -> list[int]:
    return [i for i, f in enumerate(sequence) if f in freqs]


def test_given_attended_transfer_to_an_agent_when_completed_then_caller_talks_with_them(
    db_file: Path, tmp_path: Path
) -> None:
    wavs = Parties(tmp_path)

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana", "carlos")) as c:
            call, caller = await talking_with_ana(c, wavs)
            iid = call.interaction_id
            with pytest.raises(ConsultNotReady):
                await c.voice.transfers.complete(iid)  # nothing to complete yet
            await c.voice.transfers.consult(iid, agent_id=c.agents["carlos"])
            await until(lambda: c.voice.transfers.parties[iid].up, 20, "carlos to answer")
            assert call.held
            # the core holds carlos busy with this call: no queue call rings him meanwhile
            carlos = c.runner.center.router.agent_snapshot(c.agents["carlos"])
            assert (carlos.state, carlos.engaged) == (AgentState.TALKING, (iid,))
            await media_flows(c, call.caller, 100)  # 2 s: ana and carlos talk, music
            await c.voice.transfers.complete(iid)
            await until(
                lambda: call.bridged and call.agent_id == c.agents["carlos"], 20, "the handover"
            )
            await media_flows(c, call.caller, 100)
            await c.engine.hangup(call.caller)
            await wait_process(caller, 20)
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            answered_by = [e.agent_id for e in c.stored("acd.interaction_answered")]
            assert answered_by == [int(c.agents["ana"]), int(c.agents["carlos"])]
            [moved] = c.stored("acd.interaction_transferred")
            assert moved.payload["to_agent"] == c.agents["carlos"]
            await no_calls_left(c)
            assert (tmp_path / "carlos.log").read_text().count("incoming") == 1  # rang once

    run(scenario())
    sequence = block_sequence(wavs.caller, [ANA_HZ, CARLOS_HZ, *MOH])
    ana, carlos = indexes(sequence, [ANA_HZ]), indexes(sequence, [CARLOS_HZ])
    music = [i for i in indexes(sequence, MOH) if i > min(ana)]  # the consultation
    assert len(music) >= 10 and len(carlos) >= 10, sequence
    assert max(ana) < min(music) and max(music) < min(carlos), sequence
    assert blocks_with(wavs.carlos, [ANA_HZ]) >= 10  # the consultation
    assert blocks_with(wavs.carlos, [CALLER_HZ]) >= 10  # then the caller
    assert blocks_with(wavs.carlos, MOH) <= 1


def test_given_attended_transfer_when_cancelled_then_caller_is_back_with_the_agent(
    db_file: Path, tmp_path: Path
) -> None:
    wavs = Parties(tmp_path)

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana", "carlos")) as c:
            call, caller = await talking_with_ana(c, wavs)
            iid = call.interaction_id
            carlos = c.agents["carlos"]
            c.runner.handle(AgentEngaged(carlos, "another-call"))  # carlos is busy...
            with pytest.raises(PartyBusy):  # ...so he is not called, the caller not held
                await c.voice.transfers.consult(iid, agent_id=carlos)
            assert not call.held and iid not in c.voice.transfers.parties
            c.runner.handle(AgentReleased(carlos, "another-call"))
            await c.voice.transfers.consult(iid, agent_id=carlos)
            await until(lambda: c.voice.transfers.parties[iid].up, 20, "carlos to answer")
            await media_flows(c, call.caller, 100)
            await c.voice.transfers.cancel(iid)
            await until(lambda: not call.held, 20, "the caller to be resumed")
            await until(lambda: log_has(tmp_path / "carlos.log", "ended"), 10, "carlos let go")
            snap = c.runner.center.router.agent_snapshot(carlos)  # free for the queue again
            assert (snap.state, snap.engaged) == (AgentState.AVAILABLE, ())
            await media_flows(c, call.caller, 100)
            await c.engine.hangup(call.caller)
            await wait_process(caller, 20)
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            assert c.stored("acd.interaction_transferred") == []
            await no_calls_left(c)

    run(scenario())
    sequence = block_sequence(wavs.caller, [ANA_HZ, CARLOS_HZ, *MOH])
    ana = indexes(sequence, [ANA_HZ])
    music = [i for i in indexes(sequence, MOH) if i > min(ana)]
    assert len(music) >= 10, sequence
    assert min(ana) < min(music) and max(ana) > max(music), sequence  # ana, music, ana
    assert indexes(sequence, [CARLOS_HZ]) == [], sequence  # never heard carlos
    assert blocks_with(wavs.carlos, [ANA_HZ]) >= 10
    assert blocks_with(wavs.carlos, [CALLER_HZ]) <= 1


def test_given_attended_transfer_to_a_number_when_completed_then_agent_wraps_up(
    db_file: Path, tmp_path: Path
) -> None:
    wavs, port = Parties(tmp_path), free_udp_port()

    async def scenario() -> None:
        async with voice_center(
            db_file, tmp_path, auto_answer=("ana",), settings=settings(tmp_path, port)
        ) as c:
            outside = await outside_phone(tmp_path, port, wavs, "--hangup-after", "5")
            call, caller = await talking_with_ana(c, wavs, carlos=False)
            iid = call.interaction_id
            await c.voice.transfers.consult(iid, number=NUMBER, trunk="carrier")
            await until(lambda: c.voice.transfers.parties[iid].up, 20, "the number to answer")
            await media_flows(c, call.caller, 75)
            await c.voice.transfers.complete(iid)
            await until(lambda: log_has(tmp_path / "ana.log", "ended"), 10, "ana let go")
            assert c.agent_state("ana")[0] == "wrap_up"
            # the outside party hangs up after its 5 s: the center hangs the caller up
            assert await wait_process(caller, 30) == 0
            assert await wait_process(outside, 20) == 0
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            await no_calls_left(c)
            assert c.voice.calls == {}

    run(scenario())
    assert blocks_with(wavs.outside, [ANA_HZ]) >= 10  # the consultation
    assert blocks_with(wavs.outside, [CALLER_HZ]) >= 15  # then the caller
    assert blocks_with(wavs.caller, [OUTSIDE_HZ]) >= 15


def test_given_blind_transfer_to_an_agent_then_their_phone_rings_and_takes_the_caller(
    db_file: Path, tmp_path: Path
) -> None:
    wavs = Parties(tmp_path)

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana", "carlos")) as c:
            call, caller = await talking_with_ana(c, wavs)
            c.runner.handle(TransferRequested(call.interaction_id, agent_id=c.agents["carlos"]))
            await until(lambda: log_has(tmp_path / "ana.log", "ended"), 20, "ana let go")
            await until(
                lambda: call.bridged and call.agent_id == c.agents["carlos"], 20, "carlos's bridge"
            )
            await media_flows(c, call.caller, 150)  # 3 s with carlos
            await c.engine.hangup(call.caller)
            await wait_process(caller, 20)
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            [moved] = c.stored("acd.interaction_transferred")
            assert (moved.payload["from_agent"], moved.payload["to_agent"]) == (
                c.agents["ana"],
                c.agents["carlos"],
            )
            await no_calls_left(c)

    run(scenario())
    assert blocks_with(wavs.caller, [CARLOS_HZ]) >= 10
    assert blocks_with(wavs.carlos, [CALLER_HZ]) >= 10
    assert blocks_with(wavs.carlos, [ANA_HZ]) <= 1  # blind: they never spoke


def test_given_blind_transfer_to_a_number_then_caller_talks_with_it_and_agent_wraps_up(
    db_file: Path, tmp_path: Path
) -> None:
    wavs, port = Parties(tmp_path), free_udp_port()

    async def scenario() -> None:
        async with voice_center(
            db_file, tmp_path, auto_answer=("ana",), settings=settings(tmp_path, port)
        ) as c:
            outside = await outside_phone(tmp_path, port, wavs)
            call, caller = await talking_with_ana(c, wavs, carlos=False)
            await c.voice.transfers.transfer_to_number(call.interaction_id, NUMBER, "carrier")
            await until(lambda: log_has(tmp_path / "ana.log", "ended"), 10, "ana let go")
            assert c.agent_state("ana")[0] == "wrap_up"
            await until(lambda: log_has(tmp_path / "outside.log", "answered"), 20, "the number")
            await until(lambda: call.bridged, 10, "the caller's bridge with the number")
            await media_flows(c, call.caller, 150)  # 3 s with the number
            await c.engine.hangup(call.caller)  # the caller ends it: the number goes too
            await wait_process(caller, 20)
            assert await wait_process(outside, 20) == 0
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            await no_calls_left(c)

    run(scenario())
    assert blocks_with(wavs.caller, [OUTSIDE_HZ]) >= 10
    assert blocks_with(wavs.outside, [CALLER_HZ]) >= 10
    assert blocks_with(wavs.outside, [ANA_HZ]) <= 1


def test_given_three_way_conference_then_each_party_hears_both_others(
    db_file: Path, tmp_path: Path
) -> None:
    wavs = Parties(tmp_path)

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana", "carlos")) as c:
            call, caller = await talking_with_ana(c, wavs)
            await c.voice.transfers.conference(call.interaction_id, agent_id=c.agents["carlos"])
            await until(lambda: answered_in(tmp_path / "carlos.log"), 20, "carlos to answer")
            await until(lambda: c.voice.transfers.conferenced, 5, "the conference")
            router = c.runner.center.router
            assert router.agent_snapshot(c.agents["carlos"]).engaged == (call.interaction_id,)
            await media_flows(c, call.caller, 150)
            # ana holds the caller (music; ana and carlos go on talking), then resumes
            c.runner.handle(HoldStarted(call.interaction_id))
            await until(lambda: call.held, 10, "the hold")
            await media_flows(c, call.caller, 100)
            c.runner.handle(HoldEnded(call.interaction_id))
            await until(lambda: not call.held, 10, "the resume")
            await media_flows(c, call.caller, 150)
            await c.engine.hangup(call.caller)  # the call ends for everybody
            await wait_process(caller, 20)
            await until(lambda: log_has(tmp_path / "carlos.log", "ended"), 10, "carlos let go")
            await no_calls_left(c)
            assert c.voice.transfers.conferenced == {}
            snap = router.agent_snapshot(c.agents["carlos"])  # released with his leg
            assert (snap.state, snap.engaged) == (AgentState.AVAILABLE, ())

    run(scenario())
    for wav, others in (
        (wavs.caller, (ANA_HZ, CARLOS_HZ)),
        (wavs.ana, (CALLER_HZ, CARLOS_HZ)),
        (wavs.carlos, (CALLER_HZ, ANA_HZ)),
    ):
        for freq in others:
            assert blocks_hearing(wav, freq) >= 10, (wav.name, freq)
    # after the hold the caller is back in the conference: hears carlos again, not only ana
    tunes = [hearing(wavs.caller, freq) for freq in MOH]
    music = [i for i, heard in enumerate(zip(*tunes, strict=True)) if any(heard)]
    assert len(music) >= 5, music
    after = hearing(wavs.caller, CARLOS_HZ)[max(music) + 1 :]
    assert sum(after) >= 10, after


def answered_in(log: Path) -> bool:
    return log_has(log, "answered")
