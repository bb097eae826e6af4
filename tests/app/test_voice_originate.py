"""Originate end to end on 127.0.0.1: the center places calls through a trunk (sipp
playing the carrier for each SIP cause, or a PJSIP phone behind the "trunk" when audio
matters) and reports ringing and one result per attempt; click-to-call rings the
agent's station first and bridges it with the number; a number can be put in a queue."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from centralita.app import intake
from centralita.app.voice import VoiceSettings
from centralita.app.voice_originate import (
    NoSuchTrunk,
    Originate,
    OriginateEnded,
    OriginateEvent,
    OriginateResult,
    OriginateRinging,
    Outcome,
    ScriptedOriginator,
    Trunk,
    outcome_of,
)
from centralita.core import AgentState
from centralita.core.events import AgentEngaged, AgentLoggedIn, AgentReleased
from centralita.store.models import Interaction
from telephony import voice_harness
from telephony.tel_helpers import (
    SIPP_DIR,
    blocks_with,
    free_udp_port,
    log_has,
    start_agent_ua,
    stop_process,
    until,
    wait_process,
)
from telephony.voice_harness import SALES_DNIS, no_calls_left, run, voice_center

CALLER_ID = "6015550199"
NUMBER = "3001234567"
AGENT_HZ, CUSTOMER_HZ, RINGBACK_HZ = 1000, 1600, 425


@pytest.mark.parametrize(
    ("status", "rang", "timed_out", "outcome"),
    [
        (200, True, False, Outcome.ANSWERED),
        (486, True, False, Outcome.BUSY),
        (600, False, False, Outcome.BUSY),
        (487, True, True, Outcome.NO_ANSWER),  # our CANCEL after the ring timeout
        (408, False, True, Outcome.FAILED),  # timed out without a single provisional
        (480, True, False, Outcome.NO_ANSWER),
        (408, False, False, Outcome.FAILED),  # PJSIP's Timer B: nobody there
        (603, True, False, Outcome.REJECTED),
        (404, False, False, Outcome.REJECTED),
        (503, True, False, Outcome.FAILED),
        (500, False, False, Outcome.FAILED),
    ],
)
def test_outcome_of_a_placed_call_follows_its_sip_cause(
    status: int, rang: bool, timed_out: bool, outcome: Outcome
) -> None:
    assert outcome_of(status, rang=rang, timed_out=timed_out) is outcome


def test_scripted_originator_reports_like_the_real_one() -> None:
    port = ScriptedOriginator({NUMBER: (Outcome.BUSY, 486)})
    seen: list[OriginateEvent] = []
    port.on_event(seen.append)
    asyncio.run(port.originate(Originate("r1", NUMBER, "carrier", tenant_id=1)))
    assert seen == [
        OriginateRinging("r1", 180),
        OriginateResult("r1", Outcome.BUSY, 486, "busy"),
    ]


# --- end to end ------------------------------------------------------------------------


sip_tools = voice_harness.sip_tools("sipp", autouse=False)
db_file = voice_harness.db_file


def settings_for(tmp_path: Path, carrier_port: int) -> VoiceSettings:
    return VoiceSettings(
        announce_first=60,
        announce_every=60,
        media_timeout=5,
        prompts_dir=tmp_path / "prompts",
        trunks=(Trunk("carrier", f"127.0.0.1:{carrier_port}", CALLER_ID),),
    )


async def start_carrier(tmp_path: Path, port: int, scenario: str, *final: str) -> Any:
    """sipp as the carrier's side of the trunk, answering one call on `port`; `final`
    (status, reason) fills in the template uas_final.xml."""
    path = SIPP_DIR / scenario
    if final:
        status, reason = final
        text = path.read_text().replace("@STATUS@", status).replace("@REASON@", reason)
        path = tmp_path / f"uas_{status}.xml"
        path.write_text(text)
    argv = ["-sf", str(path), "-p", str(port), "-mp", str(free_udp_port())]
    argv += ["-i", "127.0.0.1", "-mi", "127.0.0.1", "-m", "1", "-nostdin"]
    argv += ["-timeout", "60s", "-timeout_error", "-trace_msg"]
    argv += ["-message_file", str(tmp_path / "carrier-messages.log")]
    return await asyncio.create_subprocess_exec(
        "sipp", *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )


def results(seen: list[OriginateEvent]) -> list[OriginateResult]:
    return [e for e in seen if isinstance(e, OriginateResult)]


CAUSES = [
    # (sipp scenario, its final status and reason, the outcome, the SIP status reported)
    ("uas_final.xml", ("486", "Busy Here"), "busy", 486),
    ("uas_final.xml", ("603", "Decline"), "rejected", 603),
    ("uas_final.xml", ("404", "Not Found"), "rejected", 404),
    ("uas_final.xml", ("503", "Service Unavailable"), "failed", 503),
    ("uas_ring.xml", (), "no_answer", 487),
]


@pytest.mark.slow
@pytest.mark.timeout(90)
@pytest.mark.parametrize(("scenario", "args", "outcome", "status"), CAUSES)
def test_given_carrier_refuses_or_never_answers_then_originate_reports_the_sip_cause(
    sip_tools: None,
    db_file: Path,
    tmp_path: Path,
    scenario: str,
    args: tuple[str, ...],
    outcome: str,
    status: int,
) -> None:
    carrier_port = free_udp_port()

    async def scenario_run() -> list[OriginateEvent]:
        settings = settings_for(tmp_path, carrier_port)
        async with voice_center(db_file, tmp_path, settings=settings) as c:
            seen: list[OriginateEvent] = []
            c.voice.originator.on_event(seen.append)
            carrier = await start_carrier(tmp_path, carrier_port, scenario, *args)
            request = Originate("r1", NUMBER, "carrier", c.tenant_id, ring_timeout=2)
            await c.voice.originator.originate(request)
            await until(lambda: results(seen), 20, "the originate result")
            # sipp exits 0 only if its side of the dialogue completed (the ACK, the CANCEL)
            assert await wait_process(carrier, 20) == 0
            await no_calls_left(c)
            assert c.voice.originator.attempts == {}
            [stored] = c.stored("voice.originated")
            assert (stored.payload["outcome"], stored.payload["status"]) == (outcome, status)
            assert stored.tenant_id == c.tenant_id
            return seen

    seen = run(scenario_run())
    [result] = results(seen)
    assert (result.outcome.value, result.status, result.party) == (outcome, status, "number")
    assert seen[0] == OriginateRinging("r1", 180)  # every scenario rings first


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_given_number_answers_then_result_is_answered_with_the_trunk_caller_id(
    sip_tools: None, db_file: Path, tmp_path: Path
) -> None:
    carrier_port = free_udp_port()

    async def scenario() -> list[OriginateEvent]:
        async with voice_center(
            db_file, tmp_path, settings=settings_for(tmp_path, carrier_port)
        ) as c:
            seen: list[OriginateEvent] = []
            c.voice.originator.on_event(seen.append)
            carrier = await start_carrier(tmp_path, carrier_port, "uas_answer.xml")
            await c.voice.originator.originate(Originate("r1", NUMBER, "carrier", c.tenant_id))
            [result] = await until(lambda: results(seen), 20, "the originate result")
            assert result.outcome is Outcome.ANSWERED and result.call_id is not None
            await c.engine.hangup(result.call_id)  # the dialer's business; here: hang up
            assert await wait_process(carrier, 20) == 0  # sipp got and answered the BYE
            await until(lambda: OriginateEnded("r1", "number") in seen, 10, "the end")
            await no_calls_left(c)
            return seen

    seen = run(scenario())
    assert [type(e) for e in seen] == [OriginateRinging, OriginateResult, OriginateEnded]
    invite = (tmp_path / "carrier-messages.log").read_text(errors="replace")
    assert f"INVITE sip:{NUMBER}@127.0.0.1:{carrier_port}" in invite
    assert f"From: sip:{CALLER_ID}@127.0.0.1;tag=" in invite
    assert f"P-Asserted-Identity: <sip:{CALLER_ID}@127.0.0.1>" in invite


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_given_nobody_at_the_trunk_address_then_originate_fails_after_the_ring_timeout(
    sip_tools: None, db_file: Path, tmp_path: Path
) -> None:
    """No carrier listens: no provisional answer ever comes, so it is `failed`, not
    `no_answer`, and the unanswered INVITE does not stay up."""
    nobody = free_udp_port()

    async def scenario() -> list[OriginateEvent]:
        async with voice_center(db_file, tmp_path, settings=settings_for(tmp_path, nobody)) as c:
            seen: list[OriginateEvent] = []
            c.voice.originator.on_event(seen.append)
            request = Originate("r1", NUMBER, "carrier", c.tenant_id, ring_timeout=1)
            await c.voice.originator.originate(request)
            await until(lambda: results(seen), 45, "the originate result")
            await no_calls_left(c)
            return seen

    seen = run(scenario())
    [result] = results(seen)
    assert result.outcome is Outcome.FAILED, result
    assert not [e for e in seen if isinstance(e, OriginateRinging)]


def test_given_unknown_trunk_then_originate_is_refused_with_a_code() -> None:
    from centralita.app.voice_originate import VoiceOriginator

    port = VoiceOriginator(voice=None, trunks={})  # type: ignore[arg-type]
    with pytest.raises(NoSuchTrunk) as refused:
        asyncio.run(port.originate(Originate("r1", NUMBER, "nowhere", tenant_id=1)))
    assert refused.value.to_dict()["code"] == "no-such-trunk"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_given_click_to_call_then_agent_rings_first_hears_ringback_and_talks_with_the_number(
    sip_tools: None, db_file: Path, tmp_path: Path
) -> None:
    customer_port = free_udp_port()
    agent_wav, customer_wav = tmp_path / "agent-heard.wav", tmp_path / "customer-heard.wav"

    async def scenario() -> list[OriginateEvent]:
        settings = settings_for(tmp_path, customer_port)
        async with voice_center(db_file, tmp_path, auto_answer=("ana",), settings=settings) as c:
            ana = await c.phone(
                "ana.log", "ana", "--tone", str(AGENT_HZ), "--record", str(agent_wav)
            )
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            customer = await start_agent_ua(
                tmp_path / "customer.log", "", "", "", "--port", str(customer_port),
                "--answer", "after:2", "--tone", str(CUSTOMER_HZ),
                "--record", str(customer_wav), "--hangup-after", "3",
            )  # fmt: skip
            await until(lambda: log_has(tmp_path / "customer.log", "listening"), 20, "customer")
            seen: list[OriginateEvent] = []
            c.voice.originator.on_event(seen.append)
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            request = Originate("r1", NUMBER, "carrier", c.tenant_id, agent_id=c.agents["ana"])
            await c.voice.originator.originate(request)
            router = c.runner.center.router
            # busy in the core from the first ring: no queue call reaches her meanwhile
            ana_now = router.agent_snapshot(c.agents["ana"])
            assert (ana_now.state, ana_now.engaged) == (AgentState.TALKING, ("originate:r1",))
            await until(lambda: OriginateEnded("r1", "number") in seen, 40, "the customer's BYE")
            await until(lambda: log_has(tmp_path / "ana.log", "ended"), 10, "ana's leg to end")
            await until(
                lambda: router.agent_snapshot(c.agents["ana"]).state is AgentState.AVAILABLE,
                10,
                "ana free again",
            )
            assert await wait_process(customer, 20) == 0
            await no_calls_left(c)
            await stop_process(ana)
            [stored] = c.stored("voice.originated")
            assert stored.agent_id == int(c.agents["ana"])
            return seen

    seen = run(scenario())
    assert [type(e) for e in seen] == [OriginateRinging, OriginateResult, OriginateEnded]
    assert results(seen)[0].outcome is Outcome.ANSWERED
    assert log_has(tmp_path / "ana.log", "auto=True")
    assert log_has(tmp_path / "customer.log", CALLER_ID)  # the trunk's caller ID, not ana's
    # ana heard the ringback while the customer's phone rang, then the customer
    assert blocks_with(agent_wav, [RINGBACK_HZ]) >= 10
    assert blocks_with(agent_wav, [CUSTOMER_HZ]) >= 15
    assert blocks_with(customer_wav, [AGENT_HZ]) >= 15
    assert blocks_with(customer_wav, [RINGBACK_HZ]) <= 1


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_given_click_to_call_when_agent_station_is_not_registered_then_the_number_is_never_dialled(
    sip_tools: None, db_file: Path, tmp_path: Path
) -> None:
    carrier_port = free_udp_port()

    async def scenario() -> list[OriginateEvent]:
        async with voice_center(
            db_file, tmp_path, settings=settings_for(tmp_path, carrier_port)
        ) as c:
            seen: list[OriginateEvent] = []
            c.voice.originator.on_event(seen.append)
            ana = c.agents["ana"]
            c.runner.handle(AgentLoggedIn(ana))
            c.runner.handle(AgentEngaged(ana, "another-call"))  # busy: refused at once
            await c.voice.originator.originate(Originate("r0", NUMBER, "carrier", c.tenant_id, ana))
            c.runner.handle(AgentReleased(ana, "another-call"))
            request = Originate("r1", NUMBER, "carrier", c.tenant_id, agent_id=ana)
            await c.voice.originator.originate(request)
            await no_calls_left(c)
            snap = c.runner.center.router.agent_snapshot(ana)  # not left busy
            assert (snap.state, snap.engaged) == (AgentState.AVAILABLE, ())
            assert c.voice.originator.attempts == {}
            return seen

    seen = run(scenario())
    busy, unregistered = results(seen)
    assert (busy.outcome, busy.status, busy.party) == (Outcome.FAILED, 486, "agent")
    assert (unregistered.outcome, unregistered.status) == (Outcome.FAILED, 480)
    assert unregistered.party == "agent"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_given_originate_to_a_queue_then_the_answered_number_is_offered_to_an_agent(
    sip_tools: None, db_file: Path, tmp_path: Path
) -> None:
    customer_port = free_udp_port()
    customer_wav = tmp_path / "customer-heard.wav"

    async def scenario() -> None:
        settings = settings_for(tmp_path, customer_port)
        async with voice_center(db_file, tmp_path, auto_answer=("ana",), settings=settings) as c:
            ana = await c.phone("ana.log", "ana", "--tone", str(AGENT_HZ), "--hangup-after", "3")
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            customer = await start_agent_ua(
                tmp_path / "customer.log", "", "", "", "--port", str(customer_port),
                "--answer", "after:0.5", "--record", str(customer_wav),
            )  # fmt: skip
            await until(lambda: log_has(tmp_path / "customer.log", "listening"), 20, "customer")
            queue = intake.resolve(c.store, ani=None, dnis=SALES_DNIS).queue
            request = Originate("r1", NUMBER, "carrier", c.tenant_id, queue=queue)
            await c.voice.originator.originate(request)
            await until(lambda: log_has(tmp_path / "ana.log", "ended"), 40, "ana's hang-up")
            assert await wait_process(customer, 20) == 0
            await until(lambda: c.outcomes() == ["answered"], 10, "the answered outcome")
            with c.store.read() as session:
                [row] = session.scalars(select(Interaction)).all()
            assert (row.direction, row.ani, row.dnis) == ("outbound", NUMBER, CALLER_ID)
            await no_calls_left(c)
            await stop_process(ana)

    run(scenario())
    assert blocks_with(customer_wav, [AGENT_HZ]) >= 15
