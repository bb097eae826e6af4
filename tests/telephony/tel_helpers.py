"""Helpers for the telephony tests: free UDP ports, event waits, tone analysis."""

from __future__ import annotations

import asyncio
import math
import socket
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from centralita.telephony import Engine, TelephonyEvent

HERE = Path(__file__).resolve().parent
SIPP_DIR = HERE / "sipp"


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that was free a moment ago (even, so RTP/RTCP pairs fit)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port % 2 == 0 and port < 65000:
            return port
    raise RuntimeError("no free even UDP port found")


async def next_event(
    engine: Engine, match: Callable[[TelephonyEvent], bool], timeout: float, seen: list[Any]
) -> TelephonyEvent:
    """Wait up to `timeout` s for an event that `match`es; every event lands in `seen`."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no matching event within {timeout} s; saw {seen}")
        try:
            event = await asyncio.wait_for(engine.events.get(), remaining)
        except TimeoutError:
            continue
        seen.append(event)
        if match(event):
            return event


async def wait_process(proc: asyncio.subprocess.Process, timeout: float) -> int:
    try:
        return await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"process {proc.pid} still running after {timeout} s") from None


def read_wav(path: Path) -> tuple[int, list[int]]:
    """(sample rate, 16-bit mono samples) of a WAV file."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2, "expected 16-bit PCM"
        assert wav.getnchannels() == 1, "expected mono"
        rate = wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    samples = [
        int.from_bytes(frames[i : i + 2], "little", signed=True) for i in range(0, len(frames), 2)
    ]
    return rate, samples


def write_tone_wav(path: Path, freq: float, seconds: float, rate: int = 8000) -> Path:
    """A 16-bit mono WAV holding a sine at `freq` (a stand-in for a recorded prompt)."""
    frames = bytearray()
    for i in range(int(seconds * rate)):
        sample = int(8000 * math.sin(2 * math.pi * freq * i / rate))
        frames += sample.to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return path


def goertzel_share(samples: list[int], rate: int, freq: float) -> float:
    """Share of the block's energy at `freq` (≈1 for a pure tone, ≈0 if absent)."""
    n = len(samples)
    energy = sum(s * s for s in samples)
    if n == 0 or energy == 0:
        return 0.0
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return 2 * power / (n * energy)


def tone_profile(path: Path, freqs: list[float], block_ms: int = 100) -> dict[str, Any]:
    """Median energy share of each frequency over the WAV's non-silent 100 ms blocks."""
    rate, samples = read_wav(path)
    block = rate * block_ms // 1000
    blocks = [samples[i : i + block] for i in range(0, len(samples) - block + 1, block)]
    loud = [b for b in blocks if math.sqrt(sum(s * s for s in b) / len(b)) > 200]
    shares = {}
    for f in freqs:
        values = sorted(goertzel_share(b, rate, f) for b in loud)
        shares[f] = values[len(values) // 2] if values else 0.0
    return {
        "rate": rate,
        "seconds": len(samples) / rate,
        "loud_blocks": len(loud),
        "shares": shares,
    }


async def until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `check()` on the loop until it is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


async def start_agent_ua(
    log_path: Path, registrar: str, user: str, password: str, *args: str
) -> asyncio.subprocess.Process:
    """An agent's phone (agent_ua.py) in a subprocess, its output in `log_path`."""
    import subprocess
    import sys

    with log_path.open("wb") as log_file:  # a file, not a pipe: it never fills up
        return await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "agent_ua.py"),
            "--registrar", registrar, "--user", user, "--password", password, *args,
            stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip


def log_has(log_path: Path, text: str) -> bool:
    return log_path.exists() and text in log_path.read_text(errors="replace")


async def stop_process(proc: asyncio.subprocess.Process, timeout: float = 15) -> int:
    """SIGTERM, then wait (killing it if it hangs); its exit status."""
    if proc.returncode is None:
        proc.terminate()
    return await wait_process(proc, timeout)


def _blocks(path: Path) -> Iterator[tuple[int, list[int] | None]]:
    """(rate, samples) of each 100 ms block of the WAV, samples None if the block is quiet."""
    rate, samples = read_wav(path)
    block = rate // 10
    for i in range(0, len(samples) - block + 1, block):
        chunk = samples[i : i + block]
        yield rate, chunk if math.sqrt(sum(s * s for s in chunk) / block) > 200 else None


def _top_share(chunk: list[int], rate: int, freqs: list[float]) -> float:
    return max(goertzel_share(chunk, rate, f) for f in freqs)


def blocks_with(path: Path, freqs: list[float], min_share: float = 0.8) -> int:
    """How many loud 100 ms blocks of the WAV are dominated by one of `freqs`."""
    return sum(
        1 for rate, c in _blocks(path) if c is not None and _top_share(c, rate, freqs) > min_share
    )


def loud_blocks_without(path: Path, freqs: list[float], max_share: float = 0.5) -> int:
    """Loud 100 ms blocks where none of `freqs` dominates (speech, not a tone)."""
    return sum(
        1 for rate, c in _blocks(path) if c is not None and _top_share(c, rate, freqs) < max_share
    )


def block_sequence(path: Path, freqs: list[float], min_share: float = 0.8) -> list[float | None]:
    """For each 100 ms block of the WAV, the one of `freqs` that dominates it, or None."""
    out: list[float | None] = []
    for rate, chunk in _blocks(path):
        best = None
        if chunk is not None:
            share, freq = max((goertzel_share(chunk, rate, f), f) for f in freqs)
            best = freq if share > min_share else None
        out.append(best)
    return out


def hearing(path: Path, freq: float, min_share: float = 0.2) -> list[bool]:
    """For each 100 ms block of the WAV, whether it holds `freq` (as `blocks_hearing`
    counts): to tell what was heard before and after a change in the call."""
    return [
        c is not None and goertzel_share(c, rate, freq) > min_share for rate, c in _blocks(path)
    ]


def blocks_hearing(path: Path, freq: float, min_share: float = 0.2) -> int:
    """Loud 100 ms blocks of the WAV holding `freq` among other sounds (a mix of two or
    three tones gives each about a half or a third of the energy)."""
    return sum(
        1
        for rate, c in _blocks(path)
        if c is not None and goertzel_share(c, rate, freq) > min_share
    )
