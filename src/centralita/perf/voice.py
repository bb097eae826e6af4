"""Voice benchmark: sipp places N calls to one SIP engine worker on 127.0.0.1.

The worker is a subprocess (`python -m centralita.perf.voice worker`) running one
`Engine` exactly as the application would: it answers every call and plays a looping
tone to it, so RTP flows both ways (sipp streams a looping µ-law tone with
`rtp_stream`, the engine sends its tone back). Calls are NOT bridged to agents yet: this
measures SIP set-up, media and the conference bridge, not agent legs.

sipp (the caller) places `calls` calls at `rate` per second, holds each `hold_seconds`
then hangs up, so about `rate × hold_seconds` (at most `calls`) are up at once.
Figures: `concurrent_calls` (most answered calls up at once, counted by the worker from
its own events), `calls_per_second` (answers per second from the first to the last),
`worker_cpu_share` (worker CPU time ÷ wall time of the load, from /proc/PID/stat;
1.0 = one core), `worker_rss_mb` (peak resident set, VmHWM), `failed_calls` (sipp's
FailedCall count) and `sip_retransmissions` (sipp's; above 0 means a reply came late).
`rtp_at_first_hangup` sums the RTP counters of the calls still up when the first one
ends: `both_ways` of them had received and sent packets.
"""

from __future__ import annotations

import asyncio
import csv
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from centralita.telephony.engine import EngineConfig

