"""The IVR on the phone line: runs the core's `IvrSession` on a live call between its
answer and its admission to a queue.

    carrier INVITE ─► intake.resolve (tenant, campaign) ─► a flow for the DNIS/campaign?
        no  ─► VoiceCenter.admit as before
        yes ─► answer; the session's commands run on the leg:
            Play/Say  ─► espeak-ng prompt (cached by content, 8 kHz) ─► PlaybackFinished
            Collect   ─► prompts (a key or speech stops them), then keys (DigitReceived,
                         up to max_digits or the terminator) and, for callers who speak,
                         one utterance from the leg's recording to the recogniser;
                         the timeout is a timer on the loop ─► DigitsReceived /
                         SpeechRecognized / InputTimedOut
            HttpRequest ─► httpx within its timeout ─► HttpCompleted / HttpFailed
            Enqueue   ─► VoiceCenter.admit with the IVR's priority, language, segment,
                         skills and attributes: music, announcements, offers and bridge
                         from there; the node's callback offer (`voice_ivr_queue`)
            Transfer  ─► the number through the first trunk, bridged; Voicemail ─► the
                         caller recorded under `voicemail/<box>/`; Hangup ─► BYE
        caller hangs up ─► CallerHungUp (the session ends it as `abandoned_ivr`)
    every IvrNodeVisited / IvrEnded ─► ivr.node_visited / ivr.ended in the event log
    (the call's tenant and interaction id: the interaction keeps the same id in the queue)

The core decides; this only executes, and reads the clock (`clock`, epoch seconds) to
pass `now` in. Prompts and answers are `voice_ivr_line.CallLine`'s; leaving the IVR is
`voice_ivr_exits`'. Flows come from a `FlowRegistry`: `reload()` swaps in changed files that
are valid and keeps the previous version of a broken one (its error is logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from centralita.app import intake
from centralita.app import voice_ivr_exits as exits
from centralita.app.journal import to_datetime
from centralita.app.voice_ivr_line import CallLine, IvrCall
from centralita.config import ConfigError
from centralita.core.ivr import commands as cmd
from centralita.core.ivr import events as ev
from centralita.core.ivr.errors import InvalidFlow
from centralita.core.ivr.flow import Flow
from centralita.core.ivr.records import IvrEnded, IvrNodeVisited
from centralita.core.ivr.session import Caller, IvrSession, Output
from centralita.errors import CentralitaError
from centralita.ivr_files import FlowRegistry
from centralita.speech import Recognizer
from centralita.store import events
from centralita.store.models import Campaign, Contact
from centralita.telephony import (
    CallAnswered,
    CallArrived,
    CallEnded,
    DigitReceived,
)
from centralita.telephony import PlaybackFinished as LegPlaybackFinished

if TYPE_CHECKING:
    from centralita.app.voice import VoiceCenter

log = logging.getLogger(__name__)


class VoiceIvr:
    def __init__(
        self,
        voice: VoiceCenter,
        flows: FlowRegistry,
        *,
        clock: Callable[[], float] | None = None,
        variables: Mapping[str, str] | None = None,
        recognizer: Recognizer | None = None,
        vosk_model_dir: Path | None = None,
        work_dir: Path | None = None,
        reload_every: float = 0.0,
    ) -> None:
        """`variables` override the flows' `vars`; `recognizer` defaults to
        `make_recognizer(vosk_model_dir)`, made at the first question asked by voice;
        `work_dir` holds the callers' recordings while they answer, and voicemail;
        `reload_every` > 0 re-reads the flow directory that often (seconds)."""
        self.voice = voice
        self.flows = flows
        self.clock = clock or voice.runner.center.now
        self.variables = dict(variables or {})
        self.work_dir = work_dir or voice.settings.prompts_dir.parent / "ivr"
        self.line = CallLine(voice, self.spawn, self.work_dir, recognizer, vosk_model_dir)
        self.reload_every = reload_every
        self.calls: dict[str, IvrCall] = {}
        self.finished: list[IvrCall] = []  # the last calls that left, newest last
        self.callbacks_offered: list[str] = []  # the last calls offered a callback
        self._tasks: set[asyncio.Task[Any]] = set()
        self._http: Any = None

    # --- lifecycle -------------------------------------------------------------------
    async def start(self) -> list[InvalidFlow]:
        """Load the flows (their errors are logged and returned) and take calls."""
        import httpx

        self._http = httpx.AsyncClient()
        errors = self.reload()
        self.voice.ivr = self
        if self.reload_every > 0:
            self.spawn(self._reload_forever())
        return errors

    async def stop(self) -> None:
        if self.voice.ivr is self:
            self.voice.ivr = None
        for call in list(self.calls.values()):
            self.line.quiet(call)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._http is not None:
            await self._http.aclose()

    def reload(self) -> list[InvalidFlow]:
        errors = self.flows.reload()
        for error in errors:
            log.error("ivr: flow refused, the previous version keeps running: %s", error)
        return errors

    async def _reload_forever(self) -> None:
        while True:
            await asyncio.sleep(self.reload_every)
            try:
                self.reload()  # on the loop: calls look flows up meanwhile
            except Exception:
                log.exception("ivr: reloading the flows failed")

    def spawn(self, work: Any, call: IvrCall | None = None) -> asyncio.Task[Any]:
        task = asyncio.create_task(work)
        for owner in (self._tasks, call.tasks if call else None):
            if owner is not None:
                owner.add(task)
                task.add_done_callback(owner.discard)
        return task

    # --- a call comes in ---------------------------------------------------------------
    def flow_for(self, routing: intake.Routing, dnis: str) -> Flow | None:
        flow = self.flows.for_dnis(dnis)
        if flow is None and any(f.campaigns for f in self.flows.flows.values()):
            with self.voice.runner.center.store.read() as session:
                name = session.scalar(
                    select(Campaign.name).where(Campaign.id == routing.campaign_id)
                )
            flow = self.flows.for_campaign(name) if name else None
        return flow

    async def take(self, event: CallArrived, routing: intake.Routing, trunk: str | None) -> bool:
        """Run the flow attached to the call's DNIS or campaign; False if none is."""
        flow = self.flow_for(routing, event.dnis)
        if flow is None:
            return False
        leg, iid = event.call_id, intake.new_interaction_id()
        caller = Caller.from_contact(iid, event.ani, event.dnis, self._contact(routing.contact_id))
        session = IvrSession(flow, caller, self.variables)
        arrived = self.voice.runner.center.now()
        call = IvrCall(leg, iid, session, routing, event.ani, event.dnis, trunk, arrived)
        self.calls[leg] = call
        self.voice.leg_handlers[leg] = call.inbox.put
        try:
            await self.voice.engine.answer(leg)
        except CentralitaError:
            log.info("ivr: call %s ended before the answer", leg)
            self.voice.leg_handlers.pop(leg, None)
            self.calls.pop(leg, None)
            return True
        log.info(
            "ivr: %s (%s → %s) enters flow %s v%d",
            iid,
            event.ani,
            event.dnis,
            flow.id,
            flow.version,
        )
        self.spawn(self._drive(call), call)
        return True

    def _contact(self, contact_id: int | None) -> dict[str, object] | None:
        if contact_id is None:
            return None
        with self.voice.runner.center.store.read() as session:
            contact = session.get(Contact, contact_id)
            if contact is None:
                return None
            return {
                "name": contact.name,
                "document": contact.document,
                "segment": contact.segment,
                "language": contact.language,
                "preferred_input": contact.preferred_input,
                "custom": dict(contact.custom or {}),
            }

    # --- the call's driver: one event at a time ------------------------------------------
    async def _drive(self, call: IvrCall) -> None:
        try:
            await self._execute(call, call.session.start(self.clock()))
            while not call.left:
                item = await call.inbox.get()
                event = await self._translate(call, item)
                if event is not None:
                    await self._execute(call, call.session.handle(event, self.clock()))
        except Exception:
            log.exception("ivr: call %s failed in the IVR; hanging up", call.leg)
            call.left = True
            await self.voice.quietly(self.voice.engine.hangup(call.leg))
        finally:
            self.line.quiet(call)
            self.calls.pop(call.leg, None)
            if call.recording is not None:  # what the caller said is not kept
                call.recording.path.unlink(missing_ok=True)
            if self.voice.leg_handlers.get(call.leg) == call.inbox.put:
                del self.voice.leg_handlers[call.leg]
            self.finished = [*self.finished[-49:], call]

    async def _translate(self, call: IvrCall, item: Any) -> ev.IvrEvent | None:
        """A telephony event, a timer or a task's answer → the session's event, if any."""
        if isinstance(item, CallEnded):
            call.gone = True
            return ev.CallerHungUp()
        if isinstance(item, tuple):  # (step, event) from a timer or a task
            step, event = item
            if step != call.step:
                return None
            if isinstance(event, ev.InputTimedOut):
                if call.speaking:
                    return None  # the utterance's end decides
                call.timer = None
                return self.line.keys_done(call) if call.keys else self.line.answered(call, event)
            if event == "speech":
                call.speaking = True
                await self.line.barge_in(call)
                return None
            return self.line.answered(call, event)
        if isinstance(item, LegPlaybackFinished):
            if call.playing:
                call.playing = False
                return ev.PlaybackFinished()
            if call.collect is not None and call.prompting:
                await self.line.next_prompt(call)
        elif isinstance(item, DigitReceived) and call.collect is not None:
            return await self.line.key(call, item.digit)
        elif not isinstance(item, CallAnswered):
            log.debug("ivr: ignored %r", item)
        return None

    async def _execute(self, call: IvrCall, outputs: list[Output]) -> None:
        self._journal(call, [o for o in outputs if isinstance(o, IvrNodeVisited | IvrEnded)])
        for out in outputs:
            if isinstance(out, cmd.Play):
                await self.line.play(call, out.prompt)
            elif isinstance(out, cmd.Say):
                await self.line.play(call, cmd.Prompt(out.text, None, out.language))
            elif isinstance(out, cmd.Collect):
                await self.line.collect(call, out)
            elif isinstance(out, cmd.HttpRequest):
                call.step += 1
                self.spawn(self._request(call, call.step, out), call)
            elif isinstance(out, cmd.Enqueue):
                await exits.enqueue(self, call, out)
            elif isinstance(out, cmd.Transfer):
                await exits.transfer(self, call, out.number)
            elif isinstance(out, cmd.Voicemail):
                await exits.voicemail(self, call, out.box)
            elif isinstance(out, cmd.Hangup):
                call.left = True
                await self.voice.quietly(self.voice.engine.hangup(call.leg))
            elif isinstance(out, cmd.SetAttributes):
                log.info("ivr: %s attributes %s", call.interaction_id, dict(out.attributes))
        if call.session.finished:
            call.left = True

    # --- self-service --------------------------------------------------------------------
    async def _request(self, call: IvrCall, step: int, request: cmd.HttpRequest) -> None:
        import httpx

        headers = dict(request.headers)
        if request.body is not None:
            headers.setdefault("Content-Type", "application/json")
        result: ev.IvrEvent
        try:
            response = await asyncio.wait_for(
                self._http.request(
                    request.method,
                    request.url,
                    content=request.body,
                    headers=headers,
                    timeout=request.timeout,
                ),
                request.timeout + 0.5,
            )
            result = ev.HttpCompleted(response.status_code, response.text)
        except (httpx.TimeoutException, TimeoutError):
            result = ev.HttpFailed("timeout")
        except httpx.HTTPError as exc:
            result = ev.HttpFailed(type(exc).__name__)
        log.info("ivr: %s %s %s → %s", call.interaction_id, request.method, request.url, result)
        call.inbox.put_nowait((step, result))

    # --- the event log -------------------------------------------------------------------
    def _journal(self, call: IvrCall, records: list[IvrNodeVisited | IvrEnded]) -> None:
        if not records:
            return
        try:
            with self.voice.runner.center.store.transaction() as tx:
                for record in records:
                    common: dict[str, Any] = {
                        "tenant_id": call.routing.tenant_id,
                        "interaction_id": call.interaction_id,
                        "flow": record.flow,
                        "version": record.version,
                        "node": record.node,
                    }
                    if isinstance(record, IvrNodeVisited):
                        kind = "ivr.node_visited"
                        common["node_type"] = record.node_type
                    else:
                        kind = "ivr.ended"
                        common["outcome"] = record.outcome
                        # what the IVR learnt (e.g. identity_verified), kept with the call
                        common["attributes"] = dict(call.session.attributes)
                        # the language and segment routing got, for the agent's screen pop
                        common["language"] = call.session.language
                        common["segment"] = call.session.segment
                    events.append(tx, kind, to_datetime(record.at), **common)
        except Exception:
            log.exception("ivr: could not journal %r", records)


async def start_ivr(
    voice: VoiceCenter,
    flows_dir: Path,
    *,
    vosk_model: Path | None = None,
    data_dir: Path | None = None,
    reload_every: float = 5.0,
) -> VoiceIvr:
    """The IVR of `serve --sip-port`: the flows of `flows_dir` (re-read every
    `reload_every` seconds) on `voice`; callers' answers and voicemail under
    `data_dir/ivr`."""
    if not flows_dir.is_dir():
        raise ConfigError(f"ivr_flows_dir: {flows_dir} is not a directory", field="ivr_flows_dir")
    ivr = VoiceIvr(
        voice,
        FlowRegistry(flows_dir),
        vosk_model_dir=vosk_model,
        work_dir=(data_dir or Path("var")) / "ivr",
        reload_every=reload_every,
    )
    await ivr.start()
    flows = ", ".join(f"{f.id} v{f.version}" for f in ivr.flows.flows.values()) or "none"
    log.info("ivr: flows from %s: %s", flows_dir, flows)
    return ivr
