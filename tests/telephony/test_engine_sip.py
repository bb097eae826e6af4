"""The embedded SIP engine against real SIP and RTP on 127.0.0.1.

sipp places calls to the engine; a second engine in a subprocess (peer_ua.py) exchanges
tones with it, and the recordings are checked for the right frequency.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from centralita.telephony import (
    CallAnswered,
    CallArrived,
    CallEnded,
    Engine,
    EngineConfig,
    NoSuchCall,
    TelephonyError,
)
from telephony.tel_helpers import (
    HERE,
    SIPP_DIR,
    free_udp_port,
    next_event,
    tone_profile,
    wait_process,
    write_tone_wav,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

ANI = "+34911234567"


def run(coro: Any, timeout: float = 45) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def start_sipp(sipp: str, engine: Engine, dnis: str, log_dir: Path) -> Any:
    args = [f"127.0.0.1:{engine.port}", "-sf", str(SIPP_DIR / "uac_pai.xml")]
    args += ["-s", dnis, "-key", "ani", ANI, "-mp", str(free_udp_port())]
    args += [
        "-i",
        "127.0.0.1",
        "-mi",
        "127.0.0.1",
        "-m",
        "1",
        "-l",
        "1",
        "-nostdin",
        "-timeout",
        "20s",
        "-timeout_error",
    ]
    args += ["-trace_err", "-error_file", str(log_dir / "sipp-errors.log")]
    return await asyncio.create_subprocess_exec(
        sipp, *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )


async def answer_one_sipp_call(engine: Engine, sipp: str, dnis: str, log_dir: Path) -> list[Any]:
    """sipp calls; the engine answers; sipp hangs up after 1 s. Returns the events seen."""
    seen: list[Any] = []
    proc = await start_sipp(sipp, engine, dnis, log_dir)
    arrived = await next_event(
        engine, lambda e: isinstance(e, CallArrived) and e.dnis == dnis, 10, seen
    )
    assert isinstance(arrived, CallArrived)
    await engine.answer(arrived.call_id)
    await next_event(engine, lambda e: e == CallAnswered(arrived.call_id), 10, seen)
    ended = await next_event(
        engine, lambda e: isinstance(e, CallEnded) and e.call_id == arrived.call_id, 15, seen
    )
    rc = await wait_process(proc, 15)
    stderr = (await proc.stderr.read()).decode(errors="replace") if proc.stderr else ""
    errors = log_dir / "sipp-errors.log"
    assert rc == 0, f"sipp failed (rc={rc}): {stderr[-2000:]} " + (
        errors.read_text()[-2000:] if errors.exists() else ""
    )
    assert isinstance(ended, CallEnded) and ended.status == 200
    return seen


def test_sipp_call_with_pai_reports_ani_and_dnis_and_completes(
    pjsua2: ModuleType, sipp: str, tmp_path: Path
) -> None:
    async def scenario() -> list[Any]:
        async with Engine(EngineConfig(port=0)) as engine:
            seen = await answer_one_sipp_call(engine, sipp, "900123", tmp_path)
            assert await engine.call_count() == 0
            return seen

    seen = run(scenario())
    arrived = [e for e in seen if isinstance(e, CallArrived)]
    assert [(e.ani, e.dnis) for e in arrived] == [(ANI, "900123")]


def test_commands_on_unknown_or_bad_calls_raise_domain_errors(
    pjsua2: ModuleType, sipp: str, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with Engine(EngineConfig(port=0)) as engine:
            with pytest.raises(NoSuchCall) as no_call:
                await engine.answer("c-unknown")
            assert no_call.value.to_dict()["code"] == "no-such-call"

            seen: list[Any] = []
            proc = await start_sipp(sipp, engine, "900124", tmp_path)
            arrived = await next_event(engine, lambda e: isinstance(e, CallArrived), 10, seen)
            # A missing prompt file: PJSIP's error comes back as a TelephonyError.
            with pytest.raises(TelephonyError) as failed:
                await engine.play_file(arrived.call_id, tmp_path / "missing.wav")
            assert failed.value.code == "telephony-failed"
            assert failed.value.fields["operation"] == "play-file"
            await engine.hangup(arrived.call_id, 486)
            ended = await next_event(engine, lambda e: isinstance(e, CallEnded), 10, seen)
            assert isinstance(ended, CallEnded) and ended.status == 486
            await wait_process(proc, 25)  # sipp fails the call (486); only its exit matters

    run(scenario())


@pytest.mark.parametrize("source", ["tone-generator", "wav-file"])
def test_tones_cross_in_both_directions_and_recordings_hold_them(
    pjsua2: ModuleType, tmp_path: Path, source: str
) -> None:
    here_wav, peer_wav = tmp_path / "engine-heard.wav", tmp_path / "peer-heard.wav"
    engine_hz, peer_hz = 1000, 1600
    prompt = write_tone_wav(tmp_path / "prompt.wav", engine_hz, seconds=4, rate=8000)

    async def scenario() -> None:
        async with Engine(EngineConfig(port=0)) as engine:
            seen: list[Any] = []
            args = ["--target", f"sip:4242@127.0.0.1:{engine.port}", "--tone", str(peer_hz)]
            args += ["--record", str(peer_wav), "--hold", "2"]
            peer_log = tmp_path / "peer.log"
            with peer_log.open("wb") as log_file:  # a file, not a pipe: it never fills up
                peer = await asyncio.create_subprocess_exec(
                    sys.executable, str(HERE / "peer_ua.py"), *args,
                    stdout=log_file, stderr=subprocess.STDOUT,
                )  # fmt: skip
            arrived = await next_event(engine, lambda e: isinstance(e, CallArrived), 15, seen)
            assert isinstance(arrived, CallArrived) and arrived.dnis == "4242"
            await engine.record(arrived.call_id, here_wav)
            if source == "tone-generator":
                await engine.play_tone(arrived.call_id, engine_hz)
            else:
                await engine.play_file(arrived.call_id, prompt)
            await engine.answer(arrived.call_id)
            await next_event(
                engine,
                lambda e: isinstance(e, CallEnded) and e.call_id == arrived.call_id,
                20,
                seen,
            )
            rc = await wait_process(peer, 20)
            output = peer_log.read_text(errors="replace")
            assert rc == 0, f"peer UA failed (rc={rc}):\n{output[-6000:]}"

    run(scenario())
    heard_here = tone_profile(here_wav, [engine_hz, peer_hz])
    heard_there = tone_profile(peer_wav, [engine_hz, peer_hz])
    for profile, wanted, other in (
        (heard_here, peer_hz, engine_hz),
        (heard_there, engine_hz, peer_hz),
    ):
        assert profile["loud_blocks"] >= 5, profile  # at least 0.5 s of audio
        assert profile["shares"][wanted] > 0.8, profile
        assert profile["shares"][other] < 0.05, profile


MALFORMED = [
    b"\x00\xff\xfe garbage that is not SIP at all \r\n\r\n",
    b"INVITE sip:900@127.0.0.1 SIP/2.0\r\nVia: nonsense\r\nContent-Length: 9999\r\n\r\nabc",
    (
        b"INVITE sip:900125@127.0.0.1 SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-malformed-1\r\n"
        b"From: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:900125@127.0.0.1>\r\n"
        b"Call-ID: malformed-1@127.0.0.1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
        b'Contact: <sip:x@127.0.0.1:9>\r\nP-Asserted-Identity: <<<"\r\n'
        b"Content-Type: application/sdp\r\nContent-Length: 20\r\n\r\nv=0\r\nm=audio banana\r\n"
    ),
]


def test_malformed_datagrams_do_not_stop_the_engine_answering(
    pjsua2: ModuleType, sipp: str, tmp_path: Path
) -> None:
    async def scenario() -> list[Any]:
        async with Engine(EngineConfig(port=0)) as engine:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                for datagram in MALFORMED:
                    sock.sendto(datagram, ("127.0.0.1", engine.port))
            # The next valid call is answered and completes.
            seen = await answer_one_sipp_call(engine, sipp, "900126", tmp_path)
            return seen

    seen = run(scenario())
    arrived = [e for e in seen if isinstance(e, CallArrived)]
    assert (ANI, "900126") in [(e.ani, e.dnis) for e in arrived]


def test_engine_holds_more_concurrent_calls_than_the_stock_pjsip_limit_of_4(
    pjsua2: ModuleType, sipp: str, tmp_path: Path
) -> None:
    """40 sipp calls in about a second, each held 1 s: the stock PJSUA_MAX_CALLS (4)
    would refuse most of them; our build answers all."""
    calls = 40

    async def scenario() -> tuple[int, list[Any]]:
        async with Engine(EngineConfig(port=0)) as engine:
            args = [f"127.0.0.1:{engine.port}", "-sf", str(SIPP_DIR / "uac_pai.xml")]
            args += ["-s", "900200", "-key", "ani", ANI, "-mp", str(free_udp_port())]
            args += ["-i", "127.0.0.1", "-mi", "127.0.0.1", "-nostdin"]
            args += ["-m", str(calls), "-l", str(calls), "-r", str(calls), "-rp", "1000"]
            args += ["-timeout", "30s", "-timeout_error"]
            proc = await asyncio.create_subprocess_exec(
                sipp, *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
            )
            seen: list[Any] = []
            live, most = 0, 0
            ended = 0
            while ended < calls:
                event = await next_event(engine, lambda e: True, 30, seen)
                if isinstance(event, CallArrived):
                    await engine.answer(event.call_id)
                    live += 1
                    most = max(most, live)
                elif isinstance(event, CallEnded):
                    assert event.status == 200, event
                    live -= 1
                    ended += 1
            rc = await wait_process(proc, 30)
            assert rc == 0, (await proc.stderr.read()).decode()[-2000:] if proc.stderr else rc
            return most, seen

    most, seen = run(scenario(), timeout=55)
    assert len([e for e in seen if isinstance(e, CallArrived)]) == calls
    assert most >= 10, f"only {most} calls were up at once"
