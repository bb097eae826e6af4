"""Configuration of a center: queues, agents, pause reasons (immutable values).

Priorities run from 1 (lowest) to 10 (most urgent). Skill levels run from 1 to 5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from centralita.core.errors import InvalidConfig
from centralita.core.immutable import immutable

MIN_PRIORITY: Final = 1
MAX_PRIORITY: Final = 10
MAX_LEVEL: Final = 5


class Strategy(StrEnum):
    """How a queue picks among the qualified available agents."""

    LONGEST_IDLE = "longest_idle"
    ROUND_ROBIN = "round_robin"
    FEWEST_INTERACTIONS = "fewest_interactions"
    LEAST_TALK_TIME = "least_talk_time"
    RANDOM = "random"
    RING_ALL = "ring_all"
    LINEAR = "linear"


class WhenNoAgents(StrEnum):
    """What a queue does with an interaction when none of its members is logged in."""

    WAIT = "wait"
    REJECT = "reject"
    OVERFLOW = "overflow"


class WhenFull(StrEnum):
    """What a queue does with an arrival when `max_length` interactions already wait."""

    REJECT = "reject"
    OVERFLOW = "overflow"


@immutable
class RelaxStep:
    """After `after` seconds in the queue, required levels are capped at `max_level`.

    `max_level=0` drops the skill requirements: any member of the queue qualifies.
    """

    after: float
    max_level: int


@immutable
class QueueConfig:
    """One queue. `members` is ordered: the `linear` strategy offers in that order."""

    id: str
    members: tuple[str, ...] = ()
    strategy: Strategy = Strategy.LONGEST_IDLE
    default_priority: int = 5
    weight: int = 0  # across queues an agent serves, higher weight is served first
    ring_timeout: float = 15.0
    wrap_up: float = 0.0
    max_wait: float | None = None
    max_length: int | None = None
    overflow_queue: str | None = None
    overflow_destination: str | None = None  # outside the router, e.g. "voicemail:sales"
    when_no_agents: WhenNoAgents = WhenNoAgents.WAIT
    when_full: WhenFull = WhenFull.REJECT
    ageing_seconds: float | None = None  # each such wait counts as one priority level
    relax: tuple[RelaxStep, ...] = ()
    short_abandon: float = 5.0
    escalate_to: str | None = None  # the next tier's queue
    tier: int = 1


@immutable
class AgentConfig:
    """One agent: skills (name → level 1–5), capacity per channel, site, and the pause
    reasons it may use (its company's, when one router serves several; `None`: the
    router's list). "missed" is always allowed."""

    id: str
    skills: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    capacity: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({"voice": 1}))
    site: str | None = None
    pause_reasons: tuple[PauseReason, ...] | None = None


@immutable
class PauseReason:
    """A not-ready reason code; exceeding `max_duration` seconds raises an alert."""

    code: str
    max_duration: float | None = None


MISSED: Final = "missed"
"""Built-in pause reason an agent gets after not answering (or rejecting) an offer."""

DEFAULT_PAUSE_REASONS = (
    PauseReason("break", 900.0),
    PauseReason("lunch", 3600.0),
    PauseReason("training"),
    PauseReason("back_office"),
    PauseReason(MISSED),
)


def validate_queues(queues: tuple[QueueConfig, ...], agent_ids: set[str]) -> None:
    """Raise `InvalidConfig` naming the queue and field of the first inconsistency."""
    ids = {q.id for q in queues}
    if len(ids) != len(queues):
        raise InvalidConfig("queue ids must be unique", field="queues")
    for q in queues:

        def bad(field: str, why: str, q: QueueConfig = q) -> InvalidConfig:
            return InvalidConfig(f"queue {q.id!r}: {field} {why}", queue=q.id, field=field)

        if not MIN_PRIORITY <= q.default_priority <= MAX_PRIORITY:
            raise bad("default_priority", "must be between 1 and 10")
        if q.ring_timeout <= 0:
            raise bad("ring_timeout", "must be positive")
        if q.wrap_up < 0:
            raise bad("wrap_up", "must not be negative")
        for member in q.members:
            if member not in agent_ids:
                raise bad("members", f"names unknown agent {member!r}")
        if len(set(q.members)) != len(q.members):
            raise bad("members", "lists an agent twice")
        for ref in (q.overflow_queue, q.escalate_to):
            if ref is not None and ref not in ids:
                raise bad("overflow_queue/escalate_to", f"names unknown queue {ref!r}")
        has_target = q.overflow_queue is not None or q.overflow_destination is not None
        needs_target = (
            q.max_wait is not None
            or q.when_no_agents is WhenNoAgents.OVERFLOW
            or (q.max_length is not None and q.when_full is WhenFull.OVERFLOW)
        )
        if needs_target and not has_target:
            raise bad("overflow_queue", "is required by max_wait or an overflow policy")
        if q.ageing_seconds is not None and q.ageing_seconds <= 0:
            raise bad("ageing_seconds", "must be positive")
        last = -1.0
        for step in q.relax:
            if step.after <= last or not 0 <= step.max_level <= MAX_LEVEL:
                raise bad("relax", "needs increasing 'after' and max_level 0–5")
            last = step.after


def validate_agents(agents: tuple[AgentConfig, ...]) -> None:
    """Raise `InvalidConfig` naming the agent and field of the first inconsistency."""
    seen: set[str] = set()
    for a in agents:
        if a.id in seen:
            raise InvalidConfig(f"agent {a.id!r} is defined twice", agent=a.id, field="id")
        seen.add(a.id)
        for skill, level in a.skills.items():
            if not 1 <= level <= MAX_LEVEL:
                raise InvalidConfig(
                    f"agent {a.id!r}: skill {skill!r} level must be 1–5",
                    agent=a.id,
                    field="skills",
                )
        for channel, cap in a.capacity.items():
            if cap < 1:
                raise InvalidConfig(
                    f"agent {a.id!r}: capacity for {channel!r} must be at least 1",
                    agent=a.id,
                    field="capacity",
                )
