"""Recording benchmark:
`python benchmarks/recording.py [call minutes] [calls] [live calls] [live hold s]`.

Two parts, printed as one JSON object:

* **after the call** (`offline`): what a recorded call costs once it ends, on this
  machine: making its stereo file from two leg takes (placement, pauses, sox merge),
  converting it to Opus and decoding it all again to check it. CPU seconds per call
  (this process and its children, so other jobs on the machine do not count), the
  conversion throughput in minutes of audio per CPU second, and the share of one core
  100 recorded calls an hour of that length need for it. Defaults: 5-minute calls, 4.
* **while the call is up** (`live`): over real SIP on 127.0.0.1, sipp calls a worker
  (the center's real call path, as `centralita.perf.voice` runs it: engine, registrar,
  voice adapter, a bank of auto-answering PJSIP phones in another process) that bridges
  `live calls` calls to agents and holds them `live hold s`; run twice, once without a
  recorder and once with `CallRecorder` recording every call in stereo WAV. The worker's
  own CPU (every thread of it: PJSIP's media thread writes the takes) is measured while
  all calls are bridged; the difference, scaled to 100 calls, is the **share of one core
  that recording 100 calls at once costs**. The render after the calls end (and its sox
  children) is measured too, per call. Defaults: 20 calls, 30 s.

Needs sox, opus-tools, sipp and the pjsua2 build. `live calls` 0 skips the live part.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def offline(minutes: float, calls: int) -> dict[str, float]:
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


# --- the live part ----------------------------------------------------------------------
def live(calls: int, hold: float, rate: float = 10.0) -> dict[str, Any]:
    """The worker's CPU while `calls` calls are bridged, without and with recording."""
    runs = {mode: _live_run(calls, hold, rate, record=mode == "recorded")
            for mode in ("plain", "recorded")}  # fmt: skip
    plain, recorded = runs["plain"], runs["recorded"]
    extra = recorded["plateau_cpu_share"] - plain["plateau_cpu_share"]
    return {
        "calls": calls,
        "hold_seconds": hold,
        "worker_cpu_share_plain": round(plain["plateau_cpu_share"], 3),
        "worker_cpu_share_recorded": round(recorded["plateau_cpu_share"], 3),
        "all_up_seconds": [
            round(plain["plateau_seconds"], 1),
            round(recorded["plateau_seconds"], 1),
        ],
        "recording_cpu_share_per_100_calls": round(extra * 100 / calls, 3),
        # from the first hang-up until every call is over (and, recorded, every file made)
        "after_calls_cpu_s_per_call_extra": round(
            (recorded["after_cpu"] - plain["after_cpu"]) / calls, 3
        ),
        "recordings_made": recorded["finished"],
        "recordings_failed": recorded["failed"],
        "bridged": [plain["most_bridged"], recorded["most_bridged"]],
        "sipp_exit_codes": [plain["sipp_rc"], recorded["sipp_rc"]],
        "machine_load_average_1m": round(os.getloadavg()[0], 2),
    }


