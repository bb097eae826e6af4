"""Recordings a stopped worker left in state `recording`: finished from the spool's takes
(marked interrupted) or failed with an alert, never left. The takes here are written
as the engine leaves them when its process dies: PCM data after a header whose sizes
were never filled in (`tests/app/test_recording.py` does it with a real PJSIP take)."""

from __future__ import annotations

import json
import math
import shutil
import struct
import sys
import wave
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from centralita.app.recording_recover import recover, recover_data_dir
from centralita.app.recording_spool import LOCK, MANIFEST, spool_lock, unconverted
from centralita.recording.policy import as_layer, resolve
from centralita.recording.storage import LocalStorage
from centralita.schemas import CampaignSpec
from centralita.store import actions, events
from centralita.store.actions import recordings as rec
from centralita.store.db import Store
from centralita.store.models import Recording, RecordingTag
from support import T0, require
from telephony.tel_helpers import goertzel_share

KW = {"at": T0, "actor": "test"}
RATE, CALLER_HZ, AGENT_HZ = 16000, 1600, 1000


@pytest.fixture(autouse=True)
def sox() -> None:
    require(shutil.which("sox") is not None, "sox (scripts/install-test-deps.sh)")


@pytest.fixture
def tenant_id(store: Store) -> int:
    with store.transaction() as tx:
        return actions.do_create_tenant(tx, slug="acme", name="Acme", **KW).id


def unfinished_take(path: Path, hz: int, seconds: float) -> None:
    """A 16-bit mono WAV with the sizes of a header its writer never closed (0), and a
    torn last sample, as a killed process leaves it."""
    n = int(seconds * RATE)
    samples = [int(8000 * math.sin(2 * math.pi * hz * i / RATE)) for i in range(n)]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{n}h", *samples))
    raw = bytearray(path.read_bytes())
    raw[4:8] = raw[40:44] = b"\0\0\0\0"
    path.write_bytes(bytes(raw) + b"\x01")


def start_row(
    store: Store, tenant_id: int, interaction: str, campaign: str | None = None, **policy: Any
) -> int:
    with store.transaction() as tx:
        campaign_id = None
        if campaign:
            spec = CampaignSpec(name=campaign, direction="inbound")
            campaign_id = actions.do_create_campaign(tx, tenant_id=tenant_id, spec=spec, **KW).id
        return rec.do_start_recording(
            tx, tenant_id=tenant_id, interaction_id=interaction, started_at=T0,
            policy=resolve(tenant=policy), caller_number="600100200", campaign_id=campaign_id,
            **KW,
        ).id  # fmt: skip


def manifest(spool: Path, interaction: str, spans: list[dict[str, Any]], **policy: Any) -> None:
    """What the recorder leaves: the caller's take from 10.0 on its clock, the agent's
    from 10.5; times are the recorder's (monotonic) clock."""
    doc = {
        "interaction_id": interaction,
        "meta": {"tenant_id": 1, "tenant": "acme", "campaign": "ventas", "campaign_id": None,
                 "queue_id": None, "contact_id": None, "caller_number": "600100200"},
        "policy": as_layer(resolve(tenant=policy)),
        "takes": [["caller", "caller-c.wav", 10.0], ["agent", "agent-a.wav", 10.5]],
        "spans": spans,
    }  # fmt: skip
    (spool / interaction / MANIFEST).write_text(json.dumps(doc))


def tones(path: Path) -> tuple[float, list[list[int | None]]]:
    """(seconds, per channel the dominant tone of each 100 ms block: 0 silent)."""
    with wave.open(str(path), "rb") as w:
        n, rate = w.getnchannels(), w.getframerate()
        data = w.readframes(w.getnframes())
    samples = struct.unpack(f"<{len(data) // 2}h", data)
    out = []
    for c in range(n):
        chan, block, blocks = samples[c::n], rate // 10, []
        for i in range(0, len(chan) - block + 1, block):
            chunk = list(chan[i : i + block])
            if max(abs(s) for s in chunk) < 200:
                blocks.append(0)
                continue
            share, hz = max((goertzel_share(chunk, rate, f), f) for f in (CALLER_HZ, AGENT_HZ))
            blocks.append(hz if share > 0.8 else None)
        out.append(blocks)
    return len(samples) / n / rate, out


