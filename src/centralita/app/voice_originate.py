"""Originate: place a call to a number through a trunk, report how it went, and connect
it to an agent (click-to-call) or a queue. The port the dialer uses.

    port.on_event(listener)
    await port.originate(Originate("r1", number="3001234567", trunk="carrier",
                                   tenant_id=1, agent_id="7"))
    listener gets OriginateRinging("r1", 180), then exactly one
    OriginateResult("r1", outcome, status, reason, party) and, after an answer,
    OriginateEnded("r1", by) when the conversation is over.

Click-to-call rings the agent's station first (auto-answer if it asks), plays the
ringback tone to the agent while the number rings, then bridges both. With a `queue`
the answered number becomes an outbound interaction in that queue, like an inbound
call. With neither, the answered leg is left to the caller of `originate` (`call_id`
on the result).

Outcomes by SIP cause: 2xx answered; 486/600 busy; our ring timeout (we CANCEL), 480,
408 or 487 after ringing: no answer; 603 and other 4xx: rejected; no provisional answer
at all, 5xx, 6xx, unreachable: failed.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from centralita.clock import utcnow
from centralita.core.errors import AgentBusy
from centralita.core.events import AgentReleased
from centralita.errors import CentralitaError, NotFound
from centralita.store import events
from centralita.telephony import (
    CallAnswered,
    CallEnded,
    CallRinging,
    TelephonyError,
    TelephonyEvent,
)

if TYPE_CHECKING:
    from centralita.app.voice import VoiceCenter

log = logging.getLogger(__name__)
RINGBACK_HZ = 425  # the European ringback tone (Spain, Colombia use it too)


class NoSuchTrunk(NotFound):
    code = "no-such-trunk"


@dataclass(frozen=True)
class Trunk:
    """A carrier to place calls through: `target` is its SIP address ("host:port" or a
    "sip:" URI), `caller_id` the number sent as From and P-Asserted-Identity."""

    name: str
    target: str
    caller_id: str

    def uri_for(self, number: str) -> str:
        host = self.target.removeprefix("sip:").removeprefix("sips:")
        return f"sip:{number}@{host}"

    def sent(self, source: str) -> bool:
        """Whether a request from `source` ("ip:port") came from this carrier: the same
        host, and the same port when the target names one."""
        target = self.target.removeprefix("sip:").removeprefix("sips:").split(";")[0]
        host, _, port = target.rpartition("@")[2].partition(":")
        from_host, _, from_port = source.rpartition(":") if ":" in source else (source, "", "")
        return from_host == host and (not port or port == from_port)


class Outcome(StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    REJECTED = "rejected"
    FAILED = "failed"
    #: the agent of a click-to-call hung up while the number was still ringing
    CANCELLED = "cancelled"


def outcome_of(status: int, *, rang: bool, timed_out: bool) -> Outcome:
    """The outcome of a call we placed, from its last SIP status."""
    if 200 <= status < 300:
        return Outcome.ANSWERED
    if timed_out:
        return Outcome.NO_ANSWER if rang else Outcome.FAILED
    if status in (486, 600):
        return Outcome.BUSY
    if status in (408, 480, 487):
        return Outcome.NO_ANSWER if rang else Outcome.FAILED
    if 400 <= status < 500 or status == 603:
        return Outcome.REJECTED
    return Outcome.FAILED


@dataclass(frozen=True)
class Originate:
    """Call `number` through `trunk`; connect it to `agent_id`'s station (called first)
    or, once answered, to `queue`; give up after `ring_timeout` seconds of ringing."""

    request_id: str
    number: str
    trunk: str
    tenant_id: int
    agent_id: str | None = None
    queue: str | None = None
    campaign_id: int | None = None
    ring_timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class OriginateRinging:
    request_id: str
    status: int  # 180 or 183


@dataclass(frozen=True, slots=True)
class OriginateResult:
    """How the attempt ended (exactly one per request). `party` is "number", or "agent"
    when the agent's station could not be reached first; `call_id` the number's leg."""

    request_id: str
    outcome: Outcome
    status: int
    reason: str
    party: str = "number"
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class OriginateEnded:
    """An answered originated call is over; `by` is who hung up ("number", "agent")."""

    request_id: str
    by: str


OriginateEvent = OriginateRinging | OriginateResult | OriginateEnded
Listener = Callable[[OriginateEvent], None]


class OriginatePort(abc.ABC):
    """What the dialer and click-to-call drive: one verb and its events."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def on_event(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def publish(self, event: OriginateEvent) -> None:
        for listener in self._listeners:
            listener(event)

    @abc.abstractmethod
    async def originate(self, request: Originate) -> None:
        """Start the attempt; its progress and result arrive as events."""


