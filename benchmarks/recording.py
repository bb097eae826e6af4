"""Recording benchmark: `python benchmarks/recording.py [call minutes] [calls]`.

What a recorded call costs after it ends, on this machine: making its stereo file from
two leg takes (placement, pauses, sox merge), converting it to Opus and decoding it all
again to check it. Prints JSON: CPU seconds per call (this process and its children,
so other jobs on the machine do not count), the conversion throughput in minutes of
audio per wall second and per CPU second, and the CPU share of one core that 100
recorded calls an hour of that length need for it. Recording itself (the engine
writing the takes while the call is up) is part of the engine's media cost, measured
by `benchmarks/voice.py`; this does not include it.

Defaults: 5-minute calls, 4 calls. Needs sox and opus-tools.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from centralita.recording import audio
from centralita.recording.timeline import Take, channel_plan


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def take(path: Path, seconds: float, freq: int) -> Path:
    """A leg's take: a tone with noise, 16 kHz mono (as the engine writes them)."""
    subprocess.run(
        ["sox", "-n", "-r", "16000", "-b", "16", "-c", "1", str(path), "synth", str(seconds),
         "sine", str(freq), "synth", str(seconds), "pinknoise", "mix", "vol", "0.3"],
        check=True,
    )  # fmt: skip
    return path


def one_call(work: Path, minutes: float, n: int) -> tuple[float, float]:
    """(CPU seconds to render, CPU seconds to convert and check) for one call."""
    seconds = minutes * 60
    caller = take(work / f"c{n}.wav", seconds, 1600)
    agent = take(work / f"a{n}.wav", seconds - 2, 1000)
    takes = [Take("caller", str(caller), 0.0, int(seconds * 16000)),
             Take("agent", str(agent), 2.0, int((seconds - 2) * 16000))]  # fmt: skip
    start = cpu()
    sides = []
    for side in ("caller", "agent"):
        plan = channel_plan(takes, side=side, span=(1.0, seconds), pauses=[(30.0, 45.0)],
                            rate=16000)  # fmt: skip
        target = work / f"{n}-{side}.wav"
        audio.write_channel(target, plan, 16000)
        sides.append(target)
    out = work / f"{n}.wav"
    audio.combine(sides[0], sides[1], out, stereo=True)
    audio.sha256_of(out)
    rendered = cpu()
    audio.to_opus(out, work / f"{n}.opus")
    audio.decoded_duration(work / f"{n}.opus", work / f"{n}-check.wav")
    return rendered - start, cpu() - rendered


def main(minutes: float, calls: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        render = convert = 0.0
        wall = time.perf_counter()
        for n in range(calls):
            r, c = one_call(work, minutes, n)
            render, convert = render + r, convert + c
        wall = time.perf_counter() - wall
    audio_minutes = minutes * calls
    per_call = (render + convert) / calls
    return {
        "call_minutes": minutes,
        "calls": calls,
        "render_cpu_s_per_call": round(render / calls, 3),
        "convert_cpu_s_per_call": round(convert / calls, 3),
        "conversion_audio_minutes_per_cpu_s": round(audio_minutes / convert, 2),
        "audio_minutes_per_wall_s_all_steps": round(audio_minutes / wall, 2),
        "cpu_share_of_one_core_for_100_calls_an_hour": round(100 * per_call / 3600, 4),
        "cores": os.cpu_count() or 0,
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(main(float(args[0]) if args else 5.0, int(args[1]) if len(args) > 1 else 4),
                     indent=2))  # fmt: skip
