"""Event streams for report tests: the real routing core, journaled as the live center
journals it (`record_payload`), with a clock the test sets."""

from __future__ import annotations

from random import Random
from typing import Any

from centralita.app.journal import is_record, record_payload
from centralita.core import AgentConfig, PauseReason, QueueConfig, Router
from centralita.core.events import Tick
from centralita.reports.projector import Projector

#: a slot boundary (divisible by 900): 2026-03-01 23:00 UTC
T0 = 1_772_406_000.0
TENANT = 1

Event = tuple[str, float, int, str | None, int | None, dict[str, Any]]


class Center:
    """A router whose records become stored-event tuples (kind, at, tenant, ...)."""

    def __init__(self, queues: list[QueueConfig], agents: list[str], seed: int = 3) -> None:
        self.router = Router(
            queues=queues,
            agents=[AgentConfig(a) for a in agents],
            pause_reasons=(PauseReason("break"), PauseReason("missed")),
            rng=Random(seed),
        )
        self.events: list[Event] = []
        self.now = T0

    def at(self, offset: float, event: Any) -> list[Any]:
        """Advance to T0 + offset (firing due timers on the way), then handle `event`."""
        self.tick(offset)
        return self._handle(event)

    def tick(self, offset: float) -> None:
        when = T0 + offset
        while (deadline := self.router.next_deadline()) is not None and deadline <= when:
            self.now = deadline
            self._handle(Tick())
        self.now = when

    def _handle(self, event: Any) -> list[Any]:
        outputs = self.router.handle(event, self.now)
        for o in outputs:
            if is_record(o):
                s = record_payload(o)
                self.events.append(
                    (s.kind, s.at.timestamp(), TENANT, s.interaction_id, s.agent_id, s.payload)
                )
        return outputs


def project(events: list[Event], thresholds: dict[int, float] | None = None) -> Projector:
    p = Projector(thresholds or {})
    for e in events:
        p.apply(*e)
    return p


def queue_config(qid: str, members: tuple[str, ...], **options: Any) -> QueueConfig:
    return QueueConfig(qid, members=members, **options)
