"""Timers as core state: deadlines in ordered lanes, cancelled lazily by tokens.

Each entry carries the token its owner had when it was set; the owner bumps its token to
cancel, and the router ignores entries whose token no longer matches.

Entries `(at, seq, kind, owner, token, extra)` fire in `(at, seq)` order. Most are set a
fixed delay ahead (a queue's ring timeout, wrap-up, relaxation step), so the deadlines of
one kind mostly come in order: each kind has a lane, a FIFO that takes an entry whose
deadline is not earlier than its last one; any other entry goes to a heap. Every lane
and the heap are sorted by `(at, seq)` (seq only grows), so the earliest entry is the
least of their heads: the order of one heap, without a heap operation (a dozen tuple
comparisons on a heap of a thousand entries) for most timers.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any, Final

RING: Final = 0  # offer not answered in time          (owner: interaction.offer_token)
MAX_WAIT: Final = 1  # waited too long in the queue    (owner: interaction.visit)
RELAX: Final = 2  # next skill relaxation step         (owner: interaction.visit)
PREFERRED: Final = 3  # stop waiting for one agent      (owner: interaction.target_token)
WRAP_UP: Final = 4  # after-call work over             (owner: the agent's Leg)
PAUSE_LIMIT: Final = 5  # pause longer than its reason allows (owner: agent.pause_token)
KINDS: Final = 6

# owner: an Agent or an Interaction (see the kinds); extra: the interaction id (WRAP_UP),
# the limit in seconds (PAUSE_LIMIT), else None. Readers bind owner and extra to typed
# locals (`agent: Agent = owner`): compiled, that is one type check, then native reads.
Entry = tuple[float, int, int, Any, int, Any]

HEAP: Final = -1  # `Timers.where` of an entry in the heap
NO_TIMER: Final = float("inf")  # `Timers.first` when no timer is set
_TRIM: Final = 256  # a lane drops consumed entries once this many are behind its head


class Lane:
    """Entries of one kind in `(at, seq)` order, consumed from `head` (a FIFO)."""

    __slots__ = ("entries", "head", "last")

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.head = 0
        self.last = -NO_TIMER  # the latest deadline in the lane


class Timers:
    """The deadlines: `first` is the earliest (inf: none) and `where` holds it (a kind's
    lane, or `HEAP`); `peek` returns that entry and `drop` removes it."""

    __slots__ = ("first", "heap", "lanes", "seq", "used", "where")

    def __init__(self) -> None:
        self.heap: list[Entry] = []  # entries set earlier than their lane's last
        self.lanes = [Lane() for _ in range(KINDS)]
        self.used: list[Lane] = []  # the lanes that ever held an entry
        self.first = NO_TIMER
        self.where = HEAP
        self.seq = 0

    def __len__(self) -> int:
        return len(self.heap) + sum(len(lane.entries) - lane.head for lane in self.used)

    def set(
        self,
        at: float,
        kind: int,
        owner: Any,
        token: int,
        extra: Any = None,
    ) -> None:
        self.seq += 1
        lane = self.lanes[kind]
        if at >= lane.last:
            if not lane.entries and lane not in self.used:
                self.used.append(lane)
            lane.entries.append((at, self.seq, kind, owner, token, extra))
            lane.last = at
            where = kind
        else:
            heappush(self.heap, (at, self.seq, kind, owner, token, extra))
            where = HEAP
        if at < self.first:  # at a tie the entry set first stays first
            self.first = at
            self.where = where

    def peek(self) -> Entry:
        """The earliest entry (only while `first` is finite)."""
        if self.where == HEAP:
            return self.heap[0]
        lane = self.lanes[self.where]
        return lane.entries[lane.head]

    def drop(self) -> None:
        """Remove the earliest entry (fired, or found stale)."""
        heap = self.heap
        if self.where == HEAP:
            heappop(heap)
        else:
            lane = self.lanes[self.where]
            lane.head += 1
            if lane.head == len(lane.entries):
                lane.entries.clear()
                lane.head = 0
                lane.last = -NO_TIMER
            elif lane.head >= _TRIM and 2 * lane.head >= len(lane.entries):
                del lane.entries[: lane.head]
                lane.head = 0
        first = NO_TIMER
        first_seq = 0
        where = HEAP
        if heap:
            first, first_seq = heap[0][0], heap[0][1]
        for lane in self.used:
            entries = lane.entries
            if entries:  # (a lane is cleared once consumed: its head is an entry)
                entry = entries[lane.head]
                at = entry[0]
                if at < first or (at == first and entry[1] < first_seq):
                    first, first_seq, where = at, entry[1], entry[2]
        self.first = first
        self.where = where