def _live_run(calls: int, hold: float, rate: float, *, record: bool) -> dict[str, Any]:
    from centralita.perf import voice as bench  # its company, sipp scenario and helpers

    sipp = bench.shutil.which("sipp")
    if sipp is None:
        raise RuntimeError("sipp is not installed (Debian package sip-tester)")
    with tempfile.TemporaryDirectory(prefix="centralita-rec-") as tmp:
        work = Path(tmp)
        tone = work / "tone.ulaw"
        tone.write_bytes(bench.ulaw_tone(440, seconds=1.0))
        scenario = work / "caller.xml"
        scenario.write_text(bench.SCENARIO.replace("TONE_FILE", str(tone)), encoding="latin-1")
        phones = bench.build_center(work / "centralita.db", calls)
        with (work / "worker.log").open("wb") as out:
            worker = subprocess.Popen(
                [sys.executable, __file__, "worker", str(work), str(calls), str(int(record))],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        bank = None
        try:
            started, bank = bench.start_phone_bank(worker, work, phones)
            sipp_rc, _ = bench.run_sipp(
                sipp, scenario, work, int(started["port"]), calls, rate, hold
            )
            worker.send_signal(signal.SIGTERM)
            counts = bench.read_json(worker, work / "counts.json", 120)
            worker.wait(30)
        finally:
            for proc in (bank, worker):
                bench.stop_process(proc)
    counts["sipp_rc"] = sipp_rc
    return counts


async def _worker(work: Path, calls: int, record: bool) -> dict[str, Any]:
    """The center's call path in this process (as `centralita.perf.voice` runs it), with
    a recorder of every call in stereo WAV when `record`."""
    from sqlalchemy import select

    from centralita.app.center import LiveCenter
    from centralita.app.live import LiveView
    from centralita.app.recording import CallRecorder
    from centralita.app.runner import Runner
    from centralita.app.voice import VoiceCall, VoiceCenter, VoiceSettings
    from centralita.app.voice_stations import StationBook
    from centralita.clock import utcnow
    from centralita.perf.voice import REALM, log_in_when_registered, write_json
    from centralita.recording.storage import LocalStorage
    from centralita.store.actions.recordings import do_set_recording_policy
    from centralita.store.db import Store
    from centralita.store.models import Tenant
    from centralita.telephony import Engine, EngineConfig
    from centralita.telephony.registrar import Registrar

    counts: dict[str, Any] = {"most_bridged": 0, "plateau_cpu_share": 0.0, "plateau_seconds": 0.0}
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    store = Store.from_url(f"sqlite:///{work / 'centralita.db'}")
    with store.transaction() as tx:
        tenant = tx.session.scalars(select(Tenant.id)).one()
        do_set_recording_policy(
            tx, tenant_id=tenant, scope="tenant", settings={"mode": "all", "format": "wav"},
            at=utcnow(), actor="bench",
        )  # fmt: skip
    center = LiveCenter.from_store(store)
    runner = Runner(center, LiveView(center))
    await runner.start()
    book = StationBook(store, REALM)
    registrar = Registrar(book.credentials, port=0, realm=REALM)
    up: set[str] = set()
    plateau: tuple[float, float] | None = None
    render_from: list[float] = []

    def listen(what: str, call: VoiceCall, leg: str) -> None:
        nonlocal plateau
        if what == "bridged" and call.interaction_id not in up:
            up.add(call.interaction_id)
            counts["most_bridged"] = max(counts["most_bridged"], len(up))
            if len(up) == calls:
                plateau = (time.monotonic(), time.process_time())
        elif what == "ended" and leg == call.caller and call.interaction_id in up:
            if plateau is not None and len(up) == calls:
                wall = time.monotonic() - plateau[0]
                counts["plateau_seconds"] = wall
                counts["plateau_cpu_share"] = (time.process_time() - plateau[1]) / wall
                render_from.append(cpu())
            up.discard(call.interaction_id)

    config = EngineConfig(port=0, max_calls=2 * calls + 10)
    async with Engine(config) as engine:
        await registrar.start()
        voice = VoiceCenter(
            runner, engine, registrar, book, VoiceSettings(prompts_dir=work / "prompts")
        )
        voice.call_listeners.append(listen)
        await voice.start()
        recorder = None
        if record:
            recorder = CallRecorder(voice, LocalStorage(work / "recordings"), work / "spool")
            recorder.attach()
        try:
            write_json(work / "port.json", {"port": engine.port, "registrar": registrar.uri})
            await log_in_when_registered(voice, registrar, stop, work)
            await stop.wait()
            ending = time.monotonic() + 60
            while time.monotonic() < ending and (
                voice.calls or (recorder and len(recorder.finished) + len(recorder._failed) < calls)
            ):
                await asyncio.sleep(0.1)
            counts["after_cpu"] = cpu() - render_from[0] if render_from else 0.0
            counts["finished"] = len(recorder.finished) if recorder else 0
            counts["failed"] = len(recorder._failed) if recorder else 0
        finally:
            if recorder is not None:
                await recorder.close()
            await voice.stop()
            await registrar.stop()
            await runner.stop()
    store.dispose()
    return counts


def main(args: list[str]) -> dict[str, Any]:
    minutes = float(args[0]) if args else 5.0
    calls = int(args[1]) if len(args) > 1 else 4
    live_calls = int(args[2]) if len(args) > 2 else 20
    live_hold = float(args[3]) if len(args) > 3 else 30.0
    out: dict[str, Any] = {"offline": offline(minutes, calls)}
    if live_calls > 0:
        out["live"] = live(live_calls, live_hold)
    return out


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    from centralita.perf.voice import write_json

    work_dir = Path(sys.argv[2])
    write_json(
        work_dir / "counts.json",
        asyncio.run(_worker(work_dir, int(sys.argv[3]), sys.argv[4] == "1")),
    )
elif __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), indent=2))
