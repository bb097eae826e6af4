"""Events the router takes in (`Router.handle(event, now)`).

Past tense for what happened outside (`OfferAccepted`, `CallerHungUp`), request form
for what someone asks (`TransferRequested`). `Tick` only fires due timers.
Skill requirements are `(skill, minimum level)` pairs.

Events are values (see `centralita.core.immutable`): `Final` fields, a hand-written
`__init__` (compiled by `make native`), equality, hash and repr from `dataclass`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

Requirement = tuple[tuple[str, int], ...]

NO_ATTRIBUTES: Final[Mapping[str, str]] = MappingProxyType({})


@dataclass(init=False, slots=True, unsafe_hash=True)
class Tick:
    """Nothing happened but time passed: fire every timer due at `now`."""


# --- agents ---------------------------------------------------------------------------


@dataclass(init=False, slots=True, unsafe_hash=True)
class AgentLoggedIn:
    """Agent logs in: available, or not ready with `reason` if given."""

    agent_id: Final[str]
    reason: Final[str | None]

    def __init__(self, agent_id: str, reason: str | None = None) -> None:
        self.agent_id = agent_id
        self.reason = reason


@dataclass(init=False, slots=True, unsafe_hash=True)
class AgentLoggedOut:
    """Agent (or supervisor `by`) logs out; with live work it takes effect when it ends."""

    agent_id: Final[str]
    by: Final[str | None]

    def __init__(self, agent_id: str, by: str | None = None) -> None:
        self.agent_id = agent_id
        self.by = by


@dataclass(init=False, slots=True, unsafe_hash=True)
class AgentReadied:
    """Agent becomes ready for offers (ends a pause)."""

    agent_id: Final[str]

    def __init__(self, agent_id: str) -> None:
        self.agent_id = agent_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class AgentPaused:
    """Agent (or supervisor `by`) goes not ready with a configured reason code."""

    agent_id: Final[str]
    reason: Final[str]
    by: Final[str | None]

    def __init__(self, agent_id: str, reason: str, by: str | None = None) -> None:
        self.agent_id = agent_id
        self.reason = reason
        self.by = by


@dataclass(init=False, slots=True, unsafe_hash=True)
class OfferAccepted:
    """The agent answered the offer: the interaction is connected to the agent."""

    interaction_id: Final[str]
    agent_id: Final[str]

    def __init__(self, interaction_id: str, agent_id: str) -> None:
        self.interaction_id = interaction_id
        self.agent_id = agent_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class OfferRejected:
    """The agent declined the offer (it counts as missed)."""

    interaction_id: Final[str]
    agent_id: Final[str]

    def __init__(self, interaction_id: str, agent_id: str) -> None:
        self.interaction_id = interaction_id
        self.agent_id = agent_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class WrapUpEnded:
    """The agent ends after-call work early (all of it, or one interaction's)."""

    agent_id: Final[str]
    interaction_id: Final[str | None]

    def __init__(self, agent_id: str, interaction_id: str | None = None) -> None:
        self.agent_id = agent_id
        self.interaction_id = interaction_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class WrapUpExtended:
    """The agent asks for `seconds` more after-call work on each interaction in wrap-up."""

    agent_id: Final[str]
    seconds: Final[float]

    def __init__(self, agent_id: str, seconds: float) -> None:
        self.agent_id = agent_id
        self.seconds = seconds


@dataclass(init=False, slots=True, unsafe_hash=True)
class DayStarted:
    """A new day: reset per-agent counters (handled today, talk time today)."""


@dataclass(init=False, slots=True, unsafe_hash=True)
class AgentEngaged:
    """The agent is on a call outside the queues (consulted by a colleague, added to a
    conference, placing a click-to-call): it takes one unit of `channel`, so no offer
    reaches the agent meanwhile, and shows as talking until `AgentReleased` with the same
    `ref` (the caller's key for that call). `interaction_id`: the interaction it is
    about, if any (consulted about it), recorded on the agent's state changes."""

    agent_id: Final[str]
    ref: Final[str]
    channel: Final[str]
    interaction_id: Final[str | None]

    def __init__(
        self,
        agent_id: str,
        ref: str,
        channel: str = "voice",
        interaction_id: str | None = None,
    ) -> None:
        self.agent_id = agent_id
        self.ref = ref
        self.channel = channel
        self.interaction_id = interaction_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class AgentReleased:
    """That call outside the queues (`AgentEngaged.ref`) is over."""

    agent_id: Final[str]
    ref: Final[str]

    def __init__(self, agent_id: str, ref: str) -> None:
        self.agent_id = agent_id
        self.ref = ref


# --- interactions ---------------------------------------------------------------------


@dataclass(init=False, slots=True, unsafe_hash=True)
class InteractionArrived:
    """A new interaction asks for an agent.

    `queue`, `priority` and `skills` may come from the caller (e.g. the IVR) or be left
    to the rules, which look at the other attributes. `arrived_at` keeps the original
    arrival (e.g. when the IVR ran first); it defaults to `now`.
    """

    interaction_id: Final[str]
    channel: Final[str]
    queue: Final[str | None]
    priority: Final[int | None]
    skills: Final[Requirement]
    ani: Final[str | None]
    dnis: Final[str | None]
    segment: Final[str | None]
    language: Final[str | None]
    site: Final[str | None]
    attributes: Final[Mapping[str, str]]
    arrived_at: Final[float | None]
    preferred_agent: Final[str | None]
    preferred_timeout: Final[float]
    campaign: Final[str | None]

    def __init__(
        self,
        interaction_id: str,
        channel: str = "voice",
        queue: str | None = None,
        priority: int | None = None,
        skills: Requirement = (),
        ani: str | None = None,
        dnis: str | None = None,
        segment: str | None = None,
        language: str | None = None,
        site: str | None = None,
        attributes: Mapping[str, str] = NO_ATTRIBUTES,
        arrived_at: float | None = None,
        preferred_agent: str | None = None,
        preferred_timeout: float = 0.0,
        campaign: str | None = None,
    ) -> None:
        self.interaction_id = interaction_id
        self.channel = channel
        self.queue = queue
        self.priority = priority
        self.skills = skills
        self.ani = ani
        self.dnis = dnis
        self.segment = segment
        self.language = language
        self.site = site
        self.attributes = attributes
        self.arrived_at = arrived_at
        self.preferred_agent = preferred_agent
        self.preferred_timeout = preferred_timeout
        self.campaign = campaign


@dataclass(init=False, slots=True, unsafe_hash=True)
class CallerHungUp:
    """The customer left: abandoned if waiting or ringing, ended if connected."""

    interaction_id: Final[str]

    def __init__(self, interaction_id: str) -> None:
        self.interaction_id = interaction_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class CallbackRequested:
    """The customer leaves the queue asking to be called back."""

    interaction_id: Final[str]

    def __init__(self, interaction_id: str) -> None:
        self.interaction_id = interaction_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class InteractionEnded:
    """The conversation ended (either side); the agent goes to wrap-up."""

    interaction_id: Final[str]

    def __init__(self, interaction_id: str) -> None:
        self.interaction_id = interaction_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class HoldStarted:
    interaction_id: Final[str]

    def __init__(self, interaction_id: str) -> None:
        self.interaction_id = interaction_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class HoldEnded:
    interaction_id: Final[str]

    def __init__(self, interaction_id: str) -> None:
        self.interaction_id = interaction_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class TransferRequested:
    """Move a waiting or connected interaction to a queue or to one agent.

    Exactly one of `queue` and `agent_id` is given. For an agent, `timeout` seconds
    (0 = no limit) bound the wait for that agent; then it waits in its queue again.
    """

    interaction_id: Final[str]
    queue: Final[str | None]
    agent_id: Final[str | None]
    priority: Final[int | None]
    skills: Final[Requirement | None]
    timeout: Final[float]

    def __init__(
        self,
        interaction_id: str,
        queue: str | None = None,
        agent_id: str | None = None,
        priority: int | None = None,
        skills: Requirement | None = None,
        timeout: float = 0.0,
    ) -> None:
        self.interaction_id = interaction_id
        self.queue = queue
        self.agent_id = agent_id
        self.priority = priority
        self.skills = skills
        self.timeout = timeout


@dataclass(init=False, slots=True, unsafe_hash=True)
class EscalationRequested:
    """Send the interaction to its queue's next tier (`QueueConfig.escalate_to`)."""

    interaction_id: Final[str]

    def __init__(self, interaction_id: str) -> None:
        self.interaction_id = interaction_id


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
