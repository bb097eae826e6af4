"""Events the router takes in (`Router.handle(event, now)`).

Past tense for what happened outside (`OfferAccepted`, `CallerHungUp`), request form
for what someone asks (`TransferRequested`). `Tick` only fires due timers.
Skill requirements are `(skill, minimum level)` pairs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType

from centralita.core.immutable import immutable

Requirement = tuple[tuple[str, int], ...]


@immutable
class Tick:
    """Nothing happened but time passed: fire every timer due at `now`."""


# --- agents ---------------------------------------------------------------------------


@immutable
class AgentLoggedIn:
    """Agent logs in: available, or not ready with `reason` if given."""

    agent_id: str
    reason: str | None = None


@immutable
class AgentLoggedOut:
    """Agent (or supervisor `by`) logs out; with live work it takes effect when it ends."""

    agent_id: str
    by: str | None = None


@immutable
class AgentReadied:
    """Agent becomes ready for offers (ends a pause)."""

    agent_id: str


@immutable
class AgentPaused:
    """Agent (or supervisor `by`) goes not ready with a configured reason code."""

    agent_id: str
    reason: str
    by: str | None = None


@immutable
class OfferAccepted:
    """The agent answered the offer: the interaction is connected to the agent."""

    interaction_id: str
    agent_id: str


@immutable
class OfferRejected:
    """The agent declined the offer (it counts as missed)."""

    interaction_id: str
    agent_id: str


@immutable
class WrapUpEnded:
    """The agent ends after-call work early (all of it, or one interaction's)."""

    agent_id: str
    interaction_id: str | None = None


@immutable
class WrapUpExtended:
    """The agent asks for `seconds` more after-call work on each interaction in wrap-up."""

    agent_id: str
    seconds: float


@immutable
class DayStarted:
    """A new day: reset per-agent counters (handled today, talk time today)."""


@immutable
class AgentEngaged:
    """The agent is on a call outside the queues (consulted by a colleague, added to a
    conference, placing a click-to-call): it takes one unit of `channel`, so no offer
    reaches the agent meanwhile, and shows as talking until `AgentReleased` with the same
    `ref` (the caller's key for that call). `interaction_id`: the interaction it is
    about, if any (consulted about it), recorded on the agent's state changes."""

    agent_id: str
    ref: str
    channel: str = "voice"
    interaction_id: str | None = None


@immutable
class AgentReleased:
    """That call outside the queues (`AgentEngaged.ref`) is over."""

    agent_id: str
    ref: str


# --- interactions ---------------------------------------------------------------------


@immutable
class InteractionArrived:
    """A new interaction asks for an agent.

    `queue`, `priority` and `skills` may come from the caller (e.g. the IVR) or be left
    to the rules, which look at the other attributes. `arrived_at` keeps the original
    arrival (e.g. when the IVR ran first); it defaults to `now`.
    """

    interaction_id: str
    channel: str = "voice"
    queue: str | None = None
    priority: int | None = None
    skills: Requirement = ()
    ani: str | None = None
    dnis: str | None = None
    segment: str | None = None
    language: str | None = None
    site: str | None = None
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    arrived_at: float | None = None
    preferred_agent: str | None = None
    preferred_timeout: float = 0.0
    campaign: str | None = None


@immutable
class CallerHungUp:
    """The customer left: abandoned if waiting or ringing, ended if connected."""

    interaction_id: str


@immutable
class CallbackRequested:
    """The customer leaves the queue asking to be called back."""

    interaction_id: str


@immutable
class InteractionEnded:
    """The conversation ended (either side); the agent goes to wrap-up."""

    interaction_id: str


@immutable
class HoldStarted:
    interaction_id: str


@immutable
class HoldEnded:
    interaction_id: str


@immutable
class TransferRequested:
    """Move a waiting or connected interaction to a queue or to one agent.

    Exactly one of `queue` and `agent_id` is given. For an agent, `timeout` seconds
    (0 = no limit) bound the wait for that agent; then it waits in its queue again.
    """

    interaction_id: str
    queue: str | None = None
    agent_id: str | None = None
    priority: int | None = None
    skills: Requirement | None = None
    timeout: float = 0.0


@immutable
class EscalationRequested:
    """Send the interaction to its queue's next tier (`QueueConfig.escalate_to`)."""

    interaction_id: str


InputEvent = (
    Tick
    | AgentLoggedIn
    | AgentLoggedOut
    | AgentReadied
    | AgentPaused
    | OfferAccepted
    | OfferRejected
    | WrapUpEnded
    | WrapUpExtended
    | AgentEngaged
    | AgentReleased
    | DayStarted
    | InteractionArrived
    | CallerHungUp
    | CallbackRequested
    | InteractionEnded
    | HoldStarted
    | HoldEnded
    | TransferRequested
    | EscalationRequested
)
