"""`Router`: the ACD. One object, one entry point: `handle(event, now) -> outputs`.

    router = Router(queues=[...], agents=[...], rules=[...], rng=Random(seed))
    outputs = router.handle(AgentLoggedIn("ana"), now=0.0)
    outputs = router.handle(InteractionArrived("c1", queue="sales"), now=3.5)
    deadline = router.next_deadline()       # simulator: jump there, then
    outputs = router.handle(Tick(), now=deadline)

`handle` first fires every timer due at or before `now`, then applies the event. It
either raises a `CentralitaError` and changes nothing, or returns the commands (for
adapters) and records (for the event log) in the order they happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from random import Random
from typing import Any

from centralita.core.agents import Leg
from centralita.core.config import DEFAULT_PAUSE_REASONS, AgentConfig, PauseReason, QueueConfig
from centralita.core.events import (
    AgentEngaged,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    AgentReleased,
    CallbackRequested,
    CallerHungUp,
    DayStarted,
    EscalationRequested,
    HoldEnded,
    HoldStarted,
    InputEvent,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    OfferRejected,
    Tick,
    TransferRequested,
    WrapUpEnded,
    WrapUpExtended,
)
from centralita.core.interactions import OFFERED, WAITING, Interaction
from centralita.core.outcomes import NOT_READY
from centralita.core.presence import AgentHandlers
from centralita.core.rules import Rule
from centralita.core.snapshots import (
    AgentSnapshot,
    InteractionSnapshot,
    QueueSnapshot,
    agent_snapshot,
    interaction_snapshot,
    queue_snapshot,
)
from centralita.core.state import Output
from centralita.core.timers import (
    HEAP,
    MAX_WAIT,
    NO_TIMER,
    PREFERRED,
    RELAX,
    RING,
    WRAP_UP,
)
from centralita.errors import CentralitaError


class Router(AgentHandlers):
    """The routing core's state. Not thread-safe: drive it from one loop."""

    def __init__(
        self,
        queues: Sequence[QueueConfig],
        agents: Sequence[AgentConfig],
        pause_reasons: Sequence[PauseReason] = DEFAULT_PAUSE_REASONS,
        rules: Sequence[Rule] = (),
        rng: Random | None = None,
    ) -> None:
        """Validate the configuration (raises `invalid-config`/`invalid-rule`)."""
        super().__init__(tuple(queues), tuple(agents), tuple(pause_reasons), tuple(rules), rng)
        self._handlers: dict[type, Callable[[Any, float, list[Output]], None]] = {
            Tick: lambda e, now, out: None,
            AgentLoggedIn: self._logged_in,
            AgentLoggedOut: self._logged_out,
            AgentReadied: self._readied,
            AgentPaused: self._paused,
            OfferAccepted: self._accepted,
            OfferRejected: self._rejected,
            WrapUpEnded: self._wrap_ended,
            WrapUpExtended: self._wrap_extended,
            AgentEngaged: self._engaged,
            AgentReleased: self._released,
            DayStarted: self._day_started,
            InteractionArrived: self._arrived,
            CallerHungUp: self._hung_up,
            CallbackRequested: self._callback,
            InteractionEnded: self._ended,
            HoldStarted: self._hold,
            HoldEnded: self._unhold,
            TransferRequested: self._transfer,
            EscalationRequested: self._escalate,
        }
        self.now = float("-inf")
        self._carried: list[Output] = []

    def handle(self, event: InputEvent, now: float) -> list[Output]:
        """Fire due timers, then apply `event`; return what happened, in order."""
        kind = type(event)
        if (
            kind is not Tick
            and kind is not OfferAccepted
            and kind is not InteractionArrived
            and kind is not InteractionEnded
            and kind is not CallerHungUp
            and kind not in self._handlers
        ):
            raise TypeError(f"not a router event: {event!r}")
        if now < self.now:
            now = self.now  # time never runs backwards inside the core
        out: list[Output] = []
        if self._carried:
            out, self._carried = self._carried, out
        if self.timers.first <= now:
            self._fire_due(now, out)
        self.now = now
        try:
            # the frequent events called directly (compiled: native calls instead of a
            # bound method found in a dict and called through the interpreter's protocol)
            if kind is Tick:
                pass
            elif type(event) is OfferAccepted:
                self._accepted(event, now, out)
            elif type(event) is InteractionArrived:
                self._arrived(event, now, out)
            elif type(event) is InteractionEnded:
                self._ended(event, now, out)
            elif type(event) is CallerHungUp:
                self._hung_up(event, now, out)
            else:
                self._handlers[kind](event, now, out)
        except CentralitaError:
            # the event was refused before it changed anything, but timers that fell
            # due before it did fire: their outputs go out with the next call
            self._carried = out
            raise
        return out

    def next_deadline(self) -> float | None:
        """When the earliest live timer is due (None: no timer set)."""
        timers = self.timers
        interactions = self.interactions
        while timers.first != NO_TIMER:
            where = timers.where  # `Timers.peek` inlined: every driver calls this per event
            if where == HEAP:
                entry = timers.heap[0][2]
            else:
                lane = timers.lanes[where]
                entry = lane.entries[lane.head]
            kind = entry.kind
            owner = entry.owner
            token = entry.token
            # `_live` inlined for the frequent kinds (typed locals: compiled attribute reads)
            if kind == WRAP_UP:
                leg: Leg = owner
                if leg.wrap_token == token:
                    return timers.first
            elif kind == RING:
                inter: Interaction = owner
                if inter.offer_token == token and inter.state == OFFERED:
                    return timers.first
            elif kind == RELAX:
                relaxing: Interaction = owner
                if relaxing.visit == token and relaxing.id in interactions:
                    return timers.first
            elif self._live(kind, owner, token):
                return timers.first
            timers.drop()  # stale
        return None

    # --- timers -----------------------------------------------------------------------

    def _live(self, kind: int, owner: Any, token: int) -> bool:
        """Whether a timer still means something (its owner's token matches)."""
        if kind == WRAP_UP:  # the most frequent kinds first
            return bool(owner.wrap_token == token)
        if kind == RING:
            return bool(owner.offer_token == token and owner.state == OFFERED)
        if kind in (RELAX, MAX_WAIT):
            return bool(owner.visit == token and owner.id in self.interactions)
        if kind == PREFERRED:
            return bool(
                owner.target_token == token
                and owner.target is not None
                and owner.state == WAITING
                and owner.id in self.interactions
            )
        return bool(owner.pause_token == token and owner.state is NOT_READY)  # PAUSE_LIMIT

    def _fire_due(self, now: float, out: list[Output]) -> None:
        timers = self.timers
        interactions = self.interactions
        while timers.first <= now:
            where = timers.where  # `Timers.peek` inlined
            if where == HEAP:
                entry = timers.heap[0][2]
            else:
                lane = timers.lanes[where]
                entry = lane.entries[lane.head]
            at = entry.at
            kind = entry.kind
            owner = entry.owner
            token = entry.token
            extra = entry.extra
            timers.drop()  # (the timer object is reused: its fields were read above)
            # the liveness test of `_live`, inlined for the frequent kinds
            if kind == WRAP_UP:
                leg: Leg = owner
                if leg.wrap_token == token:
                    self.now = at  # a timer's effects happen at its deadline
                    self._wrap_timeout(leg, at, out)
            elif kind == RING:
                inter: Interaction = owner
                if inter.offer_token == token and inter.state == OFFERED:
                    self.now = at
                    if timers.first == at and self.held is None:
                        self.held = []  # more due now: requeue after them (`_requeue`)
                    self._ring_timeout(inter, at, out)
            elif kind == RELAX:
                relaxing: Interaction = owner
                if relaxing.visit == token and relaxing.id in interactions:
                    self.now = at
                    self._relax(relaxing, at, out)
            elif self._live(kind, owner, token):
                self.now = at
                if kind == MAX_WAIT:
                    self._max_wait(owner, at, out)
                elif kind == PREFERRED:
                    self._preferred_timeout(owner, at, out)
                else:
                    self._pause_limit(owner, extra, at, out)
            if self.held is not None and timers.first > at:
                self._route_held(at, out)

    def _max_wait(self, inter: Interaction, now: float, out: list[Output]) -> None:
        if inter.state == OFFERED:
            inter.overdue = True  # let it ring; overflow if this offer fails
        else:
            self._expire(inter, now, out)

    def _preferred_timeout(self, inter: Interaction, now: float, out: list[Output]) -> None:
        inter.target = None
        inter.token += 1
        self._route(inter, now, out)

    # --- read-only views --------------------------------------------------------------

    def queue_snapshot(self, queue_id: str, now: float) -> QueueSnapshot:
        return queue_snapshot(self.queue(queue_id), now)

    def agent_snapshot(self, agent_id: str) -> AgentSnapshot:
        return agent_snapshot(self.agent(agent_id))

    def interaction_snapshot(self, interaction_id: str) -> InteractionSnapshot:
        return interaction_snapshot(self.interaction(interaction_id))

    def queue_ids(self) -> tuple[str, ...]:
        return tuple(self.queues)

    def agent_ids(self) -> tuple[str, ...]:
        return tuple(self.agents)

    def interaction_ids(self) -> tuple[str, ...]:
        """Interactions still in the router (waiting, ringing or connected)."""
        return tuple(self.interactions)

    def agent_skills(self, agent_id: str) -> dict[str, int]:
        """The agent's skills as routing sees them (site included as `site:<name>`)."""
        return dict(self.agent(agent_id).skills)
