"""Handing a call from the IVR to the router: `Enqueue` → `InteractionArrived`."""

from __future__ import annotations

from types import MappingProxyType

from centralita.core.events import InteractionArrived
from centralita.core.ivr.commands import Enqueue


def arrival(
    enqueue: Enqueue,
    interaction_id: str,
    *,
    ani: str | None = None,
    dnis: str | None = None,
    arrived_at: float | None = None,
    site: str | None = None,
) -> InteractionArrived:
    """The router's event for a call the IVR queued; `arrived_at` is when the call came
    in (before the IVR), so waits and service levels count from the queue entry while
    the interaction keeps its first arrival."""
    return InteractionArrived(
        interaction_id,
        channel="voice",
        queue=enqueue.queue,
        priority=enqueue.priority,
        skills=enqueue.skills,
        ani=ani,
        dnis=dnis,
        segment=enqueue.segment,
        language=enqueue.language,
        site=site,
        attributes=MappingProxyType(dict(enqueue.attributes)),
        arrived_at=arrived_at,
    )
