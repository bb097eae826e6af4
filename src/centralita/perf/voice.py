"""Voice benchmark: sipp on 127.0.0.1 places N calls that a whole center bridges to agents.

Four processes, as `centralita serve --sip-port` runs with a carrier and agents' phones:

* the **center** (`python -m centralita.perf.voice center`): the center's real call
  path — a SQLite store, the live center on a `Runner`, the stations' `Registrar` and
  `VoiceCenter`, driving the media worker through `RemoteEngine`: each call is answered,
  put in the queue with music (`intake` → core), offered to the agent the core chose,
  the agent's registered station is called (auto-answer) and, once it answers, bridged
  both ways;
* the **media worker** (`centralita media`, started by the center as `serve` starts it):
  the SIP `Engine` (PJSIP: SIP, RTP, the conference bridge), commands and events over
  a Unix socket;
* the **phones** (`python -m centralita.app.voice_phones`): one PJSIP process with one
  registering account per agent's station (digest), answering at once, playing a tone
  and never hanging up first;
* **sipp**, the carrier: `calls` calls at `rate` a second to the center's number, each
  streaming a looping µ-law tone, hung up `hold_seconds` after the answer.

The company is synthetic: one queue (no wrap-up), one agent and one station per call,
so every call finds an agent at once and about `rate × hold_seconds` (at most `calls`)
are bridged at the same time.

Figures: `concurrent_calls` (most calls bridged at once, counted by the center from
`VoiceCenter`'s call listeners: "bridged" up, the caller leg "ended" down),
`calls_per_second` (bridges a second from the first to the last), `worker_cpu_share`
(the media worker's CPU time ÷ wall time from sipp's first call to its end, from
/proc/PID/stat; 1.0 = one core; `worker_cpu_share_all_up` the same while every call was
bridged), `worker_rss_mb` (its peak resident set, VmHWM), `center_cpu_share`,
`center_cpu_share_all_up` and `center_rss_mb` the same for the center process,
`failed_calls` (calls not both completed by sipp and bridged by the center) and
`sip_retransmissions` (sipp's; above 0 means a reply came late). `rtp_at_first_hangup`
samples both legs of every call bridged when the first one ends: `both_ways` of them had
RTP in and out on the caller's and the agent's leg. `left_in_core` counts interactions
the router still holds once every call ended (0), `legs_left` the worker's legs (0).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import logging
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

from centralita.config import MEDIA_CLOCK_RATE
from centralita.telephony.engine import EngineConfig

#: The most bridged calls: each is two calls in the worker and the pjsua2 build allows
#: 1024 (scripts/pjsua2/config_site.h), the phones one account each (512).
MAX_CALLS = 500
DNIS = "6015550999"
REALM = "bench"
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
    clock_rate: int = MEDIA_CLOCK_RATE,
    media_quality: int = EngineConfig.media_quality,
    keep: Path | None = None,
) -> dict[str, Any]:
    """Place `calls` calls at `rate`/s, each bridged to an agent and held `hold_seconds`;
    return the figures.

    `keep`: a directory to run in and leave behind (the processes' logs, sipp's
    statistics and errors) instead of a temporary one.

    `clock_rate` is the worker's conference-bridge rate: by default serve's
    (`config.MEDIA_CLOCK_RATE`, 8000: no resampling of G.711 legs); 16000 (room for
    G.722) resamples every G.711 leg.
    `media_quality` (`EngineConfig.media_quality`, 1-10) picks the bridge's resampler."""
    if not 1 <= calls <= MAX_CALLS or rate <= 0 or hold_seconds <= 0:
        raise ValueError(f"calls must be 1-{MAX_CALLS}, rate and hold_seconds above 0")
    sipp = shutil.which("sipp")
    if sipp is None:
        raise RuntimeError("sipp is not installed (Debian package sip-tester)")
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.nullcontext(str(keep))
        if keep is not None
        else tempfile.TemporaryDirectory(prefix="centralita-voice-")
    ) as tmp:
        work = Path(tmp)
        tone = work / "tone.ulaw"
        tone.write_bytes(ulaw_tone(440, seconds=1.0))
        scenario = work / "caller.xml"
        scenario.write_text(SCENARIO.replace("TONE_FILE", str(tone)), encoding="latin-1")
        phones = build_center(work / "centralita.db", calls)
        center_args = [str(work), str(calls), str(clock_rate), str(media_quality)]
        center = spawn(["centralita.perf.voice", "center", *center_args], work / "worker.log")
        bank = None
        try:
            started, bank = start_phone_bank(center, work, phones)
            media = int(started["media_pid"])
            load_average = os.getloadavg()[0]
            before = _cpu_seconds(media), _cpu_seconds(center.pid)
            started_at = time.monotonic()
            sipp_rc, sipp_cpu = run_sipp(
                sipp, scenario, work, int(started["port"]), calls, rate, hold_seconds
            )
            wall = time.monotonic() - started_at
            cpu = _cpu_seconds(media) - before[0]
            center_cpu = _cpu_seconds(center.pid) - before[1]
            phones_cpu = _cpu_seconds(bank.pid)
            rss_mb = _peak_rss_kb(media) / 1024
            center_rss_mb = _peak_rss_kb(center.pid) / 1024
            center.send_signal(signal.SIGTERM)
            counts = read_json(center, work / "counts.json", 60)
            center.wait(30)
        finally:
            for proc in (bank, center):
                stop_process(proc)
        stats = _sipp_stats(work / "stats.csv")
        log = (work / "worker.log").read_text(errors="replace")
    bridged = counts["bridged"]
    span = counts["last_bridge_at"] - counts["first_bridge_at"]
    completed = stats.get("SuccessfulCall(C)", 0)
    return {
        "calls": calls,
        "target_rate": rate,
        "hold_seconds": hold_seconds,
        "clock_rate": clock_rate,
        "media_quality": media_quality,
        "concurrent_calls": counts["most_bridged"],
        "calls_per_second": round((bridged - 1) / span, 1) if bridged > 1 and span > 0 else 0.0,
        "worker_cpu_share": round(cpu / wall, 3),
        "worker_cpu_share_all_up": round(counts.get("plateau_cpu_share", 0.0), 3),
        "worker_rss_mb": round(rss_mb, 1),
        "center_cpu_share": round(center_cpu / wall, 3),
        "center_cpu_share_all_up": round(counts.get("plateau_center_cpu_share", 0.0), 3),
        "center_rss_mb": round(center_rss_mb, 1),
        "all_up_seconds": round(counts.get("plateau_seconds", 0.0), 1),
        "failed_calls": calls - min(completed, bridged),
        "sipp_failed_calls": stats.get("FailedCall(C)", calls),
        "successful_calls": completed,
        "sip_retransmissions": stats.get("Retransmissions(C)", 0),
        "bridged_by_worker": bridged,
        "rtp_at_first_hangup": counts.get("rtp", {}),
        "left_in_core": counts["left_in_core"],
        "agents_not_ready": counts.get("agents_not_ready", {}),
        "stations_failed": counts.get("stations_failed", 0),
        "media_timeouts": counts.get("media_timeouts", 0),
        "legs_left": counts["legs_left"],
        "worker_errors": log.count("Traceback"),
        "sipp_exit_code": sipp_rc,
        "sipp_cpu_share": round(sipp_cpu / wall, 3),
        "phones_cpu_seconds": round(phones_cpu, 1),
        "load_seconds": round(wall, 1),
        "machine_load_average_1m": round(load_average, 2),
        "cpus": os.cpu_count(),
        "media": "caller (sipp) and agent (PJSIP phone) bridged both ways in the media "
        "worker (`centralita media`), driven by the center over a Unix socket",
    }


