"""An agent's run-time state (owned and mutated only by the router).

Presence (logged in, paused with a reason, logout pending) is what the agent asked for;
legs are the interactions it holds (ringing, talking, on hold, in wrap-up). The state a
wallboard shows is derived from both (`RouterState._set_state`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from centralita.core.config import MISSED, AgentConfig, PauseReason
from centralita.core.outcomes import AgentState
from centralita.core.skills import agent_skills

if TYPE_CHECKING:
    from centralita.core.interactions import Interaction
    from centralita.core.queues import Pool, Queue

# Leg states, indexes into Agent.counts.
RINGING: Final = 0
TALKING: Final = 1
HOLD: Final = 2
WRAP: Final = 3


class Agent:
    __slots__ = (
        "accepting",
        "by",
        "capacity",
        "config",
        "counts",
        "engaged",
        "epoch",
        "handled_today",
        "id",
        "idle_since",
        "legs",
        "load",
        "logged_in",
        "logout_pending",
        "pause",
        "pause_reasons",
        "pause_token",
        "pools",
        "pools_gen",
        "queues",
        "reason",
        "rr",
        "since",
        "skills",
        "state",
        "talk_today",
        "targeted",
        "wrap_seq",
        "wrap_tokens",
        "wrap_until",
    )

    def __init__(self, config: AgentConfig) -> None:
        self.id = config.id
        self.config = config
        self.pause_reasons: dict[str, PauseReason] | None = None
        if config.pause_reasons is not None:
            self.pause_reasons = {p.code: p for p in config.pause_reasons}
            self.pause_reasons.setdefault(MISSED, PauseReason(MISSED))
        self.skills = agent_skills(config.skills, config.site)
        self.capacity = dict(config.capacity)
        self.load = dict.fromkeys(self.capacity, 0)
        # bumped whenever the agent's availability (or key) for a channel changes, so
        # index entries made earlier become stale (lazy deletion)
        self.epoch = dict.fromkeys(self.capacity, 0)
        self.idle_since = dict.fromkeys(self.capacity, 0.0)
        self.logged_in = False
        self.logout_pending = False
        self.pause: str | None = None
        self.accepting = False  # logged in, not paused, not logging out
        self.by: str | None = None  # supervisor who forced the presence in effect
        self.pause_token = 0
        self.state = AgentState.LOGGED_OUT
        self.reason: str | None = None
        self.since = 0.0
        self.legs: dict[str, tuple[int, str]] = {}  # interaction id → (leg state, channel)
        self.counts = [0, 0, 0, 0]
        # calls outside the queues (`AgentEngaged`): ref → (channel, interaction it is
        # about); each counts as a talking leg and takes one unit of its channel
        self.engaged: dict[str, tuple[str, str | None]] = {}
        self.queues: list[Queue] = []
        self.rr: dict[str, int] = {}
        self.pools: dict[str, list[Pool]] = {}
        self.pools_gen = -1
        self.handled_today = 0
        self.talk_today = 0.0
        # interactions waiting for this agent only, by channel: (rank, seq, token, it)
        self.targeted: dict[str, list[tuple[float, int, int, Interaction]]] = {}
        # interaction id → token of its wrap-up timer; tokens come from `wrap_seq`, which
        # only grows: a leg whose wrap-up was forgotten may come back to this agent and
        # wrap up again, and its old timer must not match the new token
        self.wrap_tokens: dict[str, int] = {}
        self.wrap_seq = 0
        self.wrap_until: dict[str, float] = {}

    def set_presence(self, logged_in: bool, pause: str | None, logout_pending: bool) -> None:
        """The only way presence changes, so `accepting` stays in step with it."""
        self.logged_in = logged_in
        self.pause = pause
        self.logout_pending = logout_pending
        self.accepting = logged_in and pause is None and not logout_pending

    def ready_for(self, channel: str) -> bool:
        """Whether a new offer on `channel` may go to this agent now."""
        return self.accepting and self.load.get(channel, 0) < self.capacity.get(channel, 0)

    def add_leg(self, interaction_id: str, leg: int, channel: str) -> None:
        self.legs[interaction_id] = (leg, channel)
        self.counts[leg] += 1
        self.load[channel] = self.load.get(channel, 0) + 1
        self.epoch[channel] = self.epoch.get(channel, 0) + 1

    def move_leg(self, interaction_id: str, leg: int) -> None:
        old, channel = self.legs[interaction_id]
        self.counts[old] -= 1
        self.counts[leg] += 1
        self.legs[interaction_id] = (leg, channel)

    def drop_leg(self, interaction_id: str, now: float) -> str:
        """Remove a leg; returns its channel. The channel frees up (new epoch)."""
        legs = self.legs
        old, channel = legs[interaction_id]
        del legs[interaction_id]  # (not `pop`: compiled, `del` is no method call)
        self.counts[old] -= 1
        self.load[channel] -= 1
        self.epoch[channel] += 1
        if self.load[channel] == 0:
            self.idle_since[channel] = now
        return channel

    def engage(self, ref: str, channel: str, interaction_id: str | None) -> None:
        self.engaged[ref] = (channel, interaction_id)
        self.counts[TALKING] += 1
        self.load[channel] += 1
        self.epoch[channel] += 1

    def release(self, ref: str, now: float) -> tuple[str, str | None]:
        """End an engagement; returns its channel, which frees up (new epoch), and the
        interaction it was about."""
        channel, interaction_id = self.engaged.pop(ref)
        self.counts[TALKING] -= 1
        self.load[channel] -= 1
        self.epoch[channel] += 1
        if self.load[channel] == 0:
            self.idle_since[channel] = now
        return channel, interaction_id

    def wrap_token(self, interaction_id: str, until: float) -> int:
        """Set (or move) the wrap-up deadline of a leg; returns its timer's new token."""
        self.wrap_seq += 1
        self.wrap_tokens[interaction_id] = self.wrap_seq
        self.wrap_until[interaction_id] = until
        return self.wrap_seq

    def end_wrap(self, interaction_id: str) -> None:
        """Forget the wrap-up deadline of a leg (its timer goes stale)."""
        if interaction_id in self.wrap_tokens:
            del self.wrap_tokens[interaction_id]
            del self.wrap_until[interaction_id]

    def invalidate(self) -> None:
        """Make every index entry of this agent stale (paused, logged out…)."""
        for channel in self.epoch:
            self.epoch[channel] += 1
