"""The background conversion of finished recordings: WAV → Opus, checked, then the WAV
deleted.

One asyncio task takes recording ids off a queue and converts each in a worker thread
(opusenc is a subprocess; the loop never waits on it). The Opus file is decoded back in
full and its duration compared with the WAV's; only a file that decodes and matches
replaces the WAV (row first, then the WAV deleted). Anything else keeps the WAV, marks
the recording `failed` and raises an alert event (`recording.failed`, stage `convert`).

    converter = Converter(store, storage, spool); converter.start()
    converter.submit(recording_id); await converter.idle(); await converter.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from pathlib import Path

from centralita.clock import utcnow
from centralita.recording import audio
from centralita.recording.storage import Storage
from centralita.store.actions import recordings as actions
from centralita.store.db import Store
from centralita.store.models import Recording

log = logging.getLogger(__name__)
#: Largest difference between the WAV's and the decoded Opus file's duration (Opus
#: frames are 20 ms; the encoder pads the last one).
DURATION_TOLERANCE = 0.05


class Converter:
    def __init__(self, store: Store, storage: Storage, scratch: Path) -> None:
        self.store = store
        self.storage = storage
        self.scratch = Path(scratch)
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.converted: list[int] = []
        self.failed: list[int] = []

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def submit(self, recording_id: int) -> None:
        self._queue.put_nowait(recording_id)

    async def idle(self) -> None:
        await self._queue.join()

    async def _run(self) -> None:
        while True:
            recording_id = await self._queue.get()
            try:
                await asyncio.to_thread(self.convert, recording_id)
            except Exception:
                log.exception("recording %s: conversion crashed", recording_id)
            finally:
                self._queue.task_done()

    def convert(self, recording_id: int) -> bool:
        """Convert one recording now (on the caller's thread); True if converted."""
        with self.store.read() as session:
            row = session.get(Recording, recording_id)
            if row is None or row.state != "complete" or row.key is None:
                return False
            wav_key, expected = row.key, row.duration_seconds or 0.0
        opus_key = wav_key.rsplit(".", 1)[0] + ".opus"
        try:
            self.scratch.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=self.scratch) as tmp:
                work = Path(tmp)
                wav = self.storage.local_path(wav_key)
                if wav is None:  # an object store: fetch a copy to encode
                    wav = work / "in.wav"
                    with self.storage.open(wav_key) as src:
                        wav.write_bytes(src.read())
                opus = work / "out.opus"
                audio.to_opus(wav, opus)
                seconds = audio.decoded_duration(opus, work / "check.wav")
                if abs(seconds - expected) > DURATION_TOLERANCE:
                    raise audio.AudioError(
                        f"the Opus file decodes to {seconds:.3f} s, the WAV has {expected:.3f} s"
                    )
                size = self.storage.put(opus_key, opus)
                digest = audio.sha256_of(opus)
        except Exception as exc:
            log.warning("recording %s: conversion failed: %s", recording_id, exc)
            with contextlib.suppress(Exception):
                self.storage.delete(opus_key)
            with self.store.transaction() as tx:
                actions.do_fail_recording(
                    tx, recording_id=recording_id, stage="convert", error=str(exc)[:500],
                    at=utcnow(),
                )  # fmt: skip
            self.failed.append(recording_id)
            return False
        with self.store.transaction() as tx:
            actions.do_convert_recording(
                tx, recording_id=recording_id, key=opus_key, fmt="opus", size=size,
                sha256=digest, at=utcnow(),
            )  # fmt: skip
        self.storage.delete(wav_key)
        self.converted.append(recording_id)
        return True