def build_center(db_file: Path, agents: int) -> list[dict[str, str]]:
    """A synthetic company in a new SQLite database: one queue (no wrap-up) reached at
    `DNIS`, `agents` agents in it, each owning an auto-answer station (3000, 3001, ...).
    Returns the phones (extension, password) for the bank."""
    from centralita.app.voice_stations import do_set_station
    from centralita.clock import utcnow
    from centralita.schemas import CampaignSpec, QueueSpec
    from centralita.store import actions, migrate
    from centralita.store.db import Store

    url = f"sqlite:///{db_file}"
    migrate.upgrade(url)
    store = Store.from_url(url)
    kw: dict[str, Any] = {"at": utcnow(), "actor": "bench"}
    phones = []
    try:
        with store.transaction() as tx:
            tenant = actions.do_create_tenant(tx, slug="bench", name="Bench", **kw)
            skill = actions.do_create_skill(tx, tenant_id=tenant.id, name="voz", **kw)
            spec = QueueSpec(
                name="Bench",
                wrapup_seconds=0,
                ring_timeout_seconds=30,
                settings={"skills": {"voz": 1}},
            )
            actions.do_create_queue(tx, tenant_id=tenant.id, spec=spec, **kw)
            campaign = CampaignSpec(
                name="Bench", direction="inbound", queue="Bench", numbers=[DNIS]
            )
            actions.do_create_campaign(tx, tenant_id=tenant.id, spec=campaign, **kw)
            for a in range(agents):
                user = actions.do_create_user(
                    tx,
                    tenant_id=tenant.id,
                    username=f"agent{a}",
                    display_name=f"Agent {a}",
                    role="agent",
                    password=None,
                    **kw,
                )
                actions.do_set_agent_skill(tx, user_id=user.id, skill_id=skill.id, level=1, **kw)
                extension, password = str(3000 + a), f"bench-secret-{a}"
                do_set_station(
                    tx,
                    tenant_id=tenant.id,
                    extension=extension,
                    password=password,
                    user_id=user.id,
                    auto_answer=True,
                    realm=REALM,
                    **kw,
                )
                phones.append({"extension": extension, "password": password})
    finally:
        store.dispose()
    return phones


