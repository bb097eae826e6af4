"""Small helpers for the routing core tests (no mocks: the real Router)."""

from __future__ import annotations

from random import Random
from typing import Any, TypeVar

from centralita.core import AgentConfig, PauseReason, QueueConfig, Router
from centralita.core.commands import OfferToAgent
from centralita.core.events import AgentLoggedIn, InteractionArrived, OfferAccepted
from centralita.core.state import Output

T = TypeVar("T")

PAUSES = (
    PauseReason("break", 600.0),
    PauseReason("lunch", 3600.0),
    PauseReason("training"),
    PauseReason("missed"),
)


def router(
    queues: list[QueueConfig],
    agents: list[AgentConfig],
    seed: int = 7,
    **kwargs: Any,
) -> Router:
    kwargs.setdefault("pause_reasons", PAUSES)
    return Router(queues=queues, agents=agents, rng=Random(seed), **kwargs)


def simple(*agent_ids: str, **queue_options: Any) -> Router:
    """One queue "q" whose members are `agent_ids` (in order), all logged in at t=0."""
    r = router(
        [QueueConfig("q", members=agent_ids, **queue_options)],
        [AgentConfig(a) for a in agent_ids],
    )
    for a in agent_ids:
        r.handle(AgentLoggedIn(a), 0.0)
    return r


def of(kind: type[T], outputs: list[Output]) -> list[T]:
    return [o for o in outputs if isinstance(o, kind)]


def offers(outputs: list[Output]) -> list[tuple[str, str]]:
    """(interaction, agent) of every OfferToAgent in `outputs`."""
    return [(o.interaction_id, o.agent_id) for o in of(OfferToAgent, outputs)]


def arrive(r: Router, iid: str, now: float, **fields: Any) -> list[Output]:
    fields.setdefault("queue", "q")
    return r.handle(InteractionArrived(iid, **fields), now)


def answer(r: Router, iid: str, now: float) -> str:
    """Accept the ringing offer of `iid`; returns the agent."""
    agent = r.interaction_snapshot(iid).offered_to[0]
    r.handle(OfferAccepted(iid, agent), now)
    return agent
