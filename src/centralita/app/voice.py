"""Voice: the glue between the SIP engine, the stations' registrar and the live center.

SIP becomes core events and core commands become SIP; the core decides, this only
executes (telephony keeps no routing state, and neither does this beyond which SIP leg
belongs to which interaction):

    carrier INVITE (ANI, DNIS) ─► intake.resolve ─► answer, music on hold ─► Runner.arrive
    OfferToAgent ─► the agent's registered station is called (auto-answer if it asks)
        no registered station, busy, unreachable ─► OfferRejected (core: agent "missed",
        the caller keeps its place and the next agent is tried at once)
    station answers ─► OfferAccepted ─► ConnectToAgent ─► bridge both ways
    ring timeout (core timer) / caller gone ─► CancelOffer ─► CANCEL to the station
    caller hangs up ─► CallerHungUp;  agent hangs up ─► InteractionEnded (wrap-up)
    a bridged leg that stops sending RTP for `media_timeout` ─► hung up as gone

    voice = VoiceCenter(runner, engine, registrar, book, VoiceSettings())
    await voice.start() ... await voice.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from centralita.app import intake
from centralita.app.journal import KIND_OF, record_from_event
from centralita.app.runner import Runner
from centralita.app.voice_originate import Trunk as Trunk
from centralita.app.voice_originate import VoiceOriginator
from centralita.app.voice_prompts import music_on_hold, position_prompt
from centralita.app.voice_stations import StationBook, StationInfo, do_record_registration
from centralita.app.voice_supervision import Supervision
from centralita.app.voice_transfer import Transfers
from centralita.clock import utcnow
from centralita.core.commands import (
    CancelOffer,
    ConnectToAgent,
    OfferToAgent,
    OverflowTo,
    RejectInteraction,
)
from centralita.core.errors import AgentBusy
from centralita.core.events import (
    AgentEngaged,
    CallerHungUp,
    InteractionEnded,
    OfferAccepted,
    OfferRejected,
)
from centralita.core.records import InteractionAnswered, InteractionClosed, InteractionTransferred
from centralita.core.waiting import RecentHandling, announced_minutes, expected_wait, staffed
from centralita.errors import CentralitaError
from centralita.telephony import (
    CallAnswered,
    CallArrived,
    CallEnded,
    DigitReceived,
    PlaybackFinished,
    TelephonyError,
    TelephonyEvent,
    TelephonyUnavailable,
)
from centralita.telephony.port import MediaPort
from centralita.telephony.registrar import Registrar, RegistrarEvent
from centralita.telephony.worker_process import MediaOptions, open_media
from centralita.tts import PromptCache

if TYPE_CHECKING:
    from centralita.app.voice_ivr import VoiceIvr

log = logging.getLogger(__name__)
HELD, RESUMED, TRANSFERRED = (
    "acd.interaction_held",
    "acd.interaction_resumed",
    "acd.interaction_transferred",
)
_FOLLOWED = (HELD, RESUMED, TRANSFERRED)
#: Records the expected wait is estimated from (`core.waiting.RecentHandling`).
_HANDLING = {KIND_OF[c] for c in (InteractionAnswered, InteractionClosed, InteractionTransferred)}


@dataclass(frozen=True, slots=True)
class _CallChanged:
    """A record about one of our calls that needs media work (hold, resume, transfer)."""

    kind: str
    interaction_id: str


@dataclass(frozen=True)
class VoiceSettings:
    language: str = "es"
    #: Seconds in the queue before the first position announcement, and between them.
    announce_first: float = 10.0
    announce_every: float = 30.0
    #: A bridged leg that sends no RTP for this long is taken as gone.
    media_timeout: float = 20.0
    prompts_dir: Path = Path("var/prompts")
    #: Carriers to place calls through (originate, transfers to a number).
    trunks: tuple[Trunk, ...] = ()


@dataclass(eq=False)
class VoiceCall:
    """One inbound call and the agent leg ringing or talking for it."""

    interaction_id: str
    caller: str
    ani: str
    agent_id: str | None = None
    agent_leg: str | None = None
    station: str | None = None
    bridged: bool = False
    held: bool = False
    caller_gone: bool = False
    closed: bool = False  # the core has been told the conversation is over
    cancelled: set[str] = field(default_factory=set)  # agent legs we hung up ourselves
    #: Other legs on this call (supervisors, consulted or conferenced parties): hung up
    #: when the call is over.
    extra_legs: set[str] = field(default_factory=set)
    announcer: asyncio.Task[None] | None = None
    silent_since: dict[str, tuple[int, float]] = field(default_factory=dict)
    #: Told each key the caller presses while queued (the IVR's callback offer).
    on_digit: Callable[[str], None] | None = None
    #: What this caller hears waiting, if not the center's (the IVR's queue node):
    #: its music on hold, and its announcer in place of `VoiceCenter._announce`.
    music: Path | None = None
    announce: Callable[[VoiceCall], Coroutine[Any, Any, None]] | None = None


class VoiceCenter:
    def __init__(
        self,
        runner: Runner,
        engine: MediaPort,
        registrar: Registrar,
        book: StationBook,
        settings: VoiceSettings | None = None,
    ) -> None:
        self.runner = runner
        self.engine = engine
        self.registrar = registrar
        self.book = book
        self.settings = settings or VoiceSettings()
        self.prompts = PromptCache(self.settings.prompts_dir)
        self.calls: dict[str, VoiceCall] = {}
        self._legs: dict[str, tuple[VoiceCall, str]] = {}  # leg → (call, "caller"|"agent")
        #: Legs driven by a helper (originate, supervision, transfers): their events go
        #: to its handler instead.
        self.leg_handlers: dict[str, Callable[[TelephonyEvent], Awaitable[None]]] = {}
        #: Told `(what, call, leg)` as a call is "admitted", "bridged" (to `leg`) and as
        #: each of its legs has "ended" (the recorder follows calls through this).
        self.call_listeners: list[Callable[[str, VoiceCall, str], None]] = []
        self._commands: asyncio.Queue[Any] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._moh: Path | None = None
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._unsubscribe: Callable[[], None] | None = None
        #: (interaction, position) of every announcement played, oldest first.
        self.announced: list[tuple[str, int]] = []
        #: (interaction, minutes or None) of the expected wait in each announcement.
        self.announced_waits: list[tuple[str, int | None]] = []
        self.handling = RecentHandling()
        self.prompts_finished = 0
        #: Offers whose station refused, was busy or unreachable; agents' legs found
        #: silent (`media_timeout`) and hung up. What the voice benchmark reports.
        self.stations_failed = 0
        self.media_timeouts = 0
        self.originator = VoiceOriginator(self, {t.name: t for t in self.settings.trunks})
        self.supervision = Supervision(self)
        self.transfers = Transfers(self)
        #: Runs the IVR flow attached to a call's DNIS or campaign before admission.
        self.ivr: VoiceIvr | None = None

    # --- lifecycle -----------------------------------------------------------------
    async def start(self) -> None:
        self._moh = await asyncio.to_thread(music_on_hold, self.settings.prompts_dir)
        self.runner.on_commands(self._on_commands)
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._unsubscribe = self.runner.center.store.subscribe(self._on_commit)
        chained = self.registrar.on_event

        def on_registrar_event(event: RegistrarEvent) -> None:
            self._journal(event)
            chained(event)

        self.registrar.on_event = on_registrar_event
        for work in (self._pump_events, self._run_commands, self._watch_media):
            self._tasks.append(asyncio.create_task(self._forever(work)))

    async def stop(self) -> None:
        self._stopped = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in self._tasks:
            task.cancel()
        for call in self.calls.values():
            if call.announcer is not None:
                call.announcer.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _forever(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        while True:
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("voice: %s failed; carrying on", work.__name__)

    # --- SIP events ----------------------------------------------------------------
    async def _pump_events(self) -> None:
        while True:
            event = await self.engine.events.get()
            handler = self.leg_handlers.get(getattr(event, "call_id", ""))
            if handler is not None:
                await handler(event)
            elif isinstance(event, CallArrived):
                await self._arrived(event)
            elif isinstance(event, CallAnswered):
                await self._answered(event.call_id)
            elif isinstance(event, CallEnded):
                await self._ended(event)
            elif isinstance(event, DigitReceived):
                call, role = self._legs.get(event.call_id, (None, ""))
                if call is not None and role == "caller" and call.on_digit is not None:
                    call.on_digit(event.digit)
            elif isinstance(event, PlaybackFinished):
                self.prompts_finished += 1
                call, role = self._legs.get(event.call_id, (None, ""))
                if call is not None and role == "caller" and self._queued(call):
                    await self.quietly(
                        self.engine.play_file(call.caller, self.music_for(call), loop=True)
                    )

    async def _arrived(self, event: CallArrived) -> None:
        leg = event.call_id
        try:
            routing = intake.resolve(
                self.runner.center.store, ani=event.ani or None, dnis=event.dnis
            )
        except intake.NoSuchNumber:
            log.info("voice: nobody answers %r; 404 to %s", event.dnis, leg)
            await self.quietly(self.engine.hangup(leg, 404))
            return
        trunk = next((t.name for t in self.settings.trunks if t.sent(event.source)), None)
        if self.ivr is not None and await self.ivr.take(event, routing, trunk):
            return  # the IVR admits the call when its flow reaches a queue
        await self.admit(
            leg,
            tenant_id=routing.tenant_id,
            queue=routing.queue,
            ani=event.ani,
            dnis=event.dnis,
            contact_id=routing.contact_id,
            campaign_id=routing.campaign_id,
            trunk=trunk,
        )

    async def admit(
        self,
        leg: str,
        *,
        tenant_id: int,
        queue: str,
        ani: str,
        dnis: str,
        contact_id: int | None = None,
        campaign_id: int | None = None,
        direction: str = "inbound",
        trunk: str | None = None,
        interaction_id: str | None = None,
        answered: bool = False,
        music: Path | None = None,
        announce: Callable[[VoiceCall], Coroutine[Any, Any, None]] | None = None,
        **routing: Any,
    ) -> VoiceCall | None:
        """Put a leg in a queue as a new interaction: answered (if not yet), music on
        hold, announcements; the core offers it to an agent. None if it could not enter
        (the leg is then hung up). The IVR passes its `interaction_id`, `answered` and
        `routing` (priority, language, segment, skills, attributes, arrived_at) for the
        core, and its queue node's `music` and `announce`r, if any."""
        call = VoiceCall(interaction_id or intake.new_interaction_id(), leg, ani)
        call.music, call.announce = music, announce
        self.calls[call.interaction_id] = call
        self._legs[leg] = (call, "caller")
        try:
            if direction == "inbound" and not answered:
                await self.engine.answer(leg)
            await self.engine.play_file(leg, self.music_for(call), loop=True)
            self.runner.arrive(
                interaction_id=call.interaction_id,
                tenant_id=tenant_id,
                queue=queue,
                direction=direction,
                ani=ani or None,
                dnis=dnis,
                contact_id=contact_id,
                campaign_id=campaign_id,
                trunk=trunk,
                **routing,
            )
        except Exception:
            log.exception("voice: call %s could not enter the center", leg)
            call.closed = True
            await self.quietly(self.engine.hangup(leg, 503))
            return None
        call.announcer = asyncio.create_task((call.announce or self._announce)(call))
        self._tell("admitted", call, leg)
        return call

    async def _answered(self, leg: str) -> None:
        call, role = self._legs.get(leg, (None, ""))
        if call is None or role != "agent" or leg != call.agent_leg or leg in call.cancelled:
            return
        await self.accept_offer(call)

    async def _ended(self, event: CallEnded) -> None:
        found = self._legs.pop(event.call_id, None)
        if found is None:
            return
        call, role = found
        self._tell("ended", call, event.call_id)
        if role == "caller":
            call.caller_gone = True
            if not call.closed:
                call.closed = True
                self.tell_core(CallerHungUp(call.interaction_id))
            if call.agent_leg is not None:  # ringing or talking: it goes too
                call.cancelled.add(call.agent_leg)
                await self.quietly(self.engine.hangup(call.agent_leg))
            await self._hang_up_extras(call)
        elif event.call_id in call.cancelled or event.call_id != call.agent_leg:
            pass  # we hung this leg up ourselves (cancelled, or found dead)
        elif not call.bridged:
            # the station refused, was busy or unreachable: the core tries someone else
            assert call.agent_id is not None
            log.info("voice: station %s failed (%s %s)", call.station, event.status, event.reason)
            self.stations_failed += 1
            self.tell_core(OfferRejected(call.interaction_id, call.agent_id))
        else:
            self._agent_hung_up(call)
            await self.quietly(self.engine.hangup(call.caller))
            await self._hang_up_extras(call)
        if event.call_id == call.agent_leg:
            call.agent_leg = None
        self._forget_if_done(call)

    async def _hang_up_extras(self, call: VoiceCall) -> None:
        for leg in list(call.extra_legs):
            await self.quietly(self.engine.hangup(leg))

    def _agent_hung_up(self, call: VoiceCall) -> None:
        if not call.closed:
            call.closed = True
            self.tell_core(InteractionEnded(call.interaction_id))

    # --- core commands -------------------------------------------------------------
    def _on_commands(self, commands: list[Any]) -> None:
        if not self._stopped:
            for command in commands:
                if command.interaction_id in self.calls:
                    self._commands.put_nowait(command)

    def _on_commit(self, events: list[Any]) -> None:
        """Hold, resume and transfer are records, not commands: follow them in the log."""
        loop = self._loop
        if self._stopped or loop is None:
            return
        for event in events:
            if event.kind in _HANDLING:
                self._on_loop(loop, self.handling.add, record_from_event(event))
            if event.kind in _FOLLOWED and event.interaction_id in self.calls:
                change = _CallChanged(event.kind, event.interaction_id)
                if threading.get_ident() == self._thread:
                    self._commands.put_nowait(change)
                else:
                    with contextlib.suppress(RuntimeError):
                        loop.call_soon_threadsafe(self._commands.put_nowait, change)

    async def _run_commands(self) -> None:
        while True:
            command = await self._commands.get()
            call = self.calls.get(command.interaction_id)
            if call is None:
                continue
            if isinstance(command, _CallChanged):
                await self._changed(call, command.kind)
            elif isinstance(command, OfferToAgent):
                await self._offer(call, command.agent_id)
            elif isinstance(command, CancelOffer):
                leg = call.agent_leg
                if command.agent_id == call.agent_id and leg is not None and not call.bridged:
                    call.cancelled.add(leg)
                    await self.quietly(self.engine.hangup(leg))
            elif isinstance(command, ConnectToAgent):
                await self._connect(call)
            elif isinstance(command, (RejectInteraction, OverflowTo)):
                log.info("voice: %s; hanging up %s", command, call.caller)
                call.closed = True
                await self.quietly(self.engine.hangup(call.caller))

    async def _offer(self, call: VoiceCall, agent_id: str) -> None:
        if call.caller_gone or await self.transfers.handover(call, agent_id):
            return
        call.agent_id = agent_id
        losses = self.engine.losses
        dialled = await self.dial_station(agent_id, ani=call.ani)
        if dialled is None:
            if self.engine.losses == losses:
                self.tell_core(OfferRejected(call.interaction_id, agent_id))
            # else the media worker died with the dial in flight: not the agent's fault;
            # the caller's leg is reported ended too, and its hang-up frees the agent
            return
        leg, call.station = dialled
        call.agent_leg = leg
        self._legs[leg] = (call, "agent")

    def adopt_agent_leg(self, call: VoiceCall, leg: str) -> None:
        """`leg` (already up) is the call's agent leg from now on."""
        call.agent_leg = leg
        self._legs[leg] = (call, "agent")

    async def accept_offer(self, call: VoiceCall) -> None:
        """The agent leg took the call (the core then connects it); hung up if the
        offer ended meanwhile (ring timeout, caller gone)."""
        assert call.agent_id is not None and call.agent_leg is not None
        if not self.tell_core(OfferAccepted(call.interaction_id, call.agent_id)):
            call.cancelled.add(call.agent_leg)
            await self.quietly(self.engine.hangup(call.agent_leg))

    async def dial_station(self, user_id: str, *, ani: str) -> tuple[str, str] | None:
        """Call the registered station of `user_id` (an agent or a supervisor), with
        auto-answer headers if the station asks and `ani` shown as the caller: (the new
        leg, the extension), or None if it has no registered station or cannot be called."""
        station = self.station_for(user_id)
        bindings = self.registrar.contacts(station.extension) if station else []
        if station is None or not bindings:
            log.info("voice: user %s has no registered station", user_id)
            return None
        headers = {"P-Asserted-Identity": f"<sip:{ani or 'anonymous'}@{self.registrar.host}>"}
        if station.auto_answer:
            headers["Call-Info"] = f"<{self.registrar.uri}>;answer-after=0"
            headers["Alert-Info"] = "<urn:alert:service:auto-answer>;info=alert-autoanswer"
        try:
            leg = await self.engine.dial(bindings[0].contact, headers)
        except TelephonyUnavailable as exc:  # the media worker is gone: said once, elsewhere
            log.warning("voice: could not call station %s: %s", station.extension, exc)
            return None
        except TelephonyError:
            log.exception("voice: could not call station %s", station.extension)
            return None
        return leg, station.extension

    async def _connect(self, call: VoiceCall) -> None:
        if call.agent_leg is None or call.caller_gone:
            return
        if call.announcer is not None:
            call.announcer.cancel()
        call.bridged = True
        try:
            await self.engine.bridge(call.caller, call.agent_leg)
        except CentralitaError:
            log.info("voice: bridge of %s failed; a leg ended meanwhile", call.interaction_id)
            return
        self._tell("bridged", call, call.agent_leg)
        await self.supervision.reapply(call.interaction_id)

    async def _changed(self, call: VoiceCall, kind: str) -> None:
        if kind == HELD and call.bridged and not call.held:
            call.held = True
            await self.quietly(self.engine.unbridge(call.caller))
            await self.quietly(self.engine.play_file(call.caller, self.music_for(call), loop=True))
        elif kind == RESUMED and call.held and call.agent_leg is not None:
            call.held = False
            await self.quietly(self.engine.bridge(call.caller, call.agent_leg))
            await self.transfers.resumed(call)
            await self.supervision.reapply(call.interaction_id)
        elif kind == TRANSFERRED and call.agent_leg is not None and call.bridged:
            # blind transfer: the agent leaves, the caller waits again for the next offer
            leg, call.agent_leg, call.agent_id = call.agent_leg, None, None
            call.bridged = call.held = False
            call.cancelled.add(leg)
            await self.quietly(self.engine.hangup(leg))
            await self.quietly(self.engine.play_file(call.caller, self.music_for(call), loop=True))
            call.announcer = asyncio.create_task((call.announce or self._announce)(call))

    def station_for(self, agent_id: str) -> StationInfo | None:
        """The station the agent logged in at on the desktop, else the one it owns."""
        declared = self.runner.view.stations.get(agent_id)
        if declared:
            station = self.book.station(declared)
            if station is not None:
                return station
        return self.book.station_of_agent(agent_id)

    # --- waiting -------------------------------------------------------------------
    async def _announce(self, call: VoiceCall) -> None:
        await asyncio.sleep(self.settings.announce_first)
        while self._queued(call):
            position = self.queue_position(call.interaction_id)
            if position:
                minutes = self.wait_minutes(call.interaction_id, position)
                prompt = await asyncio.to_thread(
                    position_prompt, self.prompts, position, self.settings.language, minutes
                )
                if self._queued(call):
                    await self.quietly(self.engine.stop_playback(call.caller))
                    await self.quietly(self.engine.play_file(call.caller, prompt))
                    self.announced.append((call.interaction_id, position))
                    self.announced_waits.append((call.interaction_id, minutes))
                    log.info("voice: told %s it is number %d", call.interaction_id, position)
            await asyncio.sleep(self.settings.announce_every)

    def queue_position(self, interaction_id: str) -> int | None:
        """1 + the interactions ahead in the same queue (priority, then time queued)."""
        router = self.runner.center.router
        try:
            mine = router.interaction_snapshot(interaction_id)
        except CentralitaError:
            return None
        if mine.state not in ("waiting", "offered"):
            return None
        key = (-mine.priority, mine.enqueued_at)
        ahead = 0
        for other_id in router.interaction_ids():
            other = router.interaction_snapshot(other_id)
            if (
                other_id != interaction_id
                and other.queue_id == mine.queue_id
                and other.state in ("waiting", "offered")
                and (-other.priority, other.enqueued_at) < key
            ):
                ahead += 1
        return ahead + 1

    def wait_minutes(self, interaction_id: str, position: int) -> int | None:
        """The expected wait to announce in minutes (`core.waiting`), None without one."""
        center = self.runner.center
        queue_id = center.router.interaction_snapshot(interaction_id).queue_id
        if queue_id is None:
            return None
        wrap = next((q.wrap_up for q in center.directory.queues if q.id == queue_id), 0.0)
        agents = staffed(center.router.queue_snapshot(queue_id, center.now()))
        wait = expected_wait(position, agents, self.handling.average_handle(queue_id, wrap))
        return None if wait is None else announced_minutes(wait)

    # --- dead legs -----------------------------------------------------------------
    async def _watch_media(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = self.runner.center.now()
            for call in [c for c in self.calls.values() if c.bridged and not c.closed]:
                leg = call.agent_leg
                if leg is not None and leg in self._legs and leg not in call.cancelled:
                    await self._check_media(call, leg, now)

    async def _check_media(self, call: VoiceCall, leg: str, now: float) -> None:
        try:
            stats = await self.engine.media_stats(leg)
        except CentralitaError:
            return
        seen, since = call.silent_since.get(leg, (-1, now))
        if stats.rx_packets != seen:
            call.silent_since[leg] = (stats.rx_packets, now)
            return
        if now - since < self.settings.media_timeout:
            return
        log.warning(
            "voice: no RTP from station %s for %.0f s; it is gone", call.station, now - since
        )
        self.media_timeouts += 1
        call.silent_since.pop(leg, None)
        call.cancelled.add(leg)
        if call.station is not None:
            self.registrar.forget(call.station, reason="vanished")
        self._agent_hung_up(call)
        await self.quietly(self.engine.hangup(call.caller))
        await self.quietly(self.engine.hangup(leg))
        await self._hang_up_extras(call)

    # --- helpers -------------------------------------------------------------------
    def _queued(self, call: VoiceCall) -> bool:
        return not (call.bridged or call.caller_gone or call.closed)

    def _forget_if_done(self, call: VoiceCall) -> None:
        if call.caller not in self._legs and call.agent_leg not in self._legs:
            if call.announcer is not None:
                call.announcer.cancel()
            self.calls.pop(call.interaction_id, None)

    def _tell(self, what: str, call: VoiceCall, leg: str) -> None:
        for listener in self.call_listeners:
            try:
                listener(what, call, leg)
            except Exception:
                log.exception("voice: a call listener failed on %s of %s", what, leg)

    def _on_loop(
        self, loop: asyncio.AbstractEventLoop, fn: Callable[..., None], *args: Any
    ) -> None:
        """Run `fn(*args)` now if on the loop's thread, else soon on the loop."""
        if threading.get_ident() == self._thread:
            fn(*args)
        else:
            with contextlib.suppress(RuntimeError):  # the loop is closing
                loop.call_soon_threadsafe(fn, *args)

    def engage(self, agent_id: str, ref: str, interaction_id: str | None = None) -> bool:
        """Hold the agent busy in the core for a call outside the queues (consulted,
        conferenced, click-to-call: `AgentEngaged`), so no queue call rings them
        meanwhile; True if the core took note (release with `AgentReleased(agent_id,
        ref)`). Raises `AgentBusy` if they are on another call. An agent not logged in
        (or a user the router does not know) takes no offers anyway: False, and the
        caller calls them all the same."""
        try:
            self.runner.handle(AgentEngaged(agent_id, ref, interaction_id=interaction_id))
        except AgentBusy:
            raise
        except CentralitaError as exc:
            log.info("voice: %s is not taking calls (%s): called anyway", agent_id, exc.code)
            return False
        return True

    def tell_core(self, event: Any) -> bool:
        """Hand `event` to the live center; False if the core refused it (a race with
        a timer or the other leg: the core's state already says what happened)."""
        try:
            self.runner.handle(event)
        except CentralitaError as exc:
            log.info("voice: the core refused %r: %s", event, exc)
            return False
        return True

    def _journal(self, event: RegistrarEvent) -> None:
        """Write what the registrar saw to the event log (with the station's tenant)."""
        try:
            station = self.book.station(event.extension) if event.extension else None
            with self.runner.center.store.transaction() as tx:
                do_record_registration(
                    tx, event, tenant_id=station.tenant_id if station else None, at=utcnow()
                )
        except Exception:
            log.exception("voice: could not journal %r", event)

    def moh_path(self) -> Path:
        assert self._moh is not None, "VoiceCenter.start() first"
        return self._moh

    def music_for(self, call: VoiceCall) -> Path:
        return call.music or self.moh_path()

    @staticmethod
    async def quietly(command: Coroutine[Any, Any, None]) -> None:
        """Run an engine command on a leg that may have ended meanwhile."""
        try:
            await command
        except CentralitaError as exc:
            log.debug("voice: %s", exc)


async def start_voice(
    runner: Runner,
    *,
    host: str = "127.0.0.1",
    sip_port: int = 5060,
    registrar_port: int | None = None,
    realm: str = "centralita",
    settings: VoiceSettings | None = None,
    data_dir: Path | None = None,
    ivr_flows: Path | None = None,
    vosk_model: Path | None = None,
    media: str = "in-process",
    media_token: str | None = None,
    media_options: MediaOptions | None = None,
) -> tuple[VoiceCenter, Callable[[], Coroutine[Any, Any, None]]]:
    """Start the engine, the registrar (on `registrar_port`, by default the port after
    `sip_port`) and the voice adapter on `runner`; with `data_dir`, also the call
    recorder (files under `data_dir/recordings`, legs spooled in `data_dir/spool`, each
    call as its recording policy says); with `ivr_flows`, the IVR flows of that
    directory run on calls to their numbers (`app/voice_ivr.py`; speech with the Vosk
    model `vosk_model`, else pocketsphinx). `media` says where the SIP engine runs
    (`telephony.worker_process.open_media`: "in-process", "worker" — a `centralita
    media` child process, restarted if it dies — or "unix:PATH" / "tcp:HOST:PORT" of a
    running worker). Returns the voice center and its stop."""
    options = media_options or MediaOptions(host=host, sip_port=sip_port)
    book = StationBook(runner.center.store, realm)
    registrar_at = sip_port + 1 if registrar_port is None else registrar_port
    registrar = Registrar(book.credentials, host=host, port=registrar_at, realm=realm)
    opened = await open_media(media, options, token=media_token)
    engine = opened.port
    try:
        await registrar.start()
        voice = VoiceCenter(runner, engine, registrar, book, settings)
        await voice.start()
    except BaseException:
        await registrar.stop()
        await opened.stop()
        raise
    runner.voice = voice  # the web app's transfer and supervision routes reach it here
    log.info("voice: SIP on %s, stations register at %s", engine.uri, registrar.uri)
    recorder = None
    if data_dir is not None:
        from centralita.app.recording import CallRecorder  # it builds on this module
        from centralita.recording.storage import LocalStorage

        recorder = CallRecorder(voice, LocalStorage(data_dir / "recordings"), data_dir / "spool")
        recorder.attach()
    ivr = None
    if ivr_flows is not None:
        from centralita.app.voice_ivr import start_ivr

        ivr = await start_ivr(voice, ivr_flows, vosk_model=vosk_model, data_dir=data_dir)

    async def stop() -> None:
        runner.voice = None
        if ivr is not None:
            await ivr.stop()
        if recorder is not None:
            await recorder.close()
        await voice.stop()
        await registrar.stop()
        await opened.stop()

    return voice, stop


def voice_service(
    *,
    host: str = "127.0.0.1",
    sip_port: int = 5060,
    registrar_port: int | None = None,
    realm: str = "centralita",
    settings: VoiceSettings | None = None,
    data_dir: Path | None = None,
    ivr_flows: Path | None = None,
    vosk_model: Path | None = None,
    media: str = "in-process",
    media_token: str | None = None,
    media_options: MediaOptions | None = None,
) -> Callable[[Runner], Coroutine[Any, Any, Callable[[], Coroutine[Any, Any, None]]]]:
    """The voice adapter as an extra of the web app's lifespan (`create_app(extras=...)`):
    started with the live center, stopped before it."""

    async def start(runner: Runner) -> Callable[[], Coroutine[Any, Any, None]]:
        _voice, stop = await start_voice(
            runner,
            host=host,
            sip_port=sip_port,
            registrar_port=registrar_port,
            realm=realm,
            settings=settings,
            data_dir=data_dir,
            ivr_flows=ivr_flows,
            vosk_model=vosk_model,
            media=media,
            media_token=media_token,
            media_options=media_options,
        )
        return stop

    return start