#: One worker's limit: the pjsua2 build allows 512 calls (scripts/pjsua2/config_site.h).
MAX_CALLS = 500
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="Centralita voice benchmark caller">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:bench[call_number]@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [rtpstream_audio_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[

      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:bench[call_number]@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <nop><action><exec rtp_stream="TONE_FILE,-1,0"/></action></nop>
  <pause/>
  <send retrans="500">
    <![CDATA[

      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:bench[call_number]@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
"""


def run(
    calls: int,
    rate: float,
    hold_seconds: float,
    *,
    clock_rate: int = 16000,
    media_quality: int = EngineConfig.media_quality,
) -> dict[str, Any]:
    """Place `calls` calls at `rate`/s held `hold_seconds` each; return the figures.

    `clock_rate` is the engine's conference-bridge rate (`EngineConfig.clock_rate`):
    16000 (the default, room for G.722) resamples every G.711 call; 8000 does not.
    `media_quality` (`EngineConfig.media_quality`, 1-10) picks the bridge's resampler."""
    if not 1 <= calls <= MAX_CALLS or rate <= 0 or hold_seconds <= 0:
        raise ValueError(f"calls must be 1-{MAX_CALLS}, rate and hold_seconds above 0")
    sipp = shutil.which("sipp")
    if sipp is None:
        raise RuntimeError("sipp is not installed (Debian package sip-tester)")
    with tempfile.TemporaryDirectory(prefix="centralita-voice-") as tmp:
        work = Path(tmp)
        tone = work / "tone.ulaw"
        tone.write_bytes(ulaw_tone(440, seconds=1.0))
        scenario = work / "caller.xml"
        scenario.write_text(SCENARIO.replace("TONE_FILE", str(tone)), encoding="latin-1")
        # The worker's output (PJSIP also writes to stdout) goes to a file, never a pipe
        # that could fill and block it; it reports through two small JSON files.
        with (work / "worker.log").open("wb") as log_file:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "centralita.perf.voice",
                    "worker",
                    str(work),
                    str(calls),
                    str(clock_rate),
                    str(media_quality),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            port = int(_read_json(worker, work / "port.json", 30)["port"])
            load_average = os.getloadavg()[0]
            cpu_before, started = _cpu_seconds(worker.pid), time.monotonic()
            sipp_rc, sipp_cpu = _run_sipp(sipp, scenario, work, port, calls, rate, hold_seconds)
            wall = time.monotonic() - started
            cpu = _cpu_seconds(worker.pid) - cpu_before
            rss_mb = _peak_rss_kb(worker.pid) / 1024
            worker.send_signal(signal.SIGTERM)
            counts = _read_json(worker, work / "counts.json", 30)
            worker.wait(30)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        stats = _sipp_stats(work / "stats.csv")
        log = (work / "worker.log").read_text(errors="replace")
    answers = counts["answered"]
    span = counts["last_answer_at"] - counts["first_answer_at"]
    return {
        "calls": calls,
        "target_rate": rate,
        "hold_seconds": hold_seconds,
        "clock_rate": clock_rate,
        "media_quality": media_quality,
        "concurrent_calls": counts["most_up"],
        "calls_per_second": round((answers - 1) / span, 1) if answers > 1 and span > 0 else 0.0,
        "worker_cpu_share": round(cpu / wall, 3),
        "worker_cpu_share_all_up": round(counts.get("plateau_cpu_share", 0.0), 3),
        "all_up_seconds": round(counts.get("plateau_seconds", 0.0), 1),
        "worker_rss_mb": round(rss_mb, 1),
        "failed_calls": stats.get("FailedCall(C)", calls),
        "successful_calls": stats.get("SuccessfulCall(C)", 0),
        "sip_retransmissions": stats.get("Retransmissions(C)", 0),
        "rtp_at_first_hangup": counts.get("rtp", {}),
        "answered_by_worker": answers,
        "ended_in_worker": counts["ended"],
        "worker_errors": counts["errors"] + log.count("Traceback"),
        "sipp_exit_code": sipp_rc,
        "sipp_cpu_share": round(sipp_cpu / wall, 3),
        "load_seconds": round(wall, 1),
        "machine_load_average_1m": round(load_average, 2),
        "cpus": os.cpu_count(),
        "media": "engine answers and plays a looping tone to each call; not bridged to agents",
    }


def ulaw_tone(freq: float, seconds: float, rate: int = 8000) -> bytes:
    """Raw G.711 µ-law bytes of a sine (what sipp's rtp_stream sends as payload 0)."""
    out = bytearray()
    for i in range(int(seconds * rate)):
        sample = int(8000 * math.sin(2 * math.pi * freq * i / rate))
        sign = 0x80 if sample < 0 else 0
        magnitude = min(abs(sample), 32635) + 0x84
        exponent = magnitude.bit_length() - 8
        mantissa = (magnitude >> (exponent + 3)) & 0x0F
        out.append(~(sign | (exponent << 4) | mantissa) & 0xFF)
    return bytes(out)


def _run_sipp(
    sipp: str, scenario: Path, work: Path, port: int, calls: int, rate: float, hold: float
) -> tuple[int, float]:
    """Run sipp to the end; (exit code, its CPU seconds from wait4's rusage)."""
    args = [sipp, f"127.0.0.1:{port}", "-sf", str(scenario), "-s", "7000"]
    args += ["-i", "127.0.0.1", "-mi", "127.0.0.1", "-nostdin"]
    args += ["-m", str(calls), "-l", str(calls), "-r", f"{rate:g}", "-rp", "1000"]
    args += ["-d", str(int(hold * 1000)), "-max_socket", "4096"]
    args += ["-timeout", f"{int(calls / rate + hold + 60)}s", "-timeout_error"]
    args += ["-trace_stat", "-stf", str(work / "stats.csv"), "-fd", "60"]
    args += ["-trace_err", "-error_file", str(work / "sipp-errors.log")]
    deadline = time.monotonic() + calls / rate + hold + 90
    with (work / "sipp.out").open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=work)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                return proc.returncode, usage.ru_utime + usage.ru_stime
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                return -9, 0.0
            time.sleep(0.1)


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a live process, from /proc/PID/stat."""
    return _cpu_seconds_of(Path(f"/proc/{pid}/stat"))


def _cpu_seconds_of(stat_file: Path) -> float:
    stat = stat_file.read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _sipp_stats(path: Path) -> dict[str, int]:
    """The last row of sipp's statistics file, counters only."""
    if not path.exists():
        return {}
    with path.open(newline="", encoding="latin-1") as f:
        rows = list(csv.reader(f, delimiter=";"))
    if len(rows) < 2:
        return {}
    out = {}
    for name, value in zip(rows[0], rows[-1], strict=False):
        if name.endswith("(C)") and value.strip().isdigit():
            out[name] = int(value)
    return out


def _read_json(proc: subprocess.Popen[bytes], path: Path, timeout: float) -> dict[str, Any]:
    """Wait up to `timeout` s for the worker to write `path` (atomically, by rename)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            log = path.parent / "worker.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(
                f"the voice worker wrote no {path.name} (exit {proc.poll()}):\n{tail}"
            )
        time.sleep(0.05)
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _write_json(path: Path, data: dict[str, Any]) -> None:
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(data))
    partial.rename(path)


# --- the worker (a subprocess: PJSIP allows one endpoint per process) -----------------
async def _worker(work: Path, calls: int, clock_rate: int, quality: int) -> dict[str, Any]:
    from centralita.telephony import CallAnswered, CallArrived, CallEnded, Engine

    counts: dict[str, Any] = {"answered": 0, "ended": 0, "most_up": 0, "errors": 0}
    counts["first_answer_at"] = counts["last_answer_at"] = 0.0
    plateau: tuple[float, float] | None = None
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    config = EngineConfig(port=0, max_calls=MAX_CALLS, clock_rate=clock_rate, media_quality=quality)
    async with Engine(config) as engine:
        _write_json(work / "port.json", {"port": engine.port})
        up: set[str] = set()
        waiting_stop = asyncio.ensure_future(stop.wait())
        while not stop.is_set():
            getting = asyncio.ensure_future(engine.events.get())
            await asyncio.wait({getting, waiting_stop}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                break
            event = getting.result()
            try:
                if isinstance(event, CallArrived):
                    await engine.answer(event.call_id)
                    await engine.play_tone(event.call_id, 1000)
                elif isinstance(event, CallAnswered):
                    up.add(event.call_id)
                    counts["answered"] += 1
                    now = time.monotonic()
                    counts["first_answer_at"] = counts["first_answer_at"] or now
                    counts["last_answer_at"] = now
                    counts["most_up"] = max(counts["most_up"], len(up))
                    if len(up) == calls:  # every call is up: the plateau starts
                        plateau = (time.monotonic(), time.process_time())
                elif isinstance(event, CallEnded):
                    if plateau is not None and len(up) == calls:  # the plateau ends
                        wall = time.monotonic() - plateau[0]
                        if wall > 0:
                            counts["plateau_seconds"] = wall
                            counts["plateau_cpu_share"] = (time.process_time() - plateau[1]) / wall
                    up.discard(event.call_id)
                    if "rtp" not in counts:  # the first hang-up: RTP of the calls still up
                        counts["rtp"] = await _rtp_sample(engine, sorted(up))
                    counts["ended"] += 1
            except Exception as exc:  # a call that ended meanwhile; count, carry on
                counts["errors"] += 1
                print(f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    return counts


async def _rtp_sample(engine: Any, call_ids: list[str]) -> dict[str, int]:
    """RTP counters summed over `call_ids` (calls that end meanwhile are skipped)."""
    from centralita.telephony import NoSuchCall

    sample = {"calls": 0, "both_ways": 0, "rx_packets": 0, "tx_packets": 0, "rx_lost": 0}
    for call_id in call_ids:
        try:
            stats = await engine.media_stats(call_id)
        except NoSuchCall:
            continue
        sample["calls"] += 1
        sample["both_ways"] += stats.rx_packets > 0 and stats.tx_packets > 0
        sample["rx_packets"] += stats.rx_packets
        sample["tx_packets"] += stats.tx_packets
        sample["rx_lost"] += stats.rx_lost
    return sample


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    work_dir = Path(sys.argv[2])
    _write_json(
        work_dir / "counts.json",
        asyncio.run(_worker(work_dir, int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))),
    )
