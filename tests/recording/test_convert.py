"""The conversion worker: WAV → Opus kept only when it decodes to the WAV's duration;
otherwise the WAV stays, the recording is marked failed and an alert is raised."""

from __future__ import annotations

import math
import shutil
import wave
from pathlib import Path

import pytest

from centralita.app.recording_convert import Converter
from centralita.recording.policy import resolve
from centralita.recording.storage import LocalStorage, MemoryStorage, Storage
from centralita.store import actions, events
from centralita.store.actions import recordings as rec
from centralita.store.db import Store
from centralita.store.models import Recording
from support import T0, require

KW = {"at": T0, "actor": "test"}


@pytest.fixture(autouse=True)
def tools() -> None:
    for tool in ("opusenc", "opusdec", "soxi"):
        require(shutil.which(tool) is not None, f"{tool} (scripts/install-test-deps.sh)")


def tone_wav(path: Path, seconds: float, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            s = int(6000 * math.sin(2 * math.pi * 440 * i / rate)).to_bytes(
                2, "little", signed=True
            )
            frames += s + s
        wav.writeframes(bytes(frames))
    return path


def stored(store: Store, storage: Storage, source: Path, duration: float) -> int:
    with store.transaction() as tx:
        tenant_id = actions.do_create_tenant(tx, slug="acme", name="Acme", **KW).id
        row = rec.do_start_recording(
            tx, tenant_id=tenant_id, interaction_id="i-1", started_at=T0, policy=resolve(), **KW
        )
        key = "acme/i-1.wav"
        size = storage.put(key, source)
        rec.do_complete_recording(
            tx, recording_id=row.id, key=key, duration=duration, size=size, sha256="0" * 64,
            paused=[], at=T0,
        )  # fmt: skip
        return row.id


@pytest.mark.parametrize("kind", ["local", "memory"])
def test_given_a_complete_wav_then_it_becomes_a_verified_opus_and_the_wav_goes(
    store: Store, tmp_path: Path, kind: str
) -> None:
    storage = LocalStorage(tmp_path / "rec") if kind == "local" else MemoryStorage()
    row_id = stored(store, storage, tone_wav(tmp_path / "x.wav", 2.5), 2.5)
    converter = Converter(store, storage, tmp_path / "scratch")
    assert converter.convert(row_id) is True
    assert not storage.exists("acme/i-1.wav") and storage.exists("acme/i-1.opus")
    with store.read() as session:
        row = session.get(Recording, row_id)
        assert row is not None
        assert (row.state, row.format, row.key) == ("converted", "opus", "acme/i-1.opus")
        assert row.size_bytes == storage.size("acme/i-1.opus")
        assert row.size_bytes is not None and row.size_bytes < 2.5 * 16000 * 4 / 5
    assert converter.convert(row_id) is False  # already converted: nothing to do


@pytest.mark.parametrize("broken", ["not audio", "wrong duration"])
def test_given_a_conversion_that_fails_then_the_wav_is_kept_and_an_alert_is_raised(
    store: Store, tmp_path: Path, broken: str
) -> None:
    storage = LocalStorage(tmp_path / "rec")
    if broken == "not audio":
        source = tmp_path / "x.wav"
        source.write_bytes(b"this is not a WAV file at all" * 100)
        row_id = stored(store, storage, source, 2.0)
    else:  # the row says 9 s, the audio holds 2 s: the check refuses it
        row_id = stored(store, storage, tone_wav(tmp_path / "x.wav", 2.0), 9.0)
    converter = Converter(store, storage, tmp_path / "scratch")
    assert converter.convert(row_id) is False
    assert storage.exists("acme/i-1.wav") and not storage.exists("acme/i-1.opus")
    with store.read() as session:
        row = session.get(Recording, row_id)
        assert row is not None and row.state == "failed" and row.key == "acme/i-1.wav"
        assert row.error is not None and row.error.startswith("convert: ")
        [alert] = [e for e in events.read(session) if e.kind == "recording.failed"]
    assert alert.payload["alert"] is True and alert.payload["stage"] == "convert"
