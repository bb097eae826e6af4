"""A queue's run-time state and its pools.

A pool is one cell of the matching: (queue, channel, current skill requirement). It
holds two ordered indexes with lazy deletion (`centralita.core.lines`):

* `agents`: available members meeting the requirement, as
  `(key1, key2, uid, slot, epoch)` (the member's `Slot` on the pool's channel); stale
  once `slot.epoch != epoch`.
* `waiting`: interactions whose current requirement is this one, as
  `(rank, seq, token, interaction)`; stale once `interaction.token != token`.

An interaction sits in one pool at a time; an agent is advertised in every pool it
qualifies for. Pools are created on first use, so their number stays at the number of
distinct (queue, channel, requirement) triples that ever occurred.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from centralita.core.config import QueueConfig, Strategy
from centralita.core.events import Requirement
from centralita.core.lines import FreeAgents, WaitingLine

if TYPE_CHECKING:
    from centralita.core.agents import Agent
    from centralita.core.interactions import Interaction


class Pool:
    __slots__ = ("agents", "agents_limit", "channel", "queue", "relaxed", "required", "waiting")

    def __init__(self, queue: Queue, channel: str, required: Requirement) -> None:
        self.queue = queue
        self.channel = channel
        self.required = required
        self.agents = FreeAgents()
        self.waiting = WaitingLine()
        # with this requirement as asked: the pool of relaxation step s at [s], once used
        # (a function of queue, channel, requirement and step; pools are never dropped)
        self.relaxed: list[Pool | None] = [None] * (len(queue.relax_levels) + 1)
        # stale entries of a rarely used pool would pile up until they surface; past
        # this size the heap is rebuilt from its valid entries (amortised O(1) a push)
        self.agents_limit = 2 * len(queue.members) + 64


class Queue:
    __slots__ = (
        "config",
        "default_priority",
        "id",
        "last_pool",
        "logged_in",
        "longest_idle",
        "max_length",
        "max_wait",
        "member_index",
        "members",
        "neg_weight",
        "pools",
        "priority_span",
        "relax_after",
        "relax_levels",
        "ring_all",
        "ring_timeout",
        "round_robin",
        "rr_next",
        "strategy",
        "waiting",
        "wrap_up",
    )

    def __init__(self, config: QueueConfig) -> None:
        self.config = config
        self.id = config.id
        self.members: list[Agent] = []
        self.member_index = {agent_id: i for i, agent_id in enumerate(config.members)}
        self.logged_in = 0  # members logged in and not logging out
        self.pools: dict[tuple[str, Requirement], Pool] = {}
        # the pool the last interaction entering this queue went to: most calls of a
        # queue ask the same, and comparing requirements costs less than hashing one
        self.last_pool: Pool | None = None
        # interactions in this queue not yet answered (waiting or ringing), by id
        self.waiting: dict[str, Interaction] = {}
        self.rr_next = 0
        self.neg_weight = -config.weight
        self.ring_all = config.strategy is Strategy.RING_ALL
        self.round_robin = config.strategy is Strategy.ROUND_ROBIN
        # the key is the agent's (load, idle since) on the channel (see `agent_key`)
        self.longest_idle = self.ring_all or config.strategy is Strategy.LONGEST_IDLE
        # seconds of waiting one priority level is worth; without ageing a level
        # outweighs any wait (1e9 s ≈ 32 years)
        self.priority_span = config.ageing_seconds or 1e9
        # the configuration the hot paths read, as attributes of this (compiled) class
        self.strategy = config.strategy
        self.default_priority = config.default_priority
        self.ring_timeout = config.ring_timeout
        self.wrap_up = config.wrap_up
        self.max_wait = config.max_wait
        self.max_length = config.max_length
        self.relax_after = tuple(step.after for step in config.relax)
        self.relax_levels = tuple(step.max_level for step in config.relax)

    def rank(self, priority: int, enqueued_at: float) -> float:
        """Order key in this queue: higher priority first, then first come first served.

        With ageing every `ageing_seconds` of waiting counts as one priority level; the
        key `enqueued_at - priority × ageing_seconds` does not change while waiting, so
        ageing needs no timer and no re-sorting.
        """
        return enqueued_at - priority * self.priority_span
