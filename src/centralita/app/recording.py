"""Recording calls: each leg of a call into its own mono WAV with the engine's recorder,
then the recording's channels cut from them (caller left, agent right, or mixed).

    recorder = CallRecorder(voice, LocalStorage(data_dir / "recordings"), data_dir / "spool")
    recorder.attach()                       # listens to the voice adapter's calls
    await recorder.start(interaction_id, actor="user:7")   # on demand
    await recorder.pause(interaction_id) ... await recorder.resume(interaction_id)
    await recorder.stop(interaction_id)

How: the first time a call needs recording, each of its legs gets a recorder (a "take",
kept in the spool until the call is over); a recording is a span of the call's time
with its paused spans. When every leg has ended and the engine has closed the takes,
each recording is rendered (`recording.timeline` + `recording.audio`), stored, and
handed to the conversion worker. The engine cannot stop a recorder before its leg ends,
so after an on-demand stop or during a pause the audio still reaches the spool; it is
cut or silenced when rendered and the spool is deleted.

Nothing here may stop a call: every failure is caught, the recording marked `failed`
with an alert event, and the call goes on.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from centralita.app.recording_convert import Converter
from centralita.clock import utcnow
from centralita.errors import Conflict, NotFound
from centralita.recording import audio
from centralita.recording.policy import Channels, RecordingPolicy, Split, Start
from centralita.recording.storage import Storage, StorageError
from centralita.recording.timeline import Take, channel_plan, clip_pauses
from centralita.store.actions import recordings as actions
from centralita.store.models import Campaign, Interaction, Tenant

if TYPE_CHECKING:
    from centralita.app.voice import VoiceCall, VoiceCenter

log = logging.getLogger(__name__)


class NotRecording(Conflict):
    code = "not-recording"


class NoSuchCall(NotFound):
    code = "no-such-call"


class RecordingRefused(Conflict):
    code = "recording-refused"


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
    takes: dict[str, tuple[str, Path, float]] = field(default_factory=dict)  # leg → side
    ended: set[str] = field(default_factory=set)
    spans: list[_Span] = field(default_factory=list)
    agent_legs: int = 0

    def open_span(self) -> _Span | None:
        return next((s for s in self.spans if s.stop is None), None)


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

    # --- wiring ----------------------------------------------------------------------
    def attach(self) -> None:
        self.voice.call_listeners.append(self._on_call)
        self.converter.start()

    async def close(self) -> None:
        if self._on_call in self.voice.call_listeners:
            self.voice.call_listeners.remove(self._on_call)
        for task in list(self._tasks):
            await asyncio.wait([task], timeout=30)
        await self.converter.stop()

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
                if tape.takes or tape.open_span() is not None:
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
        self.tapes[call.interaction_id] = tape
        return tape

    # --- takes and spans -------------------------------------------------------------
    async def _take(self, tape: _Tape, leg: str, side: str) -> None:
        if leg in tape.takes or leg in tape.ended:
            return
        path = tape.spool / f"{side}-{leg}.wav"
        tape.takes[leg] = (side, path, self.now())  # claimed before the await
        try:
            await asyncio.to_thread(tape.spool.mkdir, parents=True, exist_ok=True)
            await self.voice.engine.record(leg, path)
        except Exception as exc:
            tape.takes.pop(leg, None)
            await self._fail_open(tape, "record", _reason(exc))
            raise
        tape.takes[leg] = (side, path, self.now())

    async def _open(self, tape: _Tape, at: float, *, on_demand: bool) -> _Span:
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
                actor="recorder",
            )
            span = _Span(row.id, at, started_at, row.leg, on_demand, call.agent_id)
        tape.spans.append(span)
        return span

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
        side = tape.takes.get(leg, ("", None, 0.0))[0]
        span = tape.open_span()
        if side == "agent" and tape.policy.split is Split.LEG and span is not None:
            span.stop = at
        if leg != call.caller:
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
        span = await self._open(tape, self.now(), on_demand=True)
        await self._take(tape, tape.call.caller, "caller")
        if tape.call.agent_leg is not None and tape.call.bridged:
            await self._take(tape, tape.call.agent_leg, "agent")
        return span.row_id

    async def stop(self, interaction_id: str) -> None:
        span = self._span(interaction_id)
        span.stop = self.now()
        if span.pauses and span.pauses[-1][1] is None:
            span.pauses[-1] = (span.pauses[-1][0], span.stop)

    async def pause(self, interaction_id: str) -> None:
        span = self._span(interaction_id)
        if not span.pauses or span.pauses[-1][1] is not None:
            span.pauses.append((self.now(), None))

    async def resume(self, interaction_id: str) -> None:
        span = self._span(interaction_id)
        if span.pauses and span.pauses[-1][1] is None:
            span.pauses[-1] = (span.pauses[-1][0], self.now())

    def _span(self, interaction_id: str) -> _Span:
        tape = self.tapes.get(interaction_id)
        span = tape.open_span() if tape is not None else None
        if span is None:
            raise NotRecording(interaction_id=interaction_id)
        return span

    # --- rendering -------------------------------------------------------------------
    async def _finish(self, tape: _Tape) -> None:
        self.tapes.pop(tape.call.interaction_id, None)
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

    async def _render(self, tape: _Tape, span: _Span) -> None:
        assert span.stop is not None
        try:
            key, seconds, size, digest = await asyncio.to_thread(self._render_files, tape, span)
        except Exception as exc:
            stage = "store" if isinstance(exc, StorageError) else "render"
            await self._fail(span.row_id, stage, _reason(exc))
            return
        with self.store.transaction() as tx:
            actions.do_complete_recording(
                tx, recording_id=span.row_id, key=key, duration=seconds, size=size,
                sha256=digest, paused=clip_pauses(span.pauses, (span.start, span.stop)),
                at=utcnow(),
                agent_id=int(span.agent_id) if span.agent_id else None,
            )  # fmt: skip
            if tape.meta["campaign"]:
                actions.do_tag_recording(
                    tx, recording_id=span.row_id, tag=f"campaign:{tape.meta['campaign']}"[:50],
                    source="rule", at=utcnow(), actor="recorder",
                )  # fmt: skip
        self.finished.append(span.row_id)
        if tape.policy.format != "wav":
            self.converter.submit(span.row_id)

    def _render_files(self, tape: _Tape, span: _Span) -> tuple[str, float, int, str]:
        assert span.stop is not None
        heads = {p: audio.wav_frames(p) for _, p, _ in tape.takes.values() if p.exists()}
        takes = [
            Take(side, str(path), start, heads[path][0])
            for side, path, start in tape.takes.values()
            if path in heads
        ]
        rate = next((r for _, r in heads.values()), 16000)
        pauses = [(a, b if b is not None else span.stop) for a, b in span.pauses]
        sides = []
        for side in ("caller", "agent"):
            target = tape.spool / f"{span.row_id}-{side}.wav"
            plan = channel_plan(takes, side=side, span=(span.start, span.stop), pauses=pauses,
                                rate=rate)  # fmt: skip
            audio.write_channel(target, plan, rate)
            sides.append(target)
        out = tape.spool / f"{span.row_id}.wav"
        audio.combine(sides[0], sides[1], out, stereo=tape.policy.channels is Channels.STEREO)
        key = tape.policy.storage_key(
            tenant=tape.meta["tenant"], campaign=tape.meta["campaign"],
            queue=str(tape.meta["queue_id"]) if tape.meta["queue_id"] else None,
            started_at=span.started_at, interaction_id=tape.call.interaction_id, leg=span.leg,
        )  # fmt: skip
        size = self.storage.put(key, out)
        frames, rate = audio.wav_frames(out)
        return key, round(frames / rate, 3), size, audio.sha256_of(out)


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
