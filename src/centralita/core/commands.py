"""Commands the router returns for an adapter to carry out (imperative names).

Values like the records (see `centralita.core.immutable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(init=False, slots=True, unsafe_hash=True)
class OfferToAgent:
    """Ring (or pop) `interaction_id` on `agent_id`'s desk for `ring_timeout` seconds."""

    interaction_id: Final[str]
    agent_id: Final[str]
    queue_id: Final[str]
    ring_timeout: Final[float]

    def __init__(
        self, interaction_id: str, agent_id: str, queue_id: str, ring_timeout: float
    ) -> None:
        self.interaction_id = interaction_id
        self.agent_id = agent_id
        self.queue_id = queue_id
        self.ring_timeout = ring_timeout


@dataclass(init=False, slots=True, unsafe_hash=True)
class CancelOffer:
    """Stop ringing `interaction_id` on `agent_id` (timeout, hang-up, answered elsewhere)."""

    interaction_id: Final[str]
    agent_id: Final[str]

    def __init__(self, interaction_id: str, agent_id: str) -> None:
        self.interaction_id = interaction_id
        self.agent_id = agent_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class ConnectToAgent:
    """Bridge the customer with the agent who accepted."""

    interaction_id: Final[str]
    agent_id: Final[str]

    def __init__(self, interaction_id: str, agent_id: str) -> None:
        self.interaction_id = interaction_id
        self.agent_id = agent_id


@dataclass(init=False, slots=True, unsafe_hash=True)
class RejectInteraction:
    """Refuse the interaction (play busy / closed message and hang up)."""

    interaction_id: Final[str]
    reason: Final[str]

    def __init__(self, interaction_id: str, reason: str) -> None:
        self.interaction_id = interaction_id
        self.reason = reason


@dataclass(init=False, slots=True, unsafe_hash=True)
class OverflowTo:
    """Send the interaction out of the router to `destination` (voicemail, a number…)."""

    interaction_id: Final[str]
    destination: Final[str]

    def __init__(self, interaction_id: str, destination: str) -> None:
        self.interaction_id = interaction_id
        self.destination = destination


Command = OfferToAgent | CancelOffer | ConnectToAgent | RejectInteraction | OverflowTo
