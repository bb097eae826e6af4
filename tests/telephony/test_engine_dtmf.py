"""DTMF and end-of-playback events against real peers on 127.0.0.1.

sipp keys digits as RFC 4733 telephone-events (Debian's captured events) and as SIP
INFO; a second engine in a subprocess (peer_ua.py) keys digits with `send_digits`.
"""

from __future__ import annotations

import asyncio
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
    DigitReceived,
    Engine,
    EngineConfig,
    NoSuchCall,
    PlaybackFinished,
)
from support import require
from telephony.tel_helpers import (
    HERE,
    SIPP_DIR,
    free_udp_port,
    next_event,
    wait_process,
    write_tone_wav,
)
from telephony.test_engine_sip import run, start_sipp

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

DEBIAN_PCAPS = Path("/usr/share/sip-tester")


def test_digits_by_rfc4733_and_sip_info_arrive_in_order_with_their_method(
    pjsua2: ModuleType, sipp: str, tmp_path: Path
) -> None:
    pcaps = [DEBIAN_PCAPS / f"dtmf_2833_{d}.pcap" for d in "123"]
    require(
        all(p.exists() for p in pcaps),
        f"sipp's captured RFC 4733 events are not in {DEBIAN_PCAPS} (Debian's sip-tester)",
    )
    errors = tmp_path / "sipp-errors.log"

    async def scenario() -> list[Any]:
        async with Engine(EngineConfig(port=0)) as engine:
            args = [f"127.0.0.1:{engine.port}", "-sf", str(SIPP_DIR / "uac_dtmf.xml")]
            args += ["-s", "900300", "-mp", str(free_udp_port()), "-i", "127.0.0.1"]
            args += ["-mi", "127.0.0.1", "-m", "1", "-l", "1", "-nostdin"]
            args += ["-timeout", "20s", "-timeout_error", "-trace_err", "-error_file", str(errors)]
            proc = await asyncio.create_subprocess_exec(
                sipp, *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
            )
            seen: list[Any] = []
            arrived = await next_event(engine, lambda e: isinstance(e, CallArrived), 10, seen)
            await engine.answer(arrived.call_id)
            await next_event(engine, lambda e: isinstance(e, CallEnded), 20, seen)
            rc = await wait_process(proc, 15)
            stderr = (await proc.stderr.read()).decode(errors="replace") if proc.stderr else ""
            log = errors.read_text()[-3000:] if errors.exists() else ""
            assert rc == 0, f"sipp failed (rc={rc}): {stderr[-2000:]} {log}"
            return seen

    seen = run(scenario())
    digits = [(e.digit, e.method) for e in seen if isinstance(e, DigitReceived)]
    assert digits == [
        ("1", "rfc4733"),
        ("2", "rfc4733"),
        ("3", "rfc4733"),
        ("4", "sip-info"),
        ("*", "sip-info"),
        ("5", "sip-info"),
    ], seen


def test_send_digits_reach_the_other_engine_as_rfc4733_events_in_order(
    pjsua2: ModuleType, tmp_path: Path
) -> None:
    async def scenario() -> list[Any]:
        async with Engine(EngineConfig(port=0)) as engine:
            with pytest.raises(ValueError, match="digits must be"):
                await engine.send_digits("c-any", "12x")
            with pytest.raises(NoSuchCall):
                await engine.send_digits("c-unknown", "1")
            seen: list[Any] = []
            args = ["--target", f"sip:4343@127.0.0.1:{engine.port}", "--tone", "1000"]
            args += ["--digits", "9*#0A", "--hold", "3"]
            peer_log = tmp_path / "peer.log"
            with peer_log.open("wb") as log_file:
                peer = await asyncio.create_subprocess_exec(
                    sys.executable, str(HERE / "peer_ua.py"), *args,
                    stdout=log_file, stderr=subprocess.STDOUT,
                )  # fmt: skip
            arrived = await next_event(engine, lambda e: isinstance(e, CallArrived), 15, seen)
            await engine.answer(arrived.call_id)
            await next_event(engine, lambda e: isinstance(e, CallEnded), 20, seen)
            rc = await wait_process(peer, 20)
            assert rc == 0, f"peer UA failed (rc={rc}):\n{peer_log.read_text()[-6000:]}"
            return seen

    seen = run(scenario())
    digits = [(e.digit, e.method) for e in seen if isinstance(e, DigitReceived)]
    assert digits == [(d, "rfc4733") for d in "9*#0A"], seen


def test_playback_finished_fires_once_when_a_short_file_ends(
    pjsua2: ModuleType, sipp: str, tmp_path: Path
) -> None:
    prompt = write_tone_wav(tmp_path / "beep.wav", 800, seconds=0.3, rate=8000)

    async def scenario() -> list[Any]:
        async with Engine(EngineConfig(port=0)) as engine:
            seen: list[Any] = []
            proc = await start_sipp(sipp, engine, "900301", tmp_path)
            arrived = await next_event(engine, lambda e: isinstance(e, CallArrived), 10, seen)
            call_id = arrived.call_id
            await engine.answer(call_id)
            await next_event(engine, lambda e: e == CallAnswered(call_id), 10, seen)
            await engine.play_file(call_id, prompt)
            await next_event(engine, lambda e: e == PlaybackFinished(call_id), 5, seen)
            await next_event(engine, lambda e: isinstance(e, CallEnded), 15, seen)
            await wait_process(proc, 15)
            return seen

    seen = run(scenario())
    assert [e for e in seen if isinstance(e, PlaybackFinished)] == [
        PlaybackFinished(seen[0].call_id)
    ]
