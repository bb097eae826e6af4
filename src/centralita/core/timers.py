"""Timers as core state: deadlines in ordered lanes, cancelled lazily by tokens.

Each entry carries the token its owner had when it was set; the owner bumps its token to
cancel, and the router ignores entries whose token no longer matches.

Entries (`Timer`: at, seq, kind, owner, token, extra) fire in `(at, seq)` order. Most are set a
fixed delay ahead (a queue's ring timeout, wrap-up, relaxation step), so the deadlines of
one kind mostly come in order: each kind has a lane, a FIFO that takes an entry whose
deadline is not earlier than its last one; any other entry goes to a heap. Every lane
and the heap are sorted by `(at, seq)` (seq only grows), so the earliest entry is the
least of their heads: the order of one heap, without a heap operation (a dozen tuple
comparisons on a heap of a thousand entries) for most timers.

A `Timer` is a native object reused once dropped (`Timers.spare`): setting a timer
allocates nothing (no tuple, no boxed deadline, seq or token), and a timer dropped long
after it was set is not freed then (freeing an old object reads and writes cold memory:
its allocator pool and its neighbours in the garbage collector's list).
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


class Timer:
    """One deadline. `owner`: an Agent, a Leg or an Interaction (see the kinds), live
    while its token is `token`; `extra`: the limit in seconds (PAUSE_LIMIT), else None.
    Readers bind owner and extra to typed locals (`agent: Agent = owner`): compiled,
    that is one type check, then native reads. Read what you need before
    `Timers.drop`: the object is then reused for a later deadline."""

    __slots__ = ("at", "extra", "kind", "owner", "seq", "token")

    def __init__(self) -> None:
        self.at = 0.0
        self.seq = 0
        self.kind = 0
        self.owner: Any = None
        self.token = 0
        self.extra: Any = None


HEAP: Final = -1  # `Timers.where` of an entry in the heap
NO_TIMER: Final = float("inf")  # `Timers.first` when no timer is set
_TRIM: Final = 256  # a lane drops consumed entries once this many are behind its head


class Lane:
    """Entries of one kind in `(at, seq)` order, consumed from `head` (a FIFO).

    `head_at` and `head_seq` repeat the `(at, seq)` of `entries[head]` (inf and 0 when
    empty) as native attributes: finding the earliest head compares them, compiled, with
    no tuple to index and no boxed float."""

    __slots__ = ("entries", "head", "head_at", "head_seq", "kind", "last")

    def __init__(self, kind: int) -> None:
        self.entries: list[Timer] = []
        self.head = 0
        self.kind = kind
        self.head_at = NO_TIMER
        self.head_seq = 0
        self.last = -NO_TIMER  # the latest deadline in the lane


class Timers:
    """The deadlines: `first` is the earliest (inf: none) and `where` holds it (a kind's
    lane, or `HEAP`); `peek` returns that entry and `drop` removes it. `heap_at` and
    `heap_seq` are the heap's head like a lane's `head_at` and `head_seq`."""

    __slots__ = ("first", "heap", "heap_at", "heap_seq", "lanes", "seq", "spare", "used", "where")

    def __init__(self) -> None:
        # timers set earlier than their lane's last, as (at, seq, timer): seq is unique,
        # so the heap's comparisons never reach the timer
        self.heap: list[tuple[float, int, Timer]] = []
        self.heap_at = NO_TIMER
        self.heap_seq = 0
        self.lanes = [Lane(kind) for kind in range(KINDS)]
        self.used: list[Lane] = []  # the lanes that ever held an entry
        self.first = NO_TIMER
        self.where = HEAP
        self.seq = 0
        self.spare: list[Timer] = []  # dropped timers, reused by `set`

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
        seq = self.seq
        spare = self.spare
        timer = spare.pop() if spare else Timer()
        timer.at = at
        timer.seq = seq
        timer.kind = kind
        timer.owner = owner
        timer.token = token
        timer.extra = extra
        lane = self.lanes[kind]
        if at >= lane.last:
            entries = lane.entries
            if not entries:
                if lane not in self.used:
                    self.used.append(lane)
                lane.head_at = at
                lane.head_seq = seq
            entries.append(timer)
            lane.last = at
            where = kind
        else:
            heappush(self.heap, (at, seq, timer))
            if at < self.heap_at:  # at a tie the older entry stays the head
                self.heap_at = at
                self.heap_seq = seq
            where = HEAP
        if at < self.first:  # at a tie the entry set first stays first
            self.first = at
            self.where = where

    def peek(self) -> Timer:
        """The earliest timer (only while `first` is finite)."""
        if self.where == HEAP:
            return self.heap[0][2]
        lane = self.lanes[self.where]
        return lane.entries[lane.head]

    def drop(self) -> None:
        """Remove the earliest timer (fired, or found stale); it is reused later."""
        if self.where == HEAP:
            heap = self.heap
            timer = heappop(heap)[2]
            if heap:
                top = heap[0]
                self.heap_at = top[0]
                self.heap_seq = top[1]
            else:
                self.heap_at = NO_TIMER
                self.heap_seq = 0
        else:
            lane = self.lanes[self.where]
            entries = lane.entries
            timer = entries[lane.head]
            head = lane.head + 1
            if head == len(entries):
                entries.clear()
                head = 0
                lane.last = -NO_TIMER
                lane.head_at = NO_TIMER
                lane.head_seq = 0
            else:
                if head >= _TRIM and 2 * head >= len(entries):
                    del entries[:head]
                    head = 0
                entry = entries[head]
                lane.head_at = entry.at
                lane.head_seq = entry.seq
            lane.head = head
        timer.owner = None  # (kept alive by no timer)
        timer.extra = None
        self.spare.append(timer)
        # the least of the heads (an empty one is inf, and loses every tie by its seq 0)
        first = self.heap_at
        first_seq = self.heap_seq
        where = HEAP
        for lane in self.used:
            at = lane.head_at
            if at < first or (at == first and lane.head_seq < first_seq):
                first = at
                first_seq = lane.head_seq
                where = lane.kind
        self.first = first
        self.where = where