def test_given_a_worker_died_mid_call_then_the_recording_is_finished_from_the_spool_as_interrupted(
    store: Store, tenant_id: int, tmp_path: Path
) -> None:
    storage, spool = LocalStorage(tmp_path / "recordings"), tmp_path / "spool"
    row_id = start_row(store, tenant_id, "call-1", "Ventas", format="wav")
    (spool / "call-1").mkdir(parents=True)
    unfinished_take(spool / "call-1" / "caller-c.wav", CALLER_HZ, 4.0)  # 10.0 → 14.0
    unfinished_take(spool / "call-1" / "agent-a.wav", AGENT_HZ, 3.0)  # 10.5 → 13.5
    span = {"row_id": row_id, "start": 10.5, "stop": None, "leg": 0, "agent_id": None,
            "started_at": T0.isoformat(), "pauses": [[11.5, 12.0], [13.0, None]]}  # fmt: skip
    manifest(spool, "call-1", [span], format="wav")

    done = recover(store, storage, spool)

    assert (done.finished, done.failed, done.busy) == ([row_id], [], False)
    with store.read() as session:
        row = session.get(Recording, row_id)
        assert row is not None and row.key is not None
        tags = set(session.scalars(select(RecordingTag.tag)))
        [completed] = [e for e in events.read(session) if e.kind == "recording.completed"]
        assert (row.state, row.channels) == ("complete", 2)
        assert (row.error or "").startswith("interrupted: the worker stopped mid-call")
        assert row.paused == [[1.0, 1.5], [2.5, 3.5]]  # the open pause ends with the takes
        assert abs((row.duration_seconds or 0) - 3.5) < 0.01  # from 10.5 to the last take's end
        key = row.key
    assert tags == {"interrupted", "campaign:ventas"}
    assert completed.payload["alert"] is True and completed.payload["interrupted"]
    seconds, (left, right) = tones(tmp_path / "recordings" / key)
    assert abs(seconds - 3.5) < 0.01
    assert left[:10] == [CALLER_HZ] * 10 and right[:10] == [AGENT_HZ] * 10
    assert set(left[11:14]) == set(right[11:14]) == {0}  # paused 1.0-1.5 s
    assert left[16:24] == [CALLER_HZ] * 8 and right[16:24] == [AGENT_HZ] * 8
    assert set(left[26:]) == set(right[26:]) == {0}  # the pause open when it died
    assert not (spool / "call-1").exists()
    # the next recorder converts it if the policy says so
    for fmt, wanted in (("wav", False), ("opus", True)):
        with store.transaction() as tx:
            rec.do_set_recording_policy(
                tx, tenant_id=tenant_id, scope="tenant", settings={"format": fmt}, **KW
            )
        assert (row_id in unconverted(store)) is wanted


def test_given_no_spool_or_nothing_recorded_then_the_recording_fails_with_an_alert(
    store: Store, tenant_id: int, tmp_path: Path
) -> None:
    storage, spool = LocalStorage(tmp_path / "recordings"), tmp_path / "spool"
    nothing_spooled = start_row(store, tenant_id, "call-gone")
    too_late = start_row(store, tenant_id, "call-late")
    unknown = start_row(store, tenant_id, "call-late-2")
    (spool / "call-late").mkdir(parents=True)
    unfinished_take(spool / "call-late" / "caller-c.wav", CALLER_HZ, 1.0)
    span = {"row_id": too_late, "start": 20.0, "stop": None, "leg": 0, "agent_id": None,
            "started_at": T0.isoformat(), "pauses": []}  # fmt: skip
    manifest(spool, "call-late", [span])  # asked for after the last audio the takes hold
    (spool / "call-late-2").mkdir()
    (spool / "call-late-2" / MANIFEST).write_text("{not json")
    (spool / "orphan").mkdir()  # the spool of a recording finished before the stop

    done = recover(store, storage, spool)

    assert sorted(done.failed) == sorted([nothing_spooled, too_late, unknown])
    with store.read() as session:
        states = dict(session.execute(select(Recording.id, Recording.state)).all())
        failed = {e.payload["recording_id"]: e for e in events.read(session)
                  if e.kind == "recording.failed"}  # fmt: skip
        errors = dict(session.execute(select(Recording.id, Recording.error)).all())
    assert set(states.values()) == {"failed"}
    assert all(e.payload["alert"] is True and e.payload["stage"] == "recover"
               for e in failed.values())  # fmt: skip
    assert sorted(failed) == sorted(states)
    assert "nothing was spooled" in errors[nothing_spooled]
    assert "before anything of it was recorded" in errors[too_late]
    assert [p.name for p in spool.iterdir()] == [LOCK]  # the spool is empty
    assert recover(store, storage, spool).failed == []  # nothing twice


