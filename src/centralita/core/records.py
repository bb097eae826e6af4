"""Domain events the router returns for the event log (past tense, `at` first).

Every change of router state yields exactly one of these. Time in each agent state, by
reason, is the difference between consecutive `AgentStateChanged.at` of one agent.
"""

from __future__ import annotations

from centralita.core.events import Requirement
from centralita.core.immutable import immutable
from centralita.core.outcomes import AgentState, Outcome


@immutable
class AgentStateChanged:
    at: float
    agent_id: str
    state: AgentState
    reason: str | None = None  # pause reason when not ready
    interaction_id: str | None = None  # the interaction that caused it, if any
    by: str | None = None  # the supervisor who forced a pause or logout


@immutable
class PauseLimitExceeded:
    """Alert: the agent has been not ready with `reason` for longer than its maximum."""

    at: float
    agent_id: str
    reason: str
    limit: float


@immutable
class WrapUpExtended:
    at: float
    agent_id: str
    interaction_id: str
    until: float


@immutable
class InteractionQueued:
    """Entered a queue (arrival, overflow, transfer, escalation) or waits for one agent."""

    at: float
    interaction_id: str
    queue_id: str
    priority: int
    skills: Requirement
    arrived_at: float
    target_agent: str | None = None
    campaign: str | None = None


@immutable
class InteractionRelaxed:
    """Skill requirements relaxed after waiting; `skills` is what is required now."""

    at: float
    interaction_id: str
    queue_id: str
    skills: Requirement


@immutable
class InteractionOffered:
    at: float
    interaction_id: str
    agent_id: str
    queue_id: str


@immutable
class OfferCancelled:
    """An offer ended unanswered; `cause` is no_answer, rejected, answered_elsewhere,
    caller_left or agent_left. The interaction keeps its original place in the queue."""

    at: float
    interaction_id: str
    agent_id: str
    cause: str


@immutable
class InteractionAnswered:
    at: float
    interaction_id: str
    agent_id: str
    queue_id: str
    waited: float


@immutable
class InteractionHeld:
    at: float
    interaction_id: str


@immutable
class InteractionResumed:
    at: float
    interaction_id: str


@immutable
class InteractionTransferred:
    """Left its agent or queue for `to_queue` or `to_agent`; `kind` is transfer,
    escalation or overflow (overflow to another queue)."""

    at: float
    interaction_id: str
    from_queue: str
    from_agent: str | None
    to_queue: str | None
    to_agent: str | None
    kind: str


@immutable
class InteractionClosed:
    """The interaction left the router with its one final `outcome`."""

    at: float
    interaction_id: str
    outcome: Outcome
    queue_id: str | None
    arrived_at: float
    waited: float
    agent_id: str | None = None
    destination: str | None = None


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
