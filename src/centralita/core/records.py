"""Domain events the router returns for the event log (past tense, `at` first).

Every change of router state yields exactly one of these. Time in each agent state, by
reason, is the difference between consecutive `AgentStateChanged.at` of one agent.

Records are values (see `centralita.core.immutable`): `Final` fields, a hand-written
`__init__` (compiled by `make native`), equality, hash and repr from `dataclass`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from centralita.core.events import Requirement
from centralita.core.outcomes import AgentState, Outcome


@dataclass(init=False, slots=True, unsafe_hash=True)
class AgentStateChanged:
    at: Final[float]
    agent_id: Final[str]
    state: Final[AgentState]
    reason: Final[str | None]  # pause reason when not ready
    interaction_id: Final[str | None]  # the interaction that caused it, if any
    by: Final[str | None]  # the supervisor who forced a pause or logout

    def __init__(
        self,
        at: float,
        agent_id: str,
        state: AgentState,
        reason: str | None = None,
        interaction_id: str | None = None,
        by: str | None = None,
    ) -> None:
        self.at = at
        self.agent_id = agent_id
        self.state = state
        self.reason = reason
        self.interaction_id = interaction_id
        self.by = by


@dataclass(init=False, slots=True, unsafe_hash=True)
class PauseLimitExceeded:
    """Alert: the agent has been not ready with `reason` for longer than its maximum."""

    at: Final[float]
    agent_id: Final[str]
    reason: Final[str]
    limit: Final[float]

    def __init__(self, at: float, agent_id: str, reason: str, limit: float) -> None:
        self.at = at
        self.agent_id = agent_id
        self.reason = reason
        self.limit = limit


@dataclass(init=False, slots=True, unsafe_hash=True)
class WrapUpExtended:
    at: Final[float]
    agent_id: Final[str]
    interaction_id: Final[str]
    until: Final[float]

    def __init__(self, at: float, agent_id: str, interaction_id: str, until: float) -> None:
        self.at = at
        self.agent_id = agent_id
        self.interaction_id = interaction_id
        self.until = until


@dataclass(init=False, slots=True, unsafe_hash=True)
class InteractionQueued:
    """Entered a queue (arrival, overflow, transfer, escalation) or waits for one agent."""

    at: Final[float]
    interaction_id: Final[str]
    queue_id: Final[str]
    priority: Final[int]
    skills: Final[Requirement]
    arrived_at: Final[float]
    target_agent: Final[str | None]
    campaign: Final[str | None]

    def __init__(
        self,
        at: float,
        interaction_id: str,
        queue_id: str,
        priority: int,
        skills: Requirement,
        arrived_at: float,
        target_agent: str | None = None,
        campaign: str | None = None,
    ) -> None:
        self.at = at
        self.interaction_id = interaction_id
        self.queue_id = queue_id
        self.priority = priority
        self.skills = skills
        self.arrived_at = arrived_at
        self.target_agent = target_agent
        self.campaign = campaign


@dataclass(init=False, slots=True, unsafe_hash=True)
class InteractionRelaxed:
    """Skill requirements relaxed after waiting; `skills` is what is required now."""

    at: Final[float]
    interaction_id: Final[str]
    queue_id: Final[str]
    skills: Final[Requirement]

    def __init__(self, at: float, interaction_id: str, queue_id: str, skills: Requirement) -> None:
        self.at = at
        self.interaction_id = interaction_id
        self.queue_id = queue_id
        self.skills = skills


@dataclass(init=False, slots=True, unsafe_hash=True)
class InteractionOffered:
    at: Final[float]
    interaction_id: Final[str]
    agent_id: Final[str]
    queue_id: Final[str]

    def __init__(self, at: float, interaction_id: str, agent_id: str, queue_id: str) -> None:
        self.at = at
        self.interaction_id = interaction_id
        self.agent_id = agent_id
        self.queue_id = queue_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class OfferCancelled:
    """An offer ended unanswered; `cause` is no_answer, rejected, answered_elsewhere,
    caller_left or agent_left. The interaction keeps its original place in the queue."""

    at: Final[float]
    interaction_id: Final[str]
    agent_id: Final[str]
    cause: Final[str]

    def __init__(self, at: float, interaction_id: str, agent_id: str, cause: str) -> None:
        self.at = at
        self.interaction_id = interaction_id
        self.agent_id = agent_id
        self.cause = cause


@dataclass(init=False, slots=True, unsafe_hash=True)
class InteractionAnswered:
    at: Final[float]
    interaction_id: Final[str]
    agent_id: Final[str]
    queue_id: Final[str]
    waited: Final[float]

    def __init__(
        self, at: float, interaction_id: str, agent_id: str, queue_id: str, waited: float
    ) -> None:
        self.at = at
        self.interaction_id = interaction_id
        self.agent_id = agent_id
        self.queue_id = queue_id
        self.waited = waited


@dataclass(init=False, slots=True, unsafe_hash=True)
class InteractionHeld:
    at: Final[float]
    interaction_id: Final[str]

    def __init__(self, at: float, interaction_id: str) -> None:
        self.at = at
        self.interaction_id = interaction_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class InteractionResumed:
    at: Final[float]
    interaction_id: Final[str]

    def __init__(self, at: float, interaction_id: str) -> None:
        self.at = at
        self.interaction_id = interaction_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class InteractionTransferred:
    """Left its agent or queue for `to_queue` or `to_agent`; `kind` is transfer,
    escalation or overflow (overflow to another queue)."""

    at: Final[float]
    interaction_id: Final[str]
    from_queue: Final[str]
    from_agent: Final[str | None]
    to_queue: Final[str | None]
    to_agent: Final[str | None]
    kind: Final[str]

    def __init__(
        self,
        at: float,
        interaction_id: str,
        from_queue: str,
        from_agent: str | None,
        to_queue: str | None,
        to_agent: str | None,
        kind: str,
    ) -> None:
        self.at = at
        self.interaction_id = interaction_id
        self.from_queue = from_queue
        self.from_agent = from_agent
        self.to_queue = to_queue
        self.to_agent = to_agent
        self.kind = kind


@dataclass(init=False, slots=True, unsafe_hash=True)
class InteractionClosed:
    """The interaction left the router with its one final `outcome`."""

    at: Final[float]
    interaction_id: Final[str]
    outcome: Final[Outcome]
    queue_id: Final[str | None]
    arrived_at: Final[float]
    waited: Final[float]
    agent_id: Final[str | None]
    destination: Final[str | None]

    def __init__(
        self,
        at: float,
        interaction_id: str,
        outcome: Outcome,
        queue_id: str | None,
        arrived_at: float,
        waited: float,
        agent_id: str | None = None,
        destination: str | None = None,
    ) -> None:
        self.at = at
        self.interaction_id = interaction_id
        self.outcome = outcome
        self.queue_id = queue_id
        self.arrived_at = arrived_at
        self.waited = waited
        self.agent_id = agent_id
        self.destination = destination


Record = (
    AgentStateChanged
    | PauseLimitExceeded
    | WrapUpExtended
    | InteractionQueued
    | InteractionRelaxed
    | InteractionOffered
    | OfferCancelled
    | InteractionAnswered
    | InteractionHeld
    | InteractionResumed
    | InteractionTransferred
    | InteractionClosed
)
