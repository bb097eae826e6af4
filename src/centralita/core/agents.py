"""An agent's run-time state (owned and mutated only by the router).

Presence (logged in, paused with a reason, logout pending) is what the agent asked for;
legs are the interactions it holds (ringing, talking, on hold, in wrap-up). The state a
wallboard shows is derived from both (`RouterState._set_state`).

What the matching reads per channel (capacity, load, availability epoch, idle since, the
pools the agent qualifies for, interactions waiting for it alone) sits on one `Slot`
per (agent, channel): the hot paths look the channel up once and then read plain
attributes (compiled: native fields) instead of one dict per quantity, and the pools'
heaps hold slots, so checking an entry is one attribute read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from centralita.core.config import MISSED, AgentConfig, PauseReason
from centralita.core.outcomes import AgentState
from centralita.core.skills import agent_skills

if TYPE_CHECKING:
    from centralita.core.interactions import Interaction
    from centralita.core.queues import Pool, Queue

# Leg states (an agent counts its legs in each: `ringing`, `talking`, `holding`, `wrapping`).
RINGING: Final = 0
TALKING: Final = 1
HOLD: Final = 2
WRAP: Final = 3


class Slot:
    """An agent on one channel."""

    __slots__ = ("agent", "capacity", "channel", "epoch", "idle_since", "load", "pools", "targeted")

    def __init__(self, agent: Agent, channel: str, capacity: int) -> None:
        self.agent = agent
        self.channel = channel
        self.capacity = capacity  # 0 for a channel the agent has no capacity on
        self.load = 0  # legs and engagements on this channel
        # bumped whenever the agent's availability (or key) on the channel changes, so
        # index entries made earlier become stale (lazy deletion)
        self.epoch = 0
        self.idle_since = 0.0
        # the pools of this channel the agent qualifies for (built once per `pools_gen`)
        # (a tuple: its items lie in the object itself, one cache line fewer to read)
        self.pools: tuple[Pool, ...] = ()
        # interactions waiting for this agent only: (rank, seq, token, interaction)
        # (None until the first: most agents never have one, and the routing reads
        # this field for every agent it serves)
        self.targeted: list[tuple[float, int, int, Interaction]] | None = None


class Leg:
    """An interaction the agent holds: its leg state and, in wrap-up, its deadline.

    A wrap-up timer's owner is the leg; it is live while `wrap_token` is the token it
    was set with (0: no wrap-up running; tokens come from the agent's `wrap_seq`)."""

    __slots__ = ("id", "slot", "state", "wrap_token", "wrap_until")

    def __init__(self, interaction_id: str, state: int, slot: Slot) -> None:
        self.id = interaction_id
        self.state = state
        self.slot = slot
        self.wrap_token = 0
        self.wrap_until = 0.0


class Agent:
    __slots__ = (
        "accepting",
        "by",
        "config",
        "engaged",
        "first_leg",
        "first_slot",
        "handled_today",
        "holding",
        "id",
        "logged_in",
        "logout_pending",
        "more_legs",
        "pause",
        "pause_reasons",
        "pause_token",
        "pools_gen",
        "queues",
        "reason",
        "ringing",
        "rr",
        "since",
        "skills",
        "slots",
        "state",
        "talk_today",
        "talking",
        "wrap_seq",
        "wrapping",
    )

    def __init__(self, config: AgentConfig) -> None:
        # (compiled, the fields lie in the order first assigned here: those the routing
        # paths read come first, so that they share fewer cache lines)
        self.id = config.id
        self.state = AgentState.LOGGED_OUT
        self.reason: str | None = None
        self.since = 0.0
        self.accepting = False  # logged in, not paused, not logging out
        self.logged_in = False
        self.logout_pending = False
        self.pause: str | None = None
        self.by: str | None = None  # supervisor who forced the presence in effect
        # the interactions it holds, oldest first: the first apart (an agent holds one at
        # most, mostly), read without a dict or a list; the others in `more_legs`
        self.first_leg: Leg | None = None
        self.more_legs: list[Leg] | None = None  # (None until needed)
        # legs in each leg state (native ints: no list to reach on the hot paths)
        self.ringing = 0
        self.talking = 0
        self.holding = 0
        self.wrapping = 0
        self.pools_gen = -1
        # wrap-up timer tokens: only grow, so a leg that comes back to this agent and
        # wraps up again never matches an old timer
        self.wrap_seq = 0
        self.handled_today = 0
        self.talk_today = 0.0
        # one slot per channel with capacity, in the configuration's order; a slot of
        # capacity 0 is added for another channel once something needs it (`slot`)
        self.slots: dict[str, Slot] = {
            channel: Slot(self, channel, capacity) for channel, capacity in config.capacity.items()
        }
        # the first of them, found without the dict when asked for (most agents have one)
        self.first_slot: Slot | None = next(iter(self.slots.values()), None)
        self.config = config
        self.pause_reasons: dict[str, PauseReason] | None = None
        if config.pause_reasons is not None:
            self.pause_reasons = {p.code: p for p in config.pause_reasons}
            self.pause_reasons.setdefault(MISSED, PauseReason(MISSED))
        self.skills = agent_skills(config.skills, config.site)
        self.pause_token = 0
        # calls outside the queues (`AgentEngaged`): ref → (slot, interaction it is
        # about); each counts as a talking leg and takes one unit of its channel
        self.engaged: dict[str, tuple[Slot, str | None]] = {}
        self.queues: list[Queue] = []
        self.rr: dict[str, int] = {}

    def slot(self, channel: str) -> Slot:
        """The agent's slot on `channel` (capacity 0 if it has none configured)."""
        first = self.first_slot
        if first is not None and first.channel == channel:
            return first
        slot = self.slots.get(channel)
        if slot is None:
            slot = Slot(self, channel, 0)
            self.slots[channel] = slot
        return slot

    def set_presence(self, logged_in: bool, pause: str | None, logout_pending: bool) -> None:
        """The only way presence changes, so `accepting` stays in step with it."""
        self.logged_in = logged_in
        self.pause = pause
        self.logout_pending = logout_pending
        self.accepting = logged_in and pause is None and not logout_pending

    def ready_for(self, channel: str) -> bool:
        """Whether a new offer on `channel` may go to this agent now."""
        first = self.first_slot
        slot = first if first is not None and first.channel == channel else self.slots.get(channel)
        return self.accepting and slot is not None and slot.load < slot.capacity

    def legs(self) -> list[Leg]:
        """The legs it holds, oldest first."""
        first = self.first_leg
        if first is None:
            return []
        more = self.more_legs
        return [first, *more] if more else [first]

    def leg(self, interaction_id: str) -> Leg | None:
        """Its leg of that interaction, if it holds one."""
        first = self.first_leg
        if first is None:
            return None
        if first.id == interaction_id:
            return first
        more = self.more_legs
        if more is not None:
            for leg in more:
                if leg.id == interaction_id:
                    return leg
        return None

    def add_leg(self, interaction_id: str, leg: int, slot: Slot) -> None:
        new = Leg(interaction_id, leg, slot)
        if self.first_leg is None:
            self.first_leg = new
        elif self.more_legs is None:
            self.more_legs = [new]
        else:
            self.more_legs.append(new)
        self.count(leg, 1)
        slot.load += 1
        slot.epoch += 1

    def count(self, state: int, delta: int) -> None:
        """Add `delta` to the number of legs in leg state `state`."""
        if state == RINGING:
            self.ringing += delta
        elif state == TALKING:
            self.talking += delta
        elif state == HOLD:
            self.holding += delta
        else:
            self.wrapping += delta

    def move_leg(self, interaction_id: str, state: int) -> Leg:
        leg = self.leg(interaction_id)
        assert leg is not None, interaction_id
        self.count(leg.state, -1)
        self.count(state, 1)
        leg.state = state
        return leg

    def drop_leg(self, interaction_id: str, now: float) -> Slot:
        """Remove its leg of that interaction; returns its slot (see `remove_leg`)."""
        leg = self.leg(interaction_id)
        assert leg is not None, interaction_id
        return self.remove_leg(leg, now)

    def remove_leg(self, leg: Leg, now: float) -> Slot:
        """Remove a leg it holds; returns its slot. The channel frees up (new epoch)."""
        more = self.more_legs
        if leg is self.first_leg:
            self.first_leg = more.pop(0) if more else None
        else:
            assert more is not None
            more.remove(leg)
        leg.wrap_token = 0  # its wrap-up timer, if any, goes stale
        self.count(leg.state, -1)
        slot = leg.slot
        slot.load -= 1
        slot.epoch += 1
        if slot.load == 0:
            slot.idle_since = now
        return slot

    def engage(self, ref: str, slot: Slot, interaction_id: str | None) -> None:
        self.engaged[ref] = (slot, interaction_id)
        self.talking += 1
        slot.load += 1
        slot.epoch += 1

    def release(self, ref: str, now: float) -> tuple[Slot, str | None]:
        """End an engagement; returns its slot, whose channel frees up (new epoch), and
        the interaction it was about."""
        slot, interaction_id = self.engaged.pop(ref)
        self.talking -= 1
        slot.load -= 1
        slot.epoch += 1
        if slot.load == 0:
            slot.idle_since = now
        return slot, interaction_id

    def wrap_token(self, leg: Leg, until: float) -> int:
        """Set (or move) the wrap-up deadline of a leg; returns its timer's new token."""
        self.wrap_seq += 1
        leg.wrap_token = self.wrap_seq
        leg.wrap_until = until
        return self.wrap_seq

    def invalidate(self) -> None:
        """Make every index entry of this agent stale (paused, logged out…)."""
        for slot in self.slots.values():
            slot.epoch += 1
