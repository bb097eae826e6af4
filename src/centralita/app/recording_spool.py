"""What the recorder keeps on disk: each call's spool (its takes, its manifest, the lock
of the process recording into it), the render of a recording from the takes, and the
recordings stored as WAV still waiting for their conversion.

Shared by `CallRecorder` (while calls go on) and `recording_recover` (after a worker
stopped mid-call).
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from centralita.recording import audio
from centralita.recording.policy import Channels, RecordingPolicy
from centralita.recording.storage import Storage
from centralita.recording.timeline import Take, channel_plan
from centralita.store.actions import recordings as actions
from centralita.store.db import Store
from centralita.store.models import Recording

#: In each call's spool directory: what the recorder knows of the call (its takes, spans
#: and pauses, on its clock), rewritten on every change, so that a worker that stops
#: mid-call leaves enough to finish the recording (`recording_recover`).
MANIFEST = "tape.json"
#: Held (flock) by the process that records into a spool; recovery skips a held spool.
LOCK = ".lock"


def render_files(
    storage: Storage,
    spool: Path,
    tape_takes: Iterable[tuple[str, Path, float]],
    row_id: int,
    span: tuple[float, float],
    pauses: list[tuple[float, float]],
    policy: RecordingPolicy,
    meta: dict[str, Any],
    interaction_id: str,
    started_at: datetime,
    leg: int,
) -> tuple[str, float, int, str]:
    """Cut one recording out of the call's takes (side, path, start on the span's clock),
    store it; its (key, seconds, size, SHA-256)."""
    takes_in = list(tape_takes)
    heads = {p: audio.wav_frames(p) for _, p, _ in takes_in if p.exists()}
    takes = [Take(side, str(path), start, heads[path][0]) for side, path, start in takes_in
             if path in heads]  # fmt: skip
    rate = next((r for _, r in heads.values()), 16000)
    sides = []
    for side in ("caller", "agent"):
        target = spool / f"{row_id}-{side}.wav"
        plan = channel_plan(takes, side=side, span=span, pauses=pauses, rate=rate)
        audio.write_channel(target, plan, rate)
        sides.append(target)
    out = spool / f"{row_id}.wav"
    audio.combine(sides[0], sides[1], out, stereo=policy.channels is Channels.STEREO)
    key = policy.storage_key(
        tenant=meta["tenant"], campaign=meta["campaign"],
        queue=str(meta["queue_id"]) if meta["queue_id"] else None,
        started_at=started_at, interaction_id=interaction_id, leg=leg,
    )  # fmt: skip
    size = storage.put(key, out)
    frames, rate = audio.wav_frames(out)
    return key, round(frames / rate, 3), size, audio.sha256_of(out)


def spool_lock(spool: Path) -> Any:
    """An exclusive hold on the spool (released when the file closes or the process
    dies); None if another process holds it."""
    with contextlib.suppress(OSError):
        spool.mkdir(parents=True, exist_ok=True)
    try:
        handle = (spool / LOCK).open("a")
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def unconverted(store: Store) -> list[int]:
    """Recordings stored as WAV whose policy wants them converted, not converted yet (a
    worker stopped with them in its queue). One policy look-up per tenant, queue and
    campaign, however many recordings keep their WAV by policy."""
    with store.read() as session:
        rows = session.execute(
            select(Recording.id, Recording.tenant_id, Recording.queue_id, Recording.campaign_id)
            .where(
                Recording.state == "complete",
                Recording.format == "wav",
                Recording.key.like("%.wav"),
            )
            .order_by(Recording.id)
        ).all()
        wants: dict[tuple[int, int | None, int | None], bool] = {}
        out = []
        for row_id, tenant_id, queue_id, campaign_id in rows:
            layers = (tenant_id, queue_id, campaign_id)
            if layers not in wants:
                policy = actions.policy_for(
                    session, tenant_id=tenant_id, queue_id=queue_id, campaign_id=campaign_id
                )
                wants[layers] = policy.format != "wav"
            if wants[layers]:
                out.append(row_id)
        return out