def spawn(
    module_args: list[str], log: Path, *, stdin: bytes | None = None
) -> subprocess.Popen[bytes]:
    """`python -m ...` with its output in a file (never a pipe that could fill)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", *module_args],
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if stdin is not None:
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
    return proc


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_phone_bank(
    worker: subprocess.Popen[bytes], work: Path, phones: list[dict[str, str]]
) -> tuple[dict[str, Any], subprocess.Popen[bytes]]:
    """Once the worker wrote `port.json`, start the bank of agents' phones
    (`voice_phones`: answer at once with a 1 kHz tone, never hang up, 8 kHz bridge)
    registering at its registrar, and wait until the worker says every phone registered
    and its agent is logged in (`ready.json`). Returns port.json and the bank."""
    started = read_json(worker, work / "port.json", 60)
    args = ["--registrar", started["registrar"], "--prompts", str(work / "prompts")]
    args += ["--ring-max", "0", "--talk-max", "0", "--tone", "1000"]
    args += ["--max-calls", str(len(phones) + 10), "--clock-rate", "8000"]
    bank = spawn(
        ["centralita.app.voice_phones", *args],
        work / "phones.log",
        stdin=json.dumps(phones).encode(),
    )
    ready = read_json(worker, work / "ready.json", 60)
    if ready["registered"] != len(phones):
        stop_process(bank)
        raise RuntimeError(f"only {ready['registered']} of {len(phones)} phones registered")
    return started, bank


async def log_in_when_registered(
    voice: Any, registrar: Any, stop: asyncio.Event, work: Path, timeout: float = 45.0
) -> None:
    """In the worker: wait (up to `timeout` s, or `stop`) until every agent's station
    registered, log those agents in, and write `ready.json` with how many they were."""
    from centralita.core.events import AgentLoggedIn

    center = voice.runner.center
    agents = sorted(center.router.agent_ids(), key=int)
    extensions = {a: voice.station_for(a) for a in agents}
    registered: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        registered = [a for a, s in extensions.items() if s and registrar.contacts(s.extension)]
        if len(registered) == len(agents):
            break
        await asyncio.sleep(0.2)
    for agent in registered:
        voice.runner.handle(AgentLoggedIn(agent))
    write_json(work / "ready.json", {"registered": len(registered)})


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


def run_sipp(
    sipp: str, scenario: Path, work: Path, port: int, calls: int, rate: float, hold: float
) -> tuple[int, float]:
    """Run sipp to the end; (exit code, its CPU seconds from wait4's rusage)."""
    args = [sipp, f"127.0.0.1:{port}", "-sf", str(scenario), "-s", DNIS]
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


def read_json(proc: subprocess.Popen[bytes], path: Path, timeout: float) -> dict[str, Any]:
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


def write_json(path: Path, data: dict[str, Any]) -> None:
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(data))
    partial.rename(path)


