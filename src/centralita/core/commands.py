"""Commands the router returns for an adapter to carry out (imperative names)."""

from __future__ import annotations

from centralita.core.immutable import immutable


@immutable
class OfferToAgent:
    """Ring (or pop) `interaction_id` on `agent_id`'s desk for `ring_timeout` seconds."""

    interaction_id: str
    agent_id: str
    queue_id: str
    ring_timeout: float


@immutable
class CancelOffer:
    """Stop ringing `interaction_id` on `agent_id` (timeout, hang-up, answered elsewhere)."""

    interaction_id: str
    agent_id: str


@immutable
class ConnectToAgent:
    """Bridge the customer with the agent who accepted."""

    interaction_id: str
    agent_id: str


@immutable
class RejectInteraction:
    """Refuse the interaction (play busy / closed message and hang up)."""

    interaction_id: str
    reason: str


@immutable
class OverflowTo:
    """Send the interaction out of the router to `destination` (voicemail, a number…)."""

    interaction_id: str
    destination: str


Command = OfferToAgent | CancelOffer | ConnectToAgent | RejectInteraction | OverflowTo
