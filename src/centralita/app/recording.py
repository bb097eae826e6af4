"""Recording calls: each leg of a call into its own mono WAV with the engine's recorder,
then the recording's channels cut from them (caller left, agent right, or mixed).

    recorder = CallRecorder(voice, LocalStorage(data_dir / "recordings"), data_dir / "spool")
    recorder.attach()                       # listens to the voice adapter's calls
    await recorder.start(interaction_id, actor="user:7")   # on demand
    await recorder.pause(interaction_id) ... await recorder.resume(interaction_id)
    await recorder.stop(interaction_id)

How: the first time a call needs recording, each of its legs gets a recorder (a "take",
kept in the spool until the call is over); a recording is a span of the call's time
with its paused spans. A pause or an on-demand stop stops the engine's recorders
(`Engine.stop_record`), so what is said meanwhile never reaches the disk; resuming
starts new takes. When every leg has ended and the engine has closed the takes, each
recording is rendered (`recording.timeline` + `recording.audio`: takes placed at their
start, cut to the span, silence where paused), stored, and handed to the conversion
worker; the spool is deleted. The call's manifest in the spool lets `recording_recover`
finish what a worker that died mid-call left.

Nothing here may stop a call: every failure is caught, the recording marked `failed`
with an alert event, and the call goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from centralita.app.recording_convert import Converter
from centralita.app.recording_spool import MANIFEST, render_files, spool_lock, unconverted
from centralita.clock import utcnow
from centralita.errors import CentralitaError, Conflict, NotFound
from centralita.recording import audio
from centralita.recording.policy import RecordingPolicy, Split, Start, as_layer
from centralita.recording.storage import Storage, StorageError
from centralita.recording.timeline import clip_pauses
from centralita.store.actions import recordings as actions
from centralita.store.models import Campaign, Interaction, Recording, RecordingTag, Tenant

if TYPE_CHECKING:
    from centralita.app.voice import VoiceCall, VoiceCenter

log = logging.getLogger(__name__)


class NotRecording(Conflict):
    code = "not-recording"


class NoSuchCall(NotFound):
    code = "no-such-call"


class RecordingRefused(Conflict):
    code = "recording-refused"


class RecordingUnavailable(CentralitaError):
    code = "recording-unavailable"
    http_status = 503


#: The recorder attached to each live center's runner (the web routes find it there).
_RECORDERS: weakref.WeakKeyDictionary[Any, CallRecorder] = weakref.WeakKeyDictionary()


def recorder_of(runner: Any) -> CallRecorder:
    """The recorder following `runner`'s calls (`RecordingUnavailable` if none: the
    center does not answer calls, or has no data folder)."""
    recorder = _RECORDERS.get(runner)
    if recorder is None:
        raise RecordingUnavailable("this center does not record calls")
    return recorder


@dataclass
class _Span:
    """One recording (one row) being made: its span and pauses on the loop's clock."""

    row_id: int
    start: float
    started_at: datetime  # the row's start (wall clock), for the file's key
    leg: int
    on_demand: bool
    agent_id: str | None
    stop: float | None = None
    pauses: list[tuple[float, float | None]] = field(default_factory=list)


@dataclass
class _Tape:
    """A call being recorded: its legs' takes and its recordings."""

    call: VoiceCall
    meta: dict[str, Any]
    policy: RecordingPolicy
    spool: Path
    #: Every take of the call: "<leg>" or "<leg>#<n>" → (side, file, start).
    takes: dict[str, tuple[str, Path, float]] = field(default_factory=dict)
    #: The legs being recorded now → their current take.
    open_takes: dict[str, str] = field(default_factory=dict)
    ended: set[str] = field(default_factory=set)
    spans: list[_Span] = field(default_factory=list)
    agent_legs: int = 0
    #: `MediaPort.losses` when the call was first recorded.
    worker_losses: int = 0

    def open_span(self) -> _Span | None:
        return next((s for s in self.spans if s.stop is None), None)

    def taking(self) -> bool:
        """Whether the legs should be recorded now: a recording is open and not paused."""
        span = self.open_span()
        return span is not None and not (span.pauses and span.pauses[-1][1] is None)

    def side_of(self, leg: str) -> str:
        return next((side for tid, (side, _, _) in self.takes.items()
                     if tid.split("#")[0] == leg), "")  # fmt: skip


