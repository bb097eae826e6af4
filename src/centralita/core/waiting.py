"""Expected wait: how long a caller at a place in a queue is told it will wait.

    expected wait = position × average handle time ÷ agents staffed

* **position**: 1 + the interactions ahead of the caller in the same queue;
* **agents staffed**: the queue's members logged in and not paused — available, ringing,
  talking, on hold or in wrap-up (`staffed`). Each frees up once per handle time on
  average, so together they take the next caller every AHT ÷ N seconds, and the caller
  at position p is taken after p of those turns;
* **average handle time** (AHT): the mean talk time (answer to the end of the
  conversation, hold included; a transfer ends the first agent's part) of the last
  `RECENT` calls answered in the queue, plus the queue's wrap-up seconds (`RecentHandling`).

No estimate (None) without an agent staffed or a call handled in the queue yet. A
caller hears it in whole minutes rounded up (`announced_minutes`), 0 meaning "less than
a minute". Pure: fed with the router's records, no clock.
"""

from __future__ import annotations

import math
from collections import deque

from centralita.core.outcomes import AgentState, Outcome
from centralita.core.records import InteractionAnswered, InteractionClosed, InteractionTransferred
from centralita.core.snapshots import QueueSnapshot

#: How many of a queue's latest handled calls the average covers.
RECENT = 20
_STAFFED = (
    AgentState.AVAILABLE,
    AgentState.RESERVED,
    AgentState.TALKING,
    AgentState.ON_HOLD,
    AgentState.WRAP_UP,
)


class RecentHandling:
    """Talk times of the last `keep` calls answered in each queue, from the router's
    records (`add` takes any record and keeps only what it needs)."""

    def __init__(self, keep: int = RECENT) -> None:
        self.keep = keep
        self._talks: dict[str, deque[float]] = {}
        self._talking: dict[str, tuple[str, float]] = {}  # interaction → (queue, answered at)

    def add(self, record: object) -> None:
        if isinstance(record, InteractionAnswered):
            self._talking[record.interaction_id] = (record.queue_id, record.at)
        elif isinstance(record, InteractionTransferred) and record.from_agent is not None:
            self._ended(record.interaction_id, record.at)
        elif isinstance(record, InteractionClosed):
            if record.outcome is Outcome.ANSWERED:
                self._ended(record.interaction_id, record.at)
            else:
                self._talking.pop(record.interaction_id, None)

    def _ended(self, interaction_id: str, at: float) -> None:
        found = self._talking.pop(interaction_id, None)
        if found is not None:
            queue, answered_at = found
            talks = self._talks.setdefault(queue, deque(maxlen=self.keep))
            talks.append(max(0.0, at - answered_at))

    def average_handle(self, queue_id: str, wrap_up: float) -> float | None:
        """Mean recent talk time in `queue_id` plus its `wrap_up`; None before any call."""
        talks = self._talks.get(queue_id)
        if not talks:
            return None
        return sum(talks) / len(talks) + wrap_up


def staffed(snapshot: QueueSnapshot) -> int:
    """The queue's members logged in and not paused."""
    return sum(snapshot.agents[state] for state in _STAFFED)


def expected_wait(position: int, agents: int, average_handle: float | None) -> float | None:
    """Seconds the caller at `position` should expect to wait with `agents` staffed."""
    if position < 1 or agents < 1 or average_handle is None:
        return None
    return position * average_handle / agents


def announced_minutes(seconds: float) -> int:
    """Whole minutes to announce, rounded up; 0 for less than a minute."""
    return 0 if seconds < 60 else math.ceil(seconds / 60)
