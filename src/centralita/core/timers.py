"""Timers as core state: one heap of deadlines, cancelled lazily by tokens.

Each entry carries the token its owner had when it was set; the owner bumps its token to
cancel, and the router ignores entries whose token no longer matches.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any, Final

RING: Final = 0  # offer not answered in time               (owner: interaction.offer_token)
MAX_WAIT: Final = 1  # waited too long in the queue        (owner: interaction.visit)
RELAX: Final = 2  # next skill relaxation step              (owner: interaction.visit)
PREFERRED: Final = 3  # stop waiting for one agent           (owner: interaction.target_token)
WRAP_UP: Final = 4  # after-call work over                  (owner: agent.wrap_tokens[iid])
PAUSE_LIMIT: Final = 5  # pause longer than its reason allows (owner: agent.pause_token)

Entry = tuple[float, int, int, Any, int, Any]


class Timers:
    """Deadlines as `(at, seq, kind, owner, token, extra)` in a heap."""

    __slots__ = ("heap", "seq")

    def __init__(self) -> None:
        self.heap: list[Entry] = []
        self.seq = 0

    def set(self, at: float, kind: int, owner: Any, token: int, extra: Any = None) -> None:
        self.seq += 1
        heappush(self.heap, (at, self.seq, kind, owner, token, extra))

    def drop(self) -> None:
        """Remove the earliest entry (the router found it stale)."""
        heappop(self.heap)