class CallRecorder:
    def __init__(
        self,
        voice: VoiceCenter,
        storage: Storage,
        spool: Path,
        *,
        seed: str = "",
        converter: Converter | None = None,
    ) -> None:
        self.voice = voice
        self.store = voice.runner.center.store
        self.storage = storage
        self.spool = Path(spool)
        self.seed = seed
        self.converter = converter or Converter(self.store, storage, self.spool)
        self.tapes: dict[str, _Tape] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: Recording ids rendered and stored (tests and the benchmark wait on it).
        self.finished: list[int] = []
        self._failed: set[int] = set()
        #: The call's clock (the loop's monotonic time): spans and takes are placed on it.
        self.now: Callable[[], float] = time.monotonic
        self._lock: Any = None

    # --- wiring ----------------------------------------------------------------------
    def attach(self) -> None:
        self._lock = spool_lock(self.spool)
        if self._lock is None:
            log.warning("recording: another process records into %s too", self.spool)
        self.voice.call_listeners.append(self._on_call)
        _RECORDERS[self.voice.runner] = self
        self.converter.start()
        for row_id in unconverted(self.store):  # left in the queue by a stopped worker
            self.converter.submit(row_id)

    async def close(self) -> None:
        if self._on_call in self.voice.call_listeners:
            self.voice.call_listeners.remove(self._on_call)
        if _RECORDERS.get(self.voice.runner) is self:
            del _RECORDERS[self.voice.runner]
        for task in list(self._tasks):
            await asyncio.wait([task], timeout=30)
        await self.converter.stop()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _on_call(self, what: str, call: VoiceCall, leg: str) -> None:
        self._spawn(self._follow(what, call, leg, self.now()))

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self, what: str, call: VoiceCall, leg: str, at: float) -> None:
        try:
            if what == "admitted":
                tape = self._tape(call)
                if tape.policy.start is Start.ARRIVAL and self._automatic(tape):
                    await self._open(tape, at, on_demand=False)
                    await self._take(tape, leg, "caller")
            elif what == "bridged":
                tape = self.tapes.get(call.interaction_id) or self._tape(call)
                tape.agent_legs += 1
                if self._automatic(tape) and tape.open_span() is None:
                    await self._open(tape, at, on_demand=False)
                if tape.taking():
                    await self._take(tape, call.caller, "caller")
                    await self._take(tape, leg, "agent")
            elif what == "ended":
                await self._leg_ended(call, leg, at)
        except Exception:
            log.exception("recording: %s of %s failed; the call goes on", what, leg)

    def _automatic(self, tape: _Tape) -> bool:
        return tape.policy.records_automatically(tape.call.interaction_id, self.seed)

    def _tape(self, call: VoiceCall) -> _Tape:
        self.voice.runner.commit()  # the interaction's row, written by this turn's batch
        with self.store.read() as session:
            row = session.get(Interaction, call.interaction_id)
            if row is None:
                raise NoSuchCall(interaction_id=call.interaction_id)
            tenant = session.get(Tenant, row.tenant_id)
            campaign = session.get(Campaign, row.campaign_id) if row.campaign_id else None
            policy = actions.policy_for(
                session, tenant_id=row.tenant_id, queue_id=row.queue_id,
                campaign_id=row.campaign_id,
            )  # fmt: skip
            meta = {
                "tenant_id": row.tenant_id,
                "tenant": tenant.slug if tenant else str(row.tenant_id),
                "campaign": campaign.name if campaign else None,
                "campaign_id": row.campaign_id,
                "queue_id": row.queue_id,
                "contact_id": row.contact_id,
                "caller_number": row.ani,
            }
        tape = _Tape(call, meta, policy, self.spool / call.interaction_id)
        tape.worker_losses = self.voice.engine.losses  # changed by the end: worker lost
        self.tapes[call.interaction_id] = tape
        return tape

    # --- takes and spans -------------------------------------------------------------
    async def _take(self, tape: _Tape, leg: str, side: str) -> None:
        if leg in tape.open_takes or leg in tape.ended:
            return
        n = sum(1 for tid in tape.takes if tid.split("#")[0] == leg)
        tid, path = (leg, tape.spool / f"{side}-{leg}.wav") if n == 0 else (
            f"{leg}#{n}", tape.spool / f"{side}-{leg}-{n}.wav")  # fmt: skip
        tape.takes[tid] = (side, path, self.now())  # claimed before the await
        tape.open_takes[leg] = tid
        try:
            await asyncio.to_thread(tape.spool.mkdir, parents=True, exist_ok=True)
            await self.voice.engine.record(leg, path)
        except Exception as exc:
            tape.takes.pop(tid, None)
            tape.open_takes.pop(leg, None)
            await self._fail_open(tape, "record", _reason(exc))
            raise
        tape.takes[tid] = (side, path, self.now())
        self._journal(tape)

    async def _stop_takes(self, tape: _Tape) -> None:
        """Stop the engine's recorders of the call (on-demand stop, pause): nothing more
        of it reaches the spool until recording resumes. If the engine cannot, the audio
        keeps coming and is cut or silenced when the file is made, as before."""
        for leg in list(tape.open_takes):
            tape.open_takes.pop(leg)
            try:
                await self.voice.engine.stop_record(leg)
            except Exception as exc:  # the leg ended meanwhile, or the engine refused
                log.info("recording: could not stop the take of %s: %s", leg, exc)

    async def _retake(self, tape: _Tape) -> None:
        call = tape.call
        await self._take(tape, call.caller, "caller")
        if call.agent_leg is not None and call.bridged:
            await self._take(tape, call.agent_leg, "agent")

    async def _open(
        self, tape: _Tape, at: float, *, on_demand: bool, actor: str | None = None
    ) -> _Span:
        call = tape.call
        split_leg = tape.agent_legs if tape.policy.split is Split.LEG else 0
        started_at = utcnow()
        with self.store.transaction() as tx:
            row = actions.do_start_recording(
                tx,
                tenant_id=tape.meta["tenant_id"],
                interaction_id=call.interaction_id,
                leg=split_leg + 100 * sum(1 for s in tape.spans if s.leg == split_leg),
                started_at=started_at,
                policy=tape.policy,
                contact_id=tape.meta["contact_id"],
                agent_id=int(call.agent_id) if call.agent_id else None,
                queue_id=tape.meta["queue_id"],
                campaign_id=tape.meta["campaign_id"],
                caller_number=tape.meta["caller_number"],
                on_demand=on_demand,
                at=utcnow(),
                actor=actor or "recorder",
            )
            span = _Span(row.id, at, started_at, row.leg, on_demand, call.agent_id)
        tape.spans.append(span)
        self._journal(tape)
        return span

    def _journal(self, tape: _Tape) -> None:
        """Rewrite the call's manifest (a rename: a reader sees the old or the new one)."""
        doc = {
            "interaction_id": tape.call.interaction_id,
            "meta": tape.meta,
            "policy": as_layer(tape.policy),
            "takes": [[side, path.name, start] for side, path, start in tape.takes.values()],
            "spans": [
                {"row_id": s.row_id, "start": s.start, "stop": s.stop, "leg": s.leg,
                 "started_at": s.started_at.isoformat(), "agent_id": s.agent_id,
                 "pauses": [list(p) for p in s.pauses]}
                for s in tape.spans
            ],
        }  # fmt: skip
        try:
            tape.spool.mkdir(parents=True, exist_ok=True)
            partial = tape.spool / f".{MANIFEST}.partial"
            partial.write_text(json.dumps(doc))
            os.replace(partial, tape.spool / MANIFEST)
        except OSError as exc:  # the take itself fails, and says so, if the spool is broken
            log.warning("recording: cannot write %s's manifest: %s", tape.spool, exc)

    async def _fail_open(self, tape: _Tape, stage: str, reason: str) -> None:
        for span in tape.spans:
            if span.stop is None:
                span.stop = self.now()
                await self._fail(span.row_id, stage, reason)
        tape.spans = [s for s in tape.spans if s.row_id not in self._failed]

    async def _fail(self, row_id: int, stage: str, reason: str) -> None:
        self._failed.add(row_id)
        with self.store.transaction() as tx:
            actions.do_fail_recording(
                tx, recording_id=row_id, stage=stage, error=reason, at=utcnow()
            )

    async def _leg_ended(self, call: VoiceCall, leg: str, at: float) -> None:
        tape = self.tapes.get(call.interaction_id)
        if tape is None:
            return
        tape.ended.add(leg)
        tape.open_takes.pop(leg, None)
        side = tape.side_of(leg)
        span = tape.open_span()
        if side == "agent" and tape.policy.split is Split.LEG and span is not None:
            span.stop = at
        if leg != call.caller:
            self._journal(tape)
            return
        for span in tape.spans:
            if span.stop is None:
                span.stop = at
            if span.pauses and span.pauses[-1][1] is None:
                span.pauses[-1] = (span.pauses[-1][0], at)
        await self._finish(tape)

    # --- on demand -------------------------------------------------------------------
    def _live_tape(self, interaction_id: str) -> _Tape:
        call = self.voice.calls.get(interaction_id)
        if call is None or call.caller_gone:
            raise NoSuchCall(interaction_id=interaction_id)
        return self.tapes.get(interaction_id) or self._tape(call)

    async def start(self, interaction_id: str, *, actor: str | None = None) -> int:
        """Start recording the call now (on demand); the new recording's id."""
        tape = self._live_tape(interaction_id)
        if not tape.policy.may_record_on_demand:
            raise RecordingRefused(interaction_id=interaction_id, mode="never")
        if (span := tape.open_span()) is not None:
            return span.row_id
        span = await self._open(tape, self.now(), on_demand=True, actor=actor)
        await self._retake(tape)
        return span.row_id

    async def stop(self, interaction_id: str, *, actor: str | None = None) -> None:
        span = self._span(interaction_id)
        span.stop = self.now()
        if span.pauses and span.pauses[-1][1] is None:
            span.pauses[-1] = (span.pauses[-1][0], span.stop)
        tape = self.tapes[interaction_id]
        self._journal(tape)
        self._mark(span, "stopped", span.stop, actor)
        await self._stop_takes(tape)

    async def pause(self, interaction_id: str, *, actor: str | None = None) -> None:
        span = self._span(interaction_id)
        if not span.pauses or span.pauses[-1][1] is not None:
            span.pauses.append((self.now(), None))
            tape = self.tapes[interaction_id]
            self._journal(tape)
            self._mark(span, "paused", span.pauses[-1][0], actor)
            await self._stop_takes(tape)

    async def resume(self, interaction_id: str, *, actor: str | None = None) -> None:
        span = self._span(interaction_id)
        if span.pauses and span.pauses[-1][1] is None:
            tape = self.tapes[interaction_id]
            await self._retake(tape)  # the pause lasts until the legs are recorded again
            at = self.now()
            if span.pauses[-1][1] is None:  # (the call may have ended meanwhile)
                span.pauses[-1] = (span.pauses[-1][0], at)
            self._journal(tape)
            self._mark(span, "resumed", at, actor)

    def _mark(self, span: _Span, what: str, at: float, actor: str | None) -> None:
        with self.store.transaction() as tx:
            actions.do_mark_recording(
                tx, recording_id=span.row_id, what=what, offset=round(at - span.start, 3),
                at=utcnow(), actor=actor,
            )  # fmt: skip

    async def tag(self, interaction_id: str, tag: str, *, actor: str | None = None) -> list[int]:
        """The agent's tag on the call's recordings (those made so far and the one being
        made); `NotRecording` if there is none yet."""
        with self.store.transaction() as tx:
            ids = tx.session.scalars(
                select(Recording.id).where(
                    Recording.interaction_id == interaction_id, Recording.state != "purged"
                )
            ).all()
            if not ids:
                raise NotRecording(interaction_id=interaction_id)
            have = set(
                tx.session.scalars(
                    select(RecordingTag.recording_id).where(
                        RecordingTag.recording_id.in_(ids), RecordingTag.tag == tag.strip().lower()
                    )
                )
            )
            for row_id in ids:
                if row_id not in have:
                    actions.do_tag_recording(
                        tx, recording_id=row_id, tag=tag, source="agent", at=utcnow(),
                        actor=actor,
                    )  # fmt: skip
        return list(ids)

    def status(self, interaction_id: str) -> dict[str, Any]:
        """What the agent's desktop shows: whether the call is being recorded or paused,
        whether it may be started on demand, and the tags of its recordings."""
        call = self.voice.calls.get(interaction_id)
        live = call is not None and not call.caller_gone
        tape = self.tapes.get(interaction_id)
        if tape is None and live:
            assert call is not None
            tape = self._tape(call)
        span = tape.open_span() if tape is not None else None
        with self.store.read() as session:
            tags = sorted(set(session.scalars(
                select(RecordingTag.tag).join(Recording, Recording.id == RecordingTag.recording_id)
                .where(Recording.interaction_id == interaction_id)
            )))  # fmt: skip
        return {
            "interaction": interaction_id,
            "live": live,
            "recording": span is not None,
            "paused": bool(span and span.pauses and span.pauses[-1][1] is None),
            "on_demand": bool(span and span.on_demand),
            "recording_id": span.row_id if span else None,
            "may_start": bool(live and tape and tape.policy.may_record_on_demand),
            "tags": tags,
        }

    def _span(self, interaction_id: str) -> _Span:
        tape = self.tapes.get(interaction_id)
        span = tape.open_span() if tape is not None else None
        if span is None:
            raise NotRecording(interaction_id=interaction_id)
        return span

    # --- rendering -------------------------------------------------------------------
    async def _finish(self, tape: _Tape) -> None:
        self.tapes.pop(tape.call.interaction_id, None)
        if self.voice.engine.losses != tape.worker_losses:
            await self._recover_lost(tape)
            return
        try:
            await self.voice.engine.call_count()  # the engine has reaped the ended legs
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            paths = [path for _, path, _ in tape.takes.values()]
            while not all(await asyncio.to_thread(lambda: [audio.wav_is_closed(p) for p in paths])):
                if loop.time() > deadline:
                    raise audio.AudioError("the engine did not close a recorded leg's file")
                await asyncio.sleep(0.05)
            for span in tape.spans:
                await self._render(tape, span)
        except Exception as exc:
            for span in tape.spans:
                if span.row_id not in self.finished and span.row_id not in self._failed:
                    await self._fail(span.row_id, "render", _reason(exc))
        finally:
            await asyncio.to_thread(shutil.rmtree, tape.spool, True)

    async def _recover_lost(self, tape: _Tape) -> None:
        """The media worker died during the call: it never closed the takes, so finish the
        recordings from the spool as `serve` does at start-up after a crash (headers
        repaired, what was written kept, tagged `interrupted`)."""
        from centralita.app.recording_recover import Recovered, recover_call

        self._journal(tape)  # the spans' ends as the center saw them
        rows = [
            s.row_id
            for s in tape.spans
            if s.row_id not in self.finished and s.row_id not in self._failed
        ]
        done = Recovered()
        await asyncio.to_thread(
            recover_call, self.store, self.storage, tape.spool, tape.call.interaction_id, rows, done
        )
        log.warning(
            "recording: the media worker was lost during %s; %d recordings finished from "
            "the spool, %d failed", tape.call.interaction_id, len(done.finished), len(done.failed),
        )  # fmt: skip
        self._failed.update(done.failed)
        for row_id in done.finished:
            self.finished.append(row_id)
            if tape.policy.format != "wav":
                self.converter.submit(row_id)

    async def _render(self, tape: _Tape, span: _Span) -> None:
        assert span.stop is not None
        stop = span.stop
        try:
            key, seconds, size, digest = await asyncio.to_thread(
                render_files, self.storage, tape.spool, tape.takes.values(), span.row_id,
                (span.start, stop), [(a, b if b is not None else stop) for a, b in span.pauses],
                tape.policy, tape.meta, tape.call.interaction_id, span.started_at, span.leg,
            )  # fmt: skip
        except Exception as exc:
            stage = "store" if isinstance(exc, StorageError) else "render"
            await self._fail(span.row_id, stage, _reason(exc))
            return
        with self.store.transaction() as tx:
            actions.do_complete_recording(
                tx, recording_id=span.row_id, key=key, duration=seconds, size=size,
                sha256=digest, paused=clip_pauses(span.pauses, (span.start, stop)),
                at=utcnow(),
                agent_id=int(span.agent_id) if span.agent_id else None,
            )  # fmt: skip
            actions.do_tag_by_rules(
                tx, interaction_id=tape.call.interaction_id, recording_id=span.row_id, at=utcnow()
            )
        self.finished.append(span.row_id)
        if tape.policy.format != "wav":
            self.converter.submit(span.row_id)


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
