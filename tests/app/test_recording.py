"""Call recording end to end on 127.0.0.1: a PJSIP caller sends one tone, the agent's
PJSIP phone another; the center records each leg with the engine's recorder and makes
one file of them. The files are checked by frequency analysis (Goertzel, per channel)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import shutil
import signal
import wave
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from centralita.app.recording import CallRecorder
from centralita.app.recording_search import Search, search
from centralita.core.events import AgentLoggedIn
from centralita.recording import audio
from centralita.recording.storage import LocalStorage
from centralita.store.actions.recordings import do_set_recording_policy
from centralita.store.models import Event, Recording, RecordingTag
from support import require
from telephony.tel_helpers import goertzel_share, stop_process, until, wait_process
from telephony.voice_harness import (
    Center,
    bridged_call,
    media_flows,
    no_calls_left,
    start_caller,
    voice_center,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]
AGENT_HZ, CALLER_HZ = 1000, 1600


@pytest.fixture(autouse=True)
def sip_tools(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    require(importlib.util.find_spec("pjsua2") is not None, "pjsua2 (scripts/pjsua2/install.sh)")
    require(shutil.which("espeak-ng") is not None, "espeak-ng (scripts/install-test-deps.sh)")
    for tool in ("sox", "opusenc", "opusdec"):
        require(shutil.which(tool) is not None, f"{tool} (scripts/install-test-deps.sh)")
    yield
    leaked = [r.getMessage() for r in caplog.records if "still referenced" in r.getMessage()]
    assert not leaked, leaked


@pytest.fixture
def db_file(sqlite_demo_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "centralita.db"
    shutil.copyfile(sqlite_demo_file, path)
    return path


def run(coro: Any, timeout: float = 130) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def channels(path: Path) -> tuple[int, list[list[int]]]:
    """(rate, samples of each channel) of a 16-bit WAV."""
    with wave.open(str(path), "rb") as wav:
        rate, n = wav.getframerate(), wav.getnchannels()
        data = wav.readframes(wav.getnframes())
    samples = [
        int.from_bytes(data[i : i + 2], "little", signed=True) for i in range(0, len(data), 2)
    ]
    return rate, [samples[c::n] for c in range(n)]


def block_tones(samples: list[int], rate: int, freqs: list[int]) -> list[int | None]:
    """Per 100 ms block: the tone of `freqs` dominating it, 0 if silent, None if neither."""
    block = rate // 10
    out: list[int | None] = []
    for i in range(0, len(samples) - block + 1, block):
        chunk = samples[i : i + block]
        if (sum(s * s for s in chunk) / block) ** 0.5 <= 200:
            out.append(0)
            continue
        share, freq = max((goertzel_share(chunk, rate, f), f) for f in freqs)
        out.append(freq if share > 0.8 else None)
    return out


def decoded(tmp: Path, stored: Path) -> Path:
    """The stored file as a 16 kHz WAV (decoding Opus with opusdec)."""
    if stored.suffix == ".wav":
        return stored
    import subprocess

    out = tmp / f"{stored.stem}-decoded.wav"
    subprocess.run(["opusdec", "--quiet", "--rate", "16000", str(stored), str(out)], check=True)
    return out


@asynccontextmanager
async def recording_center(
    db_file: Path,
    tmp: Path,
    *,
    policy: dict[str, Any] | None = None,
    spool: Path | None = None,
    auto_answer: tuple[str, ...] = ("ana",),
    media: str = "in-process",
) -> AsyncIterator[tuple[Center, CallRecorder]]:
    async with voice_center(db_file, tmp, auto_answer=auto_answer, media=media) as c:
        if policy:
            with c.store.transaction() as tx:
                do_set_recording_policy(
                    tx, tenant_id=c.tenant_id, scope="tenant", settings=policy,
                    at=T_NOW(), actor="test",
                )  # fmt: skip
        storage = LocalStorage(tmp / "recordings")
        recorder = CallRecorder(c.voice, storage, spool or tmp / "spool")
        recorder.attach()
        try:
            yield c, recorder
        finally:
            await recorder.close()


def T_NOW() -> Any:
    from centralita.clock import utcnow

    return utcnow()


async def talk(c: Center, tmp: Path, hangup_after: float) -> tuple[Any, Any, Any]:
    """ana (auto-answer, AGENT_HZ, hangs up after `hangup_after` s) takes a call from a
    caller sending CALLER_HZ; returns (phone, caller, the bridged VoiceCall)."""
    phone = await c.phone(
        "ana.log", "ana", "--tone", str(AGENT_HZ), "--hangup-after", str(hangup_after)
    )
    await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
    c.runner.handle(AgentLoggedIn(c.agents["ana"]))
    caller = await start_caller(c, tmp / "caller-heard.wav", CALLER_HZ)
    call = await until(lambda: bridged_call(c), 30, "the bridge")
    return phone, caller, call


async def call_over(c: Center, phone: Any, caller: Any) -> None:
    await wait_process(caller, 40)
    await no_calls_left(c)
    assert await wait_process(phone, 20) == 0


def rows(c: Center) -> list[Recording]:
    with c.store.read() as session:
        found = list(session.scalars(select(Recording).order_by(Recording.id)))
        session.expunge_all()
        return found


def test_given_every_call_recorded_in_stereo_then_caller_is_left_agent_right_and_opus_matches(
    db_file: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with recording_center(db_file, tmp_path) as (c, recorder):
            phone, caller, _call = await talk(c, tmp_path, hangup_after=4)
            await call_over(c, phone, caller)
            await until(lambda: recorder.finished, 20, "the recording to be stored")
            await until(lambda: recorder.converter.converted, 30, "the conversion")

    run(scenario())
    store_root = tmp_path / "recordings"
    with_store = [p for p in store_root.rglob("*") if p.is_file()]
    [opus] = with_store  # the WAV is gone once the Opus file was verified
    assert opus.suffix == ".opus"
    from centralita.store.db import Store

    store = Store.from_url(f"sqlite:///{tmp_path / 'centralita.db'}")
    try:
        with store.read() as session:
            [row] = session.scalars(select(Recording)).all()
            tags = session.scalars(select(RecordingTag.tag)).all()
            kinds = [e.kind for e in session.scalars(select(Event).order_by(Event.id))]
            assert (row.state, row.format, row.channels) == ("converted", "opus", 2)
            assert row.key is not None and store_root / row.key == opus
            assert row.size_bytes == opus.stat().st_size
            import hashlib

            assert row.sha256 == hashlib.sha256(opus.read_bytes()).hexdigest()
            assert row.agent_id is not None and row.caller_number
            assert 3.0 < (row.duration_seconds or 0) < 6.0, row.duration_seconds
            assert tags == ["campaign:ventas"]
            duration = row.duration_seconds
            # the search finds it by its date and its rule's tag, and not outside them
            hour = timedelta(hours=1)
            at, tenants = row.started_at, [row.tenant_id]
            found = search(
                session, tenants, Search(at - hour, at + hour, tags=("campaign:ventas",))
            )
            assert [r["id"] for r in found.rows] == [row.id]
            assert search(session, tenants, Search(at - hour, at + hour, tags=("vip",))).total == 0
            assert search(session, tenants, Search(at + hour, at + 2 * hour)).total == 0
    finally:
        store.dispose()
    for kind in ("recording.started", "recording.completed", "recording.converted"):
        assert kind in kinds
    rate, (left, right) = channels(decoded(tmp_path, opus))
    assert abs(len(left) / rate - duration) < 0.05  # the decoded file is as long as the WAV
    left_tones = block_tones(left, rate, [AGENT_HZ, CALLER_HZ])
    right_tones = block_tones(right, rate, [AGENT_HZ, CALLER_HZ])
    # from the agent's answer: the caller's tone on the left, the agent's on the right
    assert left_tones.count(CALLER_HZ) >= 25 and left_tones.count(AGENT_HZ) <= 1, left_tones
    assert right_tones.count(AGENT_HZ) >= 25 and right_tones.count(CALLER_HZ) <= 1, right_tones


def test_given_on_demand_with_a_pause_then_only_the_span_is_recorded_and_the_pause_is_silent(
    db_file: Path, tmp_path: Path
) -> None:
    spans: dict[str, Any] = {}

    def within(seconds: float, a: str, b: str, slack: float = 0.03) -> bool:
        """`seconds` is from a moment during action `a` to one during action `b`."""
        (a0, a1), (b0, b1) = spans[a], spans[b]
        return b0 - a1 - slack <= seconds <= b1 - a0 + slack

    def kept_ok(kept: float) -> bool:
        """The takes hold two spans, start→pause and resume→stop, each from a moment
        during one action to one during the other (less the WAV writer's last buffer)."""
        (s0, s1), (p0, p1), (r0, r1), (t0, t1) = (
            spans[k] for k in ("start", "pause", "resume", "stop")
        )
        low, high = (p0 - s1) + (t0 - r1), (p1 - s0) + (t1 - r0)
        return low - 0.15 <= kept <= high + 0.05

    async def scenario() -> None:
        policy = {"mode": "on_demand", "format": "wav"}
        async with recording_center(db_file, tmp_path, policy=policy) as (c, recorder):
            phone, caller, call = await talk(c, tmp_path, hangup_after=9)
            await media_flows(c, call.caller, 50)  # 1 s of talk before anyone asks
            assert not rows(c)  # nobody asked yet
            loop = asyncio.get_running_loop()

            async def timed(name: str, action: Any) -> None:
                """When the action was asked and when it returned (it talks to the engine
                and the store, so it takes a moment on a loaded machine)."""
                before = loop.time()
                await action(call.interaction_id)
                spans[name] = (before, loop.time())

            await timed("start", recorder.start)
            await media_flows(c, call.caller, 75)  # 1.5 s recorded
            await timed("pause", recorder.pause)
            await media_flows(c, call.caller, 100)  # 2 s paused (a card number…)
            await timed("resume", recorder.resume)
            await media_flows(c, call.caller, 75)  # 1.5 s recorded
            await timed("stop", recorder.stop)
            # the engine stopped its recorders: while the call goes on, the spool holds
            # one closed take per leg before the pause and one after, nothing more
            await media_flows(c, call.caller, 25)
            spool = tmp_path / "spool" / call.interaction_id
            takes = sorted(spool.glob("*-*.wav"))
            assert len(takes) == 4, takes
            assert all(audio.wav_is_closed(t) for t in takes)
            for side in ("caller", "agent"):
                kept = sum(audio.wav_frames(t)[0] / 16000 for t in takes
                           if t.name.startswith(side))  # fmt: skip
                assert kept_ok(kept), (side, kept, spans)
            await call_over(c, phone, caller)  # the call goes on a few seconds unrecorded
            await until(lambda: recorder.finished, 20, "the recording to be stored")
            [row] = rows(c)
            spans["row_duration"] = row.duration_seconds or 0
            spans["paused"] = row.paused
            assert row.on_demand and row.state == "complete" and row.format == "wav"
            assert row.key is not None
            spans["key"] = row.key

    run(scenario())
    assert within(spans["row_duration"], "start", "stop"), spans
    assert spans["row_duration"] < 6.5  # not the whole 9 s call
    [[p0, p1]] = spans["paused"]
    assert within(p0, "start", "pause") and within(p1, "start", "resume"), spans
    rate, (left, right) = channels(tmp_path / "recordings" / str(spans["key"]))
    for side, tone in ((left, CALLER_HZ), (right, AGENT_HZ)):
        blocks = block_tones(side, rate, [AGENT_HZ, CALLER_HZ])
        first, last = int(p0 * 10) + 1, int(p1 * 10) - 1  # whole blocks inside the pause
        assert set(blocks[first:last]) == {0}, blocks  # silence while paused
        assert blocks[: int(p0 * 10) - 1].count(tone) >= 10, blocks
        assert blocks[int(p1 * 10) + 1 :].count(tone) >= 10, blocks


@pytest.mark.parametrize("broken", ["spool", "storage"])
def test_given_an_unwritable_directory_then_the_recording_fails_with_an_alert_and_the_call_goes_on(
    db_file: Path, tmp_path: Path, broken: str
) -> None:
    not_a_dir = tmp_path / "not-a-directory"
    not_a_dir.write_text("a file where a directory should be")
    outcome: dict[str, Any] = {}

    async def scenario() -> None:
        spool = not_a_dir / "spool" if broken == "spool" else tmp_path / "spool"
        async with recording_center(db_file, tmp_path, spool=spool) as (c, recorder):
            if broken == "storage":
                recorder.storage = LocalStorage(not_a_dir / "recordings")
            phone, caller, _call = await talk(c, tmp_path, hangup_after=3)
            await call_over(c, phone, caller)
            await until(lambda: [r for r in rows(c) if r.state == "failed"], 20, "the failure")
            outcome["outcomes"] = c.outcomes()
            outcome["failed"] = c.stored("recording.failed")

    run(scenario())
    assert outcome["outcomes"] == ["answered"]  # the call itself went on to its end
    [failed] = outcome["failed"]
    assert failed.payload["alert"] is True
    assert failed.payload["stage"] == ("record" if broken == "spool" else "store")


def test_given_the_worker_dies_mid_call_then_start_up_finishes_the_recording_from_the_spool(
    db_file: Path, tmp_path: Path
) -> None:
    """The spool is copied as the engine has written it 2 s into the call (what a killed
    process leaves: takes whose WAV headers were never finished, the last manifest), and
    the recorder stops following the call, so its row stays `recording`."""
    from centralita.app.recording_recover import recover
    from centralita.app.recording_spool import MANIFEST
    from centralita.store.db import Store

    crash = tmp_path / "crashed-spool"

    async def scenario() -> None:
        async with recording_center(db_file, tmp_path, policy={"format": "wav"}) as (c, recorder):
            phone, caller, call = await talk(c, tmp_path, hangup_after=5)
            await media_flows(c, call.caller, 100)  # 2 s recorded
            await asyncio.to_thread(shutil.copytree, tmp_path / "spool", crash)
            c.voice.call_listeners.remove(recorder._on_call)  # the worker is gone
            recorder.tapes.clear()
            await call_over(c, phone, caller)
            assert [r.state for r in rows(c)] == ["recording"]

    run(scenario())
    [call_dir] = [p for p in crash.iterdir() if p.is_dir()]
    takes = sorted(p.name.split("-")[0] for p in call_dir.glob("*.wav"))
    assert takes == ["agent", "caller"] and (call_dir / MANIFEST).exists()
    assert not any(audio.wav_is_closed(p) for p in call_dir.glob("*.wav"))  # as PJSIP left them
    store = Store.from_url(f"sqlite:///{tmp_path / 'centralita.db'}")
    try:
        done = recover(store, LocalStorage(tmp_path / "recordings"), crash)
        with store.read() as session:
            [row] = session.scalars(select(Recording)).all()
            tags = set(session.scalars(select(RecordingTag.tag)))
            session.expunge_all()
    finally:
        store.dispose()
    assert done.finished == [row.id] and row.state == "complete"
    assert (row.error or "").startswith("interrupted") and "interrupted" in tags
    assert 1.5 < (row.duration_seconds or 0) < 3.5, row.duration_seconds  # up to the copy
    assert row.key is not None
    rate, (left, right) = channels(tmp_path / "recordings" / row.key)
    left_tones = block_tones(left, rate, [AGENT_HZ, CALLER_HZ])
    right_tones = block_tones(right, rate, [AGENT_HZ, CALLER_HZ])
    assert left_tones.count(CALLER_HZ) >= 12 and AGENT_HZ not in left_tones, left_tones
    assert right_tones.count(AGENT_HZ) >= 12 and CALLER_HZ not in right_tones, right_tones
    assert not crash.joinpath(call_dir.name).exists()


def test_given_the_media_worker_is_killed_mid_call_then_the_recording_is_finished_from_the_spool(
    db_file: Path, tmp_path: Path
) -> None:
    """The worker dies with the call (its takes' WAV headers never finished): the
    recorder finishes the recording from what was written, as start-up does after a
    crash, tagged `interrupted`; nothing is left in the spool."""

    async def scenario() -> None:
        policy = {"format": "wav"}
        async with recording_center(db_file, tmp_path, policy=policy, media="worker") as (
            c,
            recorder,
        ):
            assert c.media.worker is not None and c.media.worker.pid is not None
            phone, caller, call = await talk(c, tmp_path, hangup_after=30)
            await media_flows(c, call.caller, 100)  # 2 s recorded
            os.kill(c.media.worker.pid, signal.SIGKILL)
            await until(lambda: recorder.finished, 30, "the recording to be finished")
            assert [r.state for r in rows(c)] == ["complete"]
            for process in (phone, caller):
                await stop_process(process)

    run(scenario())
    [row] = rows_of(tmp_path)
    assert (row.error or "").startswith("interrupted"), row.error
    assert 1.5 < (row.duration_seconds or 0) < 6, row.duration_seconds
    assert row.key is not None
    rate, (left, right) = channels(tmp_path / "recordings" / row.key)
    left_tones = block_tones(left, rate, [AGENT_HZ, CALLER_HZ])
    right_tones = block_tones(right, rate, [AGENT_HZ, CALLER_HZ])
    assert left_tones.count(CALLER_HZ) >= 12 and AGENT_HZ not in left_tones, left_tones
    assert right_tones.count(AGENT_HZ) >= 12 and CALLER_HZ not in right_tones, right_tones
    assert not any((tmp_path / "spool").glob("*/*.wav"))


def rows_of(tmp_path: Path) -> list[Recording]:
    from centralita.store.db import Store

    store = Store.from_url(f"sqlite:///{tmp_path / 'centralita.db'}")
    try:
        with store.read() as session:
            found = list(session.scalars(select(Recording)))
            session.expunge_all()
            return found
    finally:
        store.dispose()


def test_given_recording_from_arrival_then_the_wait_in_queue_is_on_the_caller_channel_only(
    db_file: Path, tmp_path: Path
) -> None:
    """`start = "arrival"`: the recording begins when the caller is admitted; while the
    caller waits (nobody logged in for 2 s) only the caller's channel has sound."""
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        policy = {"start": "arrival", "format": "wav"}
        async with recording_center(db_file, tmp_path, policy=policy) as (c, recorder):
            phone = await c.phone("ana.log", "ana", "--tone", str(AGENT_HZ), "--hangup-after", "4")
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            caller = await start_caller(c, tmp_path / "caller-heard.wav", CALLER_HZ)
            waiting = await until(lambda: next(iter(c.voice.calls.values()), None), 20, "a call")
            loop = asyncio.get_running_loop()
            await until(lambda: rows(c), 10, "the recording to start at the arrival")
            arrived = loop.time()
            await media_flows(c, waiting.caller, 100)  # 2 s in the queue, nobody to answer
            assert not waiting.bridged
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            await until(lambda: bridged_call(c), 30, "the bridge")
            seen["queued"] = loop.time() - arrived
            await call_over(c, phone, caller)
            await until(lambda: recorder.finished, 20, "the recording to be stored")
            [row] = rows(c)
            seen["row"] = row

    run(scenario())
    row = seen["row"]
    assert row.state == "complete" and row.key is not None and not row.on_demand
    assert (row.duration_seconds or 0) > seen["queued"] + 3.0  # the wait and the talk
    rate, (left, right) = channels(tmp_path / "recordings" / row.key)
    left_tones = block_tones(left, rate, [AGENT_HZ, CALLER_HZ])
    right_tones = block_tones(right, rate, [AGENT_HZ, CALLER_HZ])
    waited = int(seen["queued"] * 10) - 2  # whole blocks before the bridge
    assert waited >= 18
    assert left_tones[2:waited].count(CALLER_HZ) >= waited - 4, left_tones  # the caller, waiting
    assert set(right_tones[:waited]) == {0}, right_tones  # no agent yet: silence
    assert right_tones[waited + 5 :].count(AGENT_HZ) >= 25, right_tones  # then the agent
    assert AGENT_HZ not in left_tones and CALLER_HZ not in right_tones


def test_given_one_recording_per_leg_then_a_blind_transfer_makes_one_file_per_agent(
    db_file: Path, tmp_path: Path
) -> None:
    """`split = "leg"`: ana answers, transfers the caller to carlos (blind); each agent's
    leg is its own recording, with the caller on the left and only that agent on the
    right."""
    from centralita.core.events import TransferRequested
    from telephony.tel_helpers import log_has

    carlos_hz = 2200
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        policy = {"split": "leg", "format": "wav"}
        async with recording_center(
            db_file, tmp_path, policy=policy, auto_answer=("ana", "carlos")
        ) as (c, recorder):
            phones = [
                await c.phone("ana.log", "ana", "--tone", str(AGENT_HZ)),
                await c.phone("carlos.log", "carlos", "--tone", str(carlos_hz)),
            ]
            await until(
                lambda: c.registrar.contacts("1001") and c.registrar.contacts("1002"), 20,
                "the phones to register",
            )  # fmt: skip
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            caller = await start_caller(c, tmp_path / "caller-heard.wav", CALLER_HZ)
            call = await until(lambda: bridged_call(c), 30, "ana's bridge")
            await media_flows(c, call.caller, 100)  # 2 s with ana
            c.runner.handle(AgentLoggedIn(c.agents["carlos"]))
            c.runner.handle(TransferRequested(call.interaction_id, agent_id=c.agents["carlos"]))
            await until(lambda: log_has(tmp_path / "ana.log", "ended"), 20, "ana let go")
            await until(
                lambda: call.bridged and call.agent_id == c.agents["carlos"], 20, "carlos's bridge"
            )
            await media_flows(c, call.caller, 150)  # 3 s with carlos
            await c.engine.hangup(call.caller)
            await wait_process(caller, 20)
            await no_calls_left(c)
            await until(lambda: len(recorder.finished) == 2, 20, "both recordings")
            seen["rows"] = rows(c)
            seen["agents"] = {int(c.agents["ana"]): "ana", int(c.agents["carlos"]): "carlos"}
            for phone in phones:  # each exits after its one call; stop any still up
                if phone.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        phone.terminate()
                await phone.wait()

    run(scenario())
    first, second = seen["rows"]
    assert (first.leg, second.leg) == (1, 2)
    assert [seen["agents"][r.agent_id] for r in (first, second)] == ["ana", "carlos"]
    assert first.interaction_id == second.interaction_id and first.key != second.key
    for row, tone, other in ((first, AGENT_HZ, carlos_hz), (second, carlos_hz, AGENT_HZ)):
        assert row.key is not None and row.key.endswith(f"-{row.leg}.wav")
        rate, (left, right) = channels(tmp_path / "recordings" / row.key)
        freqs = [AGENT_HZ, CALLER_HZ, carlos_hz]
        left_tones, right_tones = block_tones(left, rate, freqs), block_tones(right, rate, freqs)
        assert left_tones.count(CALLER_HZ) >= 12, left_tones
        assert right_tones.count(tone) >= 12 and other not in right_tones, right_tones
