"""Read-only views for wallboards and agent desktops (built on request, not per event)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from centralita.core.agents import Agent
from centralita.core.events import Requirement
from centralita.core.immutable import immutable
from centralita.core.interactions import STATE_NAMES, Interaction
from centralita.core.outcomes import AgentState
from centralita.core.queues import Queue


@immutable
class QueueSnapshot:
    queue_id: str
    waiting: int  # in the queue and not yet answered (ringing included)
    ringing: int
    longest_wait: float
    logged_in: int
    agents: Mapping[AgentState, int]  # members by state


@immutable
class AgentSnapshot:
    agent_id: str
    state: AgentState
    reason: str | None
    since: float
    interactions: tuple[str, ...]
    load: Mapping[str, int]
    capacity: Mapping[str, int]
    handled_today: int
    talk_today: float
    queues: tuple[str, ...]
    ready: bool  # takes new offers when it has room (logged in, not paused)
    engaged: tuple[str, ...] = ()  # calls outside the queues (`AgentEngaged.ref`)


@immutable
class InteractionSnapshot:
    interaction_id: str
    state: str  # waiting, offered, connected, held
    channel: str
    queue_id: str | None
    priority: int
    required: Requirement  # after relaxation
    arrived_at: float
    enqueued_at: float
    offered_to: tuple[str, ...]
    agent_id: str | None
    target_agent: str | None
    history: tuple[str, ...]  # queues visited
    agents_seen: tuple[str, ...]
    campaign: str | None


def queue_snapshot(queue: Queue, now: float) -> QueueSnapshot:
    by_state = dict.fromkeys(AgentState, 0)
    for agent in queue.members:
        by_state[agent.state] += 1
    waiting = queue.waiting.values()
    longest = max((now - i.enqueued_at for i in waiting), default=0.0)
    ringing = sum(1 for i in waiting if i.offers)
    return QueueSnapshot(
        queue.id,
        len(queue.waiting),
        ringing,
        longest,
        queue.logged_in,
        MappingProxyType(by_state),
    )


def agent_snapshot(agent: Agent) -> AgentSnapshot:
    configured = agent.config.capacity
    return AgentSnapshot(
        agent.id,
        agent.state,
        agent.reason,
        agent.since,
        tuple(leg.id for leg in agent.legs()),
        # configured channels, and any other the agent holds something on
        MappingProxyType({c: s.load for c, s in agent.slots.items() if c in configured or s.load}),
        MappingProxyType({c: s.capacity for c, s in agent.slots.items() if c in configured}),
        agent.handled_today,
        agent.talk_today,
        tuple(q.id for q in agent.queues),
        agent.logged_in and agent.pause is None and not agent.logout_pending,
        tuple(agent.engaged),
    )


def interaction_snapshot(inter: Interaction) -> InteractionSnapshot:
    return InteractionSnapshot(
        inter.id,
        STATE_NAMES[inter.state],
        inter.channel,
        inter.queue.id if inter.queue is not None else None,
        inter.priority,
        inter.required,
        inter.arrived_at,
        inter.enqueued_at,
        tuple(a.id for a in inter.offers),
        inter.agent.id if inter.agent is not None else None,
        inter.target.id if inter.target is not None else None,
        tuple(inter.history),
        tuple(inter.agents_seen),
        inter.campaign,
    )