# --- the center (a subprocess; it starts the media worker as `serve` does) ------------
async def _center(work: Path, calls: int, clock_rate: int, quality: int) -> dict[str, Any]:
    from centralita.app.center import LiveCenter
    from centralita.app.live import LiveView
    from centralita.app.runner import Runner
    from centralita.app.voice import VoiceCall, VoiceCenter, VoiceSettings
    from centralita.app.voice_stations import StationBook
    from centralita.store.db import Store
    from centralita.telephony.registrar import Registrar
    from centralita.telephony.worker_process import MediaOptions, open_media

    counts: dict[str, Any] = {"bridged": 0, "most_bridged": 0}
    logging.basicConfig(level=logging.INFO, format="%(asctime)s center %(message)s")
    counts["first_bridge_at"] = counts["last_bridge_at"] = 0.0
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    store = Store.from_url(f"sqlite:///{work / 'centralita.db'}")
    center = LiveCenter.from_store(store)
    runner = Runner(center, LiveView(center))
    await runner.start()
    options = MediaOptions(
        sip_port=0, max_calls=2 * calls + 10, clock_rate=clock_rate, media_quality=quality
    )
    book = StationBook(store, REALM)
    registrar = Registrar(book.credentials, port=0, realm=REALM)
    up: set[str] = set()  # interactions bridged and not yet over
    plateau: tuple[float, float, float] | None = None
    media_pid = 0
    sampling: list[asyncio.Task[None]] = []

    def listen(what: str, call: VoiceCall, leg: str) -> None:
        nonlocal plateau
        if what == "bridged" and call.interaction_id not in up:
            up.add(call.interaction_id)
            counts["bridged"] += 1
            now = time.monotonic()
            counts["first_bridge_at"] = counts["first_bridge_at"] or now
            counts["last_bridge_at"] = now
            counts["most_bridged"] = max(counts["most_bridged"], len(up))
            if len(up) == calls:  # every call is bridged: the plateau starts
                plateau = (now, time.process_time(), _cpu_seconds(media_pid))
        elif what == "ended" and leg == call.caller and call.interaction_id in up:
            if plateau is not None and len(up) == calls:  # the plateau ends
                wall = time.monotonic() - plateau[0]
                if wall > 0:
                    counts["plateau_seconds"] = wall
                    media_cpu = _cpu_seconds(media_pid) - plateau[2]
                    counts["plateau_cpu_share"] = media_cpu / wall
                    center_cpu = time.process_time() - plateau[1]
                    counts["plateau_center_cpu_share"] = center_cpu / wall
            if "rtp" not in counts:  # the first hang-up: RTP of the calls still bridged
                counts["rtp"] = {}
                others = [  # newest first: the oldest are the next to hang up
                    c
                    for c in reversed(voice.calls.values())
                    if c.bridged and c.agent_leg and c is not call
                ]
                sampling.append(asyncio.create_task(_rtp_sample(voice, others, counts["rtp"])))
            up.discard(call.interaction_id)

    media = await open_media("worker", options)
    engine = media.port
    assert media.worker is not None and media.worker.pid is not None
    media_pid = media.worker.pid
    try:
        await registrar.start()
        voice = VoiceCenter(
            runner, engine, registrar, book, VoiceSettings(prompts_dir=work / "prompts")
        )
        voice.call_listeners.append(listen)
        await voice.start()
        try:
            started = {"port": engine.port, "registrar": registrar.uri, "media_pid": media_pid}
            write_json(work / "port.json", started)
            await log_in_when_registered(voice, registrar, stop, work)
            await stop.wait()
            for task in sampling:
                await task
            ending = time.monotonic() + 20  # the last BYEs and their agents' legs
            while (voice.calls or await engine.call_count()) and time.monotonic() < ending:
                await asyncio.sleep(0.1)
            runner.commit()
            counts["left_in_core"] = len(center.router.interaction_ids())
            counts["agents_not_ready"] = _not_ready(center.router)
            counts["stations_failed"] = voice.stations_failed
            counts["media_timeouts"] = voice.media_timeouts
            counts["legs_left"] = await engine.call_count()
        finally:
            await voice.stop()
            await registrar.stop()
            await runner.stop()
    finally:
        await media.stop()
    store.dispose()
    return counts


def _not_ready(router: Any) -> dict[str, int]:
    """Agents left paused at the end, by reason ("missed": an offer failed or went
    unanswered; with one agent per call, each strands one caller)."""
    reasons: dict[str, int] = {}
    for agent_id in router.agent_ids():
        snap = router.agent_snapshot(agent_id)
        if not snap.ready and snap.reason is not None:
            reasons[snap.reason] = reasons.get(snap.reason, 0) + 1
    return reasons


async def _rtp_sample(voice: Any, calls: list[Any], sample: dict[str, int]) -> None:
    """RTP counters of both legs of `calls` (those that end meanwhile are skipped)."""
    from centralita.errors import CentralitaError

    sample.update(calls=0, both_ways=0, rx_packets=0, tx_packets=0, rx_lost=0)
    for call in calls:
        try:
            legs = await asyncio.gather(
                voice.engine.media_stats(call.caller), voice.engine.media_stats(call.agent_leg)
            )
        except CentralitaError:  # the call ended meanwhile
            continue
        sample["calls"] += 1
        sample["both_ways"] += all(s.rx_packets > 0 and s.tx_packets > 0 for s in legs)
        for stats in legs:
            sample["rx_packets"] += stats.rx_packets
            sample["tx_packets"] += stats.tx_packets
            sample["rx_lost"] += stats.rx_lost


if __name__ == "__main__" and sys.argv[1:2] == ["center"]:
    work_dir = Path(sys.argv[2])
    write_json(
        work_dir / "counts.json",
        asyncio.run(_center(work_dir, int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))),
    )