class ScriptedOriginator(OriginatePort):
    """In-memory port for tests of its users: each number ends as `script` says
    (default answered), reported at once."""

    def __init__(self, script: dict[str, tuple[Outcome, int]] | None = None) -> None:
        super().__init__()
        self.script = script or {}
        self.requests: list[Originate] = []

    async def originate(self, request: Originate) -> None:
        self.requests.append(request)
        outcome, status = self.script.get(request.number, (Outcome.ANSWERED, 200))
        if outcome is not Outcome.FAILED:
            self.publish(OriginateRinging(request.request_id, 180))
        self.publish(OriginateResult(request.request_id, outcome, status, outcome.value))


@dataclass(eq=False)
class _Attempt:
    request: Originate
    trunk: Trunk
    agent_leg: str | None = None
    number_leg: str | None = None
    rang: bool = False
    timed_out: bool = False
    answered: bool = False
    finished: bool = False  # the result was published
    over: bool = False  # OriginateEnded was published
    timer: asyncio.Task[None] | None = None
    legs: set[str] = field(default_factory=set)
    engaged: bool = False  # the core holds the agent busy with it (`AgentEngaged`)


class VoiceOriginator(OriginatePort):
    """Originate on the SIP engine of a running `VoiceCenter`."""

    def __init__(self, voice: VoiceCenter, trunks: dict[str, Trunk]) -> None:
        super().__init__()
        self.voice = voice
        self.trunks = trunks
        self.attempts: dict[str, _Attempt] = {}

    async def originate(self, request: Originate) -> None:
        attempt = _Attempt(request, self.trunk(request.trunk))
        self.attempts[request.request_id] = attempt
        if request.agent_id is None:
            await self._dial_number(attempt)
            return
        if not self._engage(attempt, request.agent_id):
            busy = "the agent is on another call"
            self._finish(attempt, Outcome.FAILED, 486, busy, party="agent")
            return
        dialled = await self.voice.dial_station(request.agent_id, ani=request.number)
        if dialled is None:
            self._finish(attempt, Outcome.FAILED, 480, "no registered station", party="agent")
            self._release(attempt)
            return
        leg = dialled[0]
        attempt.agent_leg = leg
        self._own(attempt, leg)

    # --- legs ------------------------------------------------------------------------
    def _own(self, attempt: _Attempt, leg: str) -> None:
        attempt.legs.add(leg)

        async def handle(event: TelephonyEvent) -> None:
            await self._on_event(attempt, leg, event)

        self.voice.leg_handlers[leg] = handle

    def _disown(self, attempt: _Attempt, leg: str) -> None:
        attempt.legs.discard(leg)
        self.voice.leg_handlers.pop(leg, None)
        if not attempt.legs:
            if attempt.timer is not None:
                attempt.timer.cancel()
            self._release(attempt)
            self.attempts.pop(attempt.request.request_id, None)

    def _engage(self, attempt: _Attempt, agent_id: str) -> bool:
        """The agent is busy with the click-to-call; False if on another call."""
        try:
            attempt.engaged = self.voice.engage(agent_id, self._ref(attempt))
        except AgentBusy:
            return False
        return True

    def _release(self, attempt: _Attempt) -> None:
        if attempt.engaged and attempt.request.agent_id is not None:
            attempt.engaged = False
            self.voice.tell_core(AgentReleased(attempt.request.agent_id, self._ref(attempt)))

    @staticmethod
    def _ref(attempt: _Attempt) -> str:
        return f"originate:{attempt.request.request_id}"

    def trunk(self, name: str) -> Trunk:
        trunk = self.trunks.get(name)
        if trunk is None:
            raise NoSuchTrunk(f"no trunk named {name!r}", trunk=name)
        return trunk

    async def dial_number(self, trunk: Trunk, number: str) -> str:
        """Place the INVITE to `number` through `trunk`, with its caller ID; the leg."""
        identity = f"sip:{trunk.caller_id}@{self.voice.engine.host}"
        return await self.voice.engine.dial(
            trunk.uri_for(number), {"P-Asserted-Identity": f"<{identity}>"}, from_uri=identity
        )

    async def _dial_number(self, attempt: _Attempt) -> None:
        try:
            leg = await self.dial_number(attempt.trunk, attempt.request.number)
        except TelephonyError as exc:
            self._finish(attempt, Outcome.FAILED, 500, str(exc))
            await self._hang_up(attempt.agent_leg)
            return
        attempt.number_leg = leg
        self._own(attempt, leg)
        attempt.timer = asyncio.create_task(self._give_up_after(attempt))

    async def _give_up_after(self, attempt: _Attempt) -> None:
        await asyncio.sleep(attempt.request.ring_timeout)
        if not attempt.answered and attempt.number_leg is not None:
            attempt.timed_out = True
            await self._hang_up(attempt.number_leg)  # CANCEL

    async def _on_event(self, attempt: _Attempt, leg: str, event: TelephonyEvent) -> None:
        is_agent = leg == attempt.agent_leg
        if isinstance(event, CallRinging) and not is_agent:
            attempt.rang = True
            self.publish(OriginateRinging(attempt.request.request_id, event.status))
        elif isinstance(event, CallAnswered):
            if is_agent:
                await self.voice.quietly(self.voice.engine.play_tone(leg, RINGBACK_HZ))
                await self._dial_number(attempt)
            else:
                await self._number_answered(attempt, leg)
        elif isinstance(event, CallEnded):
            self._disown(attempt, leg)
            await self._leg_ended(attempt, leg, is_agent, event)

    async def _number_answered(self, attempt: _Attempt, leg: str) -> None:
        attempt.answered = True
        if attempt.timer is not None:
            attempt.timer.cancel()
        self._finish(attempt, Outcome.ANSWERED, 200, "OK", call_id=leg)
        request = attempt.request
        if attempt.agent_leg is not None:
            try:
                await self.voice.engine.bridge(attempt.agent_leg, leg)
            except CentralitaError:
                await self._hang_up(leg)  # the agent left at that very moment
        elif request.queue is not None:
            self._disown(attempt, leg)  # from now on an interaction like any other
            await self.voice.admit(
                leg,
                tenant_id=request.tenant_id,
                queue=request.queue,
                ani=request.number,
                dnis=attempt.trunk.caller_id,
                campaign_id=request.campaign_id,
                direction="outbound",
            )

    async def _leg_ended(
        self, attempt: _Attempt, leg: str, is_agent: bool, event: CallEnded
    ) -> None:
        other = attempt.number_leg if is_agent else attempt.agent_leg
        if attempt.answered:
            if not attempt.over:
                attempt.over = True
                by = "agent" if is_agent else "number"
                self.publish(OriginateEnded(attempt.request.request_id, by))
            await self._hang_up(other)
        elif is_agent and attempt.number_leg is None:
            outcome = outcome_of(event.status, rang=True, timed_out=False)
            if outcome is Outcome.ANSWERED:  # answered, then hung up before we dialled
                outcome = Outcome.CANCELLED
            self._finish(attempt, outcome, event.status, event.reason, party="agent")
        elif is_agent:
            self._finish(attempt, Outcome.CANCELLED, event.status, "the agent hung up")
            await self._hang_up(other)
        else:
            outcome = outcome_of(event.status, rang=attempt.rang, timed_out=attempt.timed_out)
            self._finish(attempt, outcome, event.status, event.reason)
            await self._hang_up(other)

    # --- helpers ---------------------------------------------------------------------
    def _finish(
        self,
        attempt: _Attempt,
        outcome: Outcome,
        status: int,
        reason: str,
        *,
        party: str = "number",
        call_id: str | None = None,
    ) -> None:
        if attempt.finished:
            return
        attempt.finished = True
        request = attempt.request
        result = OriginateResult(request.request_id, outcome, status, reason, party, call_id)
        log.info("voice: originate %s to %s: %s", request.request_id, request.number, result)
        self._journal(request, result)
        if not attempt.legs:
            self.attempts.pop(request.request_id, None)
        self.publish(result)

    def _journal(self, request: Originate, result: OriginateResult) -> None:
        try:
            with self.voice.runner.center.store.transaction() as tx:
                events.append(
                    tx,
                    "voice.originated",
                    utcnow(),
                    tenant_id=request.tenant_id,
                    agent_id=int(request.agent_id) if request.agent_id else None,
                    request_id=request.request_id,
                    number=request.number,
                    trunk=request.trunk,
                    outcome=result.outcome.value,
                    status=result.status,
                    reason=result.reason,
                    party=result.party,
                )
        except Exception:
            log.exception("voice: could not journal %r", result)

    async def _hang_up(self, leg: str | None) -> None:
        if leg is not None:
            await self.voice.quietly(self.voice.engine.hangup(leg))