def test_given_another_process_records_into_the_spool_then_recovery_leaves_it_alone(
    store: Store, tenant_id: int, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    row_id = start_row(store, tenant_id, "call-live")
    (spool / "call-live").mkdir(parents=True)
    held = spool_lock(spool)  # as a running recorder holds it
    assert held is not None
    try:
        assert recover(store, LocalStorage(tmp_path / "recordings"), spool).busy
        with store.read() as session:
            assert session.get(Recording, row_id).state == "recording"  # type: ignore[union-attr]
        assert (spool / "call-live").exists()
    finally:
        held.close()
    done = recover_data_dir(store, tmp_path)  # what `serve` runs at start
    assert done.failed == [row_id] and not done.busy


def test_centralita_serve_finishes_a_dead_workers_recording_before_it_serves(
    tmp_path: Path,
) -> None:
    """The command as an operator runs it, after a worker died mid-call."""
    import os
    import subprocess
    import urllib.request

    from centralita.store import migrate
    from support import free_port, wait_for

    url = f"sqlite:///{tmp_path / 'centralita.db'}"
    migrate.upgrade(url)
    store = Store.from_url(url)
    try:
        with store.transaction() as tx:
            tenant = actions.do_create_tenant(tx, slug="acme", name="Acme", **KW).id
        row_id = start_row(store, tenant, "call-1", "Ventas", format="wav")
        spool = tmp_path / "data" / "spool"
        (spool / "call-1").mkdir(parents=True)
        unfinished_take(spool / "call-1" / "caller-c.wav", CALLER_HZ, 2.0)
        unfinished_take(spool / "call-1" / "agent-a.wav", AGENT_HZ, 1.5)
        span = {"row_id": row_id, "start": 10.5, "stop": None, "leg": 0, "agent_id": None,
                "started_at": T0.isoformat(), "pauses": []}  # fmt: skip
        manifest(spool, "call-1", [span], format="wav")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRALITA_")}
        env |= {"CENTRALITA_DATABASE_URL": url, "CENTRALITA_DATA_DIR": str(tmp_path / "data"),
                "CENTRALITA_PORT": str(port), "CENTRALITA_SECRET_KEY": "test-secret"}  # fmt: skip
        command = shutil.which("centralita") or str(Path(sys.executable).with_name("centralita"))
        with (tmp_path / "serve.log").open("wb") as out:
            serve = subprocess.Popen([command, "serve"], cwd=tmp_path, env=env, stdout=out,
                                     stderr=subprocess.STDOUT)  # fmt: skip
        try:
            health = f"http://127.0.0.1:{port}/health"
            wait_for(lambda: urllib.request.urlopen(health, timeout=2).status == 200,
                     timeout=60, what="serve to answer")  # fmt: skip
        finally:
            serve.terminate()
            serve.wait(timeout=30)
        with store.read() as session:
            row = session.get(Recording, row_id)
            assert row is not None and row.state == "complete" and row.key is not None
            assert (row.error or "").startswith("interrupted")
            assert abs((row.duration_seconds or 0) - 1.5) < 0.01  # 10.5 → the caller's 12.0
        assert (tmp_path / "data" / "recordings" / row.key).exists()
        assert not (spool / "call-1").exists()
    finally:
        store.dispose()


def test_given_a_wav_left_unconverted_then_the_next_recorder_converts_it(
    store: Store, tenant_id: int, tmp_path: Path
) -> None:
    """A worker stopped with a recording in its conversion queue (or recovery finished
    one): the next `CallRecorder.attach` queues it again."""
    import asyncio
    from types import SimpleNamespace

    from centralita.app.recording import CallRecorder

    for tool in ("opusenc", "opusdec"):
        require(shutil.which(tool) is not None, f"{tool} (scripts/install-test-deps.sh)")
    storage = LocalStorage(tmp_path / "recordings")
    source = tmp_path / "made.wav"
    unfinished_take(source, CALLER_HZ, 1.0)
    from centralita.recording import audio

    audio.repair_wav(source)
    size = storage.put("acme/made.wav", source)
    row_id = start_row(store, tenant_id, "call-made")  # the default policy: Opus
    with store.transaction() as tx:
        rec.do_complete_recording(
            tx, recording_id=row_id, key="acme/made.wav", duration=1.0, size=size,
            sha256=audio.sha256_of(source), paused=[], at=T0,
        )  # fmt: skip

    class Runner:  # what the recorder needs of the live center: its store
        center = SimpleNamespace(store=store)

    voice = SimpleNamespace(call_listeners=[], runner=Runner())

    async def scenario() -> None:
        recorder = CallRecorder(voice, storage, tmp_path / "spool")  # type: ignore[arg-type]
        recorder.attach()
        await asyncio.wait_for(recorder.converter.idle(), 30)
        await recorder.close()

    asyncio.run(scenario())
    with store.read() as session:
        row = session.get(Recording, row_id)
        assert row is not None and (row.state, row.format) == ("converted", "opus")
        assert row.key == "acme/made.opus"
    assert storage.exists("acme/made.opus") and not storage.exists("acme/made.wav")
