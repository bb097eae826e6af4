"""Recordings a stopped worker left half-made, finished or failed when `serve` starts.

While a call is recorded, its spool directory holds each leg's take (a WAV the engine
writes as the call goes) and the recorder's manifest (`tape.json`: the takes' sides and
starts, each recording's span and pauses, on the recorder's clock). A worker that dies
mid-call leaves the rows in state `recording`, the takes with an unfinished header and
the manifest as it last was. At start-up, for each such row:

- its call's takes are repaired (sizes from the file's length) and the recording is cut
  from them as the recorder would have, up to where the takes end; it is `complete`,
  marked interrupted (`error`, the `interrupted` tag, and `recording.completed` with
  `alert: true`), and converted by the next recorder (`CallRecorder.attach`);
- with no manifest, no take or nothing recorded in its span, it is `failed` (stage
  `recover`) with `recording.failed` and `alert: true`.

Never silently left: after recovery no row is in `recording`, and the spool is empty.
A spool another process holds (it is recording into it: `CallRecorder` keeps a `flock`
on `spool/.lock`) is left alone. One data directory per database is assumed.

    recover(store, LocalStorage(data_dir / "recordings"), data_dir / "spool")
"""

from __future__ import annotations

import json
import logging
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from centralita.app.recording_spool import MANIFEST, render_files, spool_lock
from centralita.clock import utcnow
from centralita.recording import audio
from centralita.recording.policy import resolve
from centralita.recording.storage import LocalStorage, Storage
from centralita.recording.timeline import clip_pauses
from centralita.store.actions import recordings as actions
from centralita.store.db import Store
from centralita.store.models import Recording

log = logging.getLogger(__name__)
INTERRUPTED = "interrupted"  # the rule tag of a recording finished from the spool


@dataclass
class Recovered:
    finished: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    #: Another process holds the spool (it is recording): nothing was touched.
    busy: bool = False


def recover_data_dir(store: Store, data_dir: Path) -> Recovered:
    """`recover` with the places `serve` records into (`data_dir/recordings`, `/spool`).
    A recovery that cannot run (say, the database refuses) is logged: the center starts
    all the same, and the next start tries again."""
    try:
        done = recover(store, LocalStorage(data_dir / "recordings"), data_dir / "spool")
    except Exception:
        log.exception("recording: the recovery of a stopped worker's spool failed")
        return Recovered()
    if done.finished or done.failed:
        log.warning(
            "recordings left by a stopped worker: %d finished from the spool (interrupted), "
            "%d failed", len(done.finished), len(done.failed),
        )  # fmt: skip
    return done


def recover(store: Store, storage: Storage, spool: Path) -> Recovered:
    done = Recovered()
    lock = spool_lock(spool) if spool.is_dir() else None
    if spool.is_dir() and lock is None:
        log.warning("recording: %s is held by another process; not recovered", spool)
        done.busy = True
        return done
    try:
        calls: dict[str, list[int]] = defaultdict(list)
        with store.read() as session:
            for row_id, interaction_id in session.execute(
                select(Recording.id, Recording.interaction_id)
                .where(Recording.state == "recording")
                .order_by(Recording.id)
            ):
                calls[interaction_id].append(row_id)
        for interaction_id, row_ids in calls.items():
            recover_call(store, storage, spool / interaction_id, interaction_id, row_ids, done)
        if spool.is_dir():  # what is left is spool of recordings already finished
            for left in spool.iterdir():
                if left.is_dir():
                    shutil.rmtree(left, ignore_errors=True)
    finally:
        if lock is not None:
            lock.close()
    return done


def recover_call(
    store: Store, storage: Storage, spool: Path, interaction_id: str, row_ids: list[int],
    done: Recovered,
) -> None:  # fmt: skip
    """Finish `row_ids` of one call from its spool (the takes' headers repaired), or
    fail them; the spool is removed. Also the recorder's way when the media worker
    died during a call."""
    try:
        doc = json.loads((spool / MANIFEST).read_text())
        takes, end = _takes(spool, doc)
        spans = {s["row_id"]: s for s in doc["spans"]}
        for row_id in row_ids:
            span = spans.get(row_id)
            try:
                if span is None:
                    raise audio.AudioError("the manifest does not know this recording")
                _finish(store, storage, spool, doc, span, takes, end, interaction_id)
                done.finished.append(row_id)
            except Exception as exc:
                _fail(store, row_id, exc)
                done.failed.append(row_id)
    except Exception as exc:  # no spool, no manifest, or not one we can read
        why: BaseException = exc
        if not spool.exists():
            why = audio.AudioError("the worker stopped mid-call and nothing was spooled")
        for row_id in row_ids:
            if row_id not in done.finished and row_id not in done.failed:
                _fail(store, row_id, why)
                done.failed.append(row_id)
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def _takes(spool: Path, doc: dict[str, Any]) -> tuple[list[tuple[str, Path, float]], float]:
    """The takes still readable (their headers repaired) and where the last one ends."""
    takes: list[tuple[str, Path, float]] = []
    end: float | None = None
    for side, name, start in doc["takes"]:
        path = spool / Path(name).name
        try:
            frames = audio.repair_wav(path)
            _, rate = audio.wav_frames(path)
        except (OSError, EOFError, audio.AudioError) as exc:
            log.warning("recording: take %s unusable: %s", path, exc)
            continue
        takes.append((side, path, start))
        end = max(end or start, start + frames / rate)
    if end is None:
        raise audio.AudioError("no take of the call survived in the spool")
    return takes, end


def _finish(
    store: Store, storage: Storage, spool: Path, doc: dict[str, Any], span: dict[str, Any],
    takes: list[tuple[str, Path, float]], end: float, interaction_id: str,
) -> None:  # fmt: skip
    start = span["start"]
    stop = min(span["stop"], end) if span["stop"] is not None else end
    if stop - start < 0.02:
        raise audio.AudioError("the worker stopped before anything of it was recorded")
    pauses = [(a, stop if b is None else b) for a, b in span["pauses"]]
    meta = doc["meta"]
    key, seconds, size, digest = render_files(
        storage, spool, takes, span["row_id"], (start, stop), pauses, resolve(doc["policy"]),
        meta, interaction_id, datetime.fromisoformat(span["started_at"]), span["leg"],
    )  # fmt: skip
    with store.transaction() as tx:
        at = utcnow()
        actions.do_complete_recording(
            tx, recording_id=span["row_id"], key=key, duration=seconds, size=size,
            sha256=digest, paused=clip_pauses(pauses, (start, stop)), at=at,
            agent_id=int(span["agent_id"]) if span["agent_id"] else None,
            interrupted=f"the worker stopped mid-call; recovered {seconds:.1f} s from the spool",
        )  # fmt: skip
        actions.do_tag_by_rules(
            tx, interaction_id=interaction_id, recording_id=span["row_id"], at=at
        )
        actions.do_tag_recording(
            tx, recording_id=span["row_id"], tag=INTERRUPTED, source="rule", at=at,
            actor="recorder",
        )  # fmt: skip


def _fail(store: Store, row_id: int, exc: BaseException) -> None:
    reason = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
    with store.transaction() as tx:
        actions.do_fail_recording(
            tx, recording_id=row_id, stage="recover", error=reason, at=utcnow()
        )
