"""An interaction's run-time state (owned and mutated only by the router)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from centralita.core.events import Requirement

if TYPE_CHECKING:
    from centralita.core.agents import Agent
    from centralita.core.queues import Pool, Queue

WAITING: Final = 0
OFFERED: Final = 1
CONNECTED: Final = 2
HELD: Final = 3

STATE_NAMES = ("waiting", "offered", "connected", "held")


def place(inter: Interaction) -> tuple[float, int]:
    """Its place in its queue: lower first (rank, then arrival order)."""
    return inter.rank, inter.seq


class Interaction:
    __slots__ = (
        "agent",
        "agents_seen",
        "ani",
        "answered",
        "arrived_at",
        "base",
        "campaign",
        "channel",
        "connected_at",
        "enqueued_at",
        "history",
        "id",
        "offer_token",
        "offers",
        "overdue",
        "pool",
        "priority",
        "queue",
        "rank",
        "required",
        "seq",
        "skills",
        "state",
        "step",
        "target",
        "target_token",
        "token",
        "visit",
    )

    def __init__(
        self,
        interaction_id: str,
        channel: str,
        arrived_at: float,
        priority: int,
        skills: Requirement,
        ani: str | None,
    ) -> None:
        # (compiled, the fields lie in the order first assigned here: those a routing
        # decision reads come first, so that they share two cache lines)
        self.token = 0  # bumped when it stops waiting in a heap (lazy deletion)
        self.rank = 0.0  # order in the queue: lower first (see Router._enter)
        self.seq = 0
        self.state = WAITING
        self.id = interaction_id
        self.channel = channel
        self.queue: Queue | None = None
        self.pool: Pool | None = None
        self.target: Agent | None = None
        self.offer_token = 0  # bumped on each offer round (cancels ring timers)
        self.offers: list[Agent] = []
        # the pool of its skills as asked (step 0) in this queue: set on each queue entry
        # (`Matching._current_pool` at step 0), it holds the relaxed pools by step
        self.base: Pool | None = None
        self.step = 0  # index of the next relaxation step
        self.visit = 0  # bumped on each queue entry (cancels max-wait/relax timers)
        self.arrived_at = arrived_at
        self.priority = priority
        self.skills = skills  # as asked for, before relaxation
        self.required: Requirement = skills  # what is required now
        self.ani = ani
        self.campaign: str | None = None
        self.enqueued_at = arrived_at
        self.target_token = 0
        self.agent: Agent | None = None
        self.answered = False
        self.connected_at = 0.0
        self.overdue = False  # max wait passed while ringing: overflow if unanswered
        self.history: list[str] = []  # queues visited, in order
        self.agents_seen: list[str] = []  # agents connected, in order
