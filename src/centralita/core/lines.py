"""A pool's two indexes, each kept in key order by a FIFO lane plus a heap.

Most entries come in key order: interactions enter a queue (or reach a relaxation
step) in the order they arrived, and under longest idle an agent's key is the moment it
became free. An entry not earlier than the lane's last goes to the end of the lane; any
other goes to a heap. The least entry is the lesser of the lane's head and the heap's
top: the order of one heap, without a heap operation (a dozen tuple comparisons) for
most entries. Deletion stays lazy (stale entries are skipped where they surface).

* `WaitingLine`: interactions by `(rank, seq)` with the token they were pushed with,
  stale once the interaction's token moved on;
* `FreeAgents`: `(key1, key2, uid, slot, epoch)`, stale once the slot's epoch moved on;
  `uid` only grows, so an entry is in order when its `(key1, key2)` is not below the
  lane's last.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING, Final, cast

if TYPE_CHECKING:
    from centralita.core.agents import Slot
    from centralita.core.interactions import Interaction

WaitEntry = tuple[float, int, int, "Interaction"]
AgentEntry = tuple[object, float, int, "Slot", int]

_TRIM: Final = 256  # a lane drops consumed entries once this many are behind its head
_NONE: Final = float("-inf")
#: `WaitingLine.first_rank` of a line holding no entry.
EMPTY: Final = float("inf")

#: The first key of an entry whose key1 is 0.0 (every idle agent under longest idle),
#: shared: the heap's tuple comparisons find it equal by identity.
_ZERO: Final[object] = float(0)


class WaitingLine:
    """Interactions waiting in one pool, first by `(rank, seq)`.

    The lane holds interactions and, beside them, the token each had when pushed
    (two lists: the frequent path reads no tuple); a live interaction's `rank` and
    `seq` are those it was pushed with (both change only on entering a queue, which
    makes earlier entries stale).

    `first_rank` and `first_seq` bound the first live interaction from below: no live
    one comes before them (`EMPTY`: none held). `top` and `pop` make them exact; an
    entry going stale meanwhile can only make the true first come later. Choosing
    among pools compares these native fields and looks into one pool's lists and
    interaction only (`Matching._best_waiting`), not into every pool's."""

    __slots__ = (
        "first_rank",
        "first_seq",
        "from_lane",
        "head",
        "heap",
        "lane",
        "last_rank",
        "last_seq",
        "tokens",
    )

    def __init__(self) -> None:
        # (None: given out by `pop`, or found stale)
        self.lane: list[Interaction | None] = []
        self.tokens: list[int] = []
        self.head = 0
        self.heap: list[WaitEntry] = []
        self.last_rank = _NONE
        self.last_seq = 0
        self.from_lane = False  # where the interaction `top` returned last lies
        self.first_rank = EMPTY
        self.first_seq = 0

    def __len__(self) -> int:
        """Entries held, stale ones included."""
        return len(self.lane) - self.head + len(self.heap)

    def push(self, inter: Interaction) -> None:
        """Add `inter` under its current rank, seq and token."""
        rank = inter.rank
        seq = inter.seq
        if rank > self.last_rank or (rank == self.last_rank and seq > self.last_seq):
            self.lane.append(inter)
            self.tokens.append(inter.token)
            self.last_rank = rank
            self.last_seq = seq
        else:
            heappush(self.heap, (rank, seq, inter.token, inter))
        if rank < self.first_rank or (rank == self.first_rank and seq < self.first_seq):
            self.first_rank = rank
            self.first_seq = seq

    def top(self) -> Interaction | None:
        """The first live interaction (stale entries in front are dropped), or None;
        `pop` then takes it. `first_rank` and `first_seq` become its own."""
        first = self._first()
        if first is None:
            self.first_rank = EMPTY
            self.first_seq = 0
        else:
            self.first_rank = first.rank
            self.first_seq = first.seq
        return first

    def _first(self) -> Interaction | None:
        lane = self.lane
        tokens = self.tokens
        head = self.head
        end = len(lane)
        first: Interaction | None = None
        while head < end:
            first = lane[head]
            if first is not None and first.token == tokens[head]:
                break
            lane[head] = None  # (let go of it now, while it is in the cache: `pop`)
            head += 1
        if head == end:
            first = None
            if end:
                lane.clear()
                tokens.clear()
                self.last_rank = _NONE
            head = 0
        elif head >= _TRIM and 2 * head >= end:
            del lane[:head]
            del tokens[:head]
            head = 0
        self.head = head
        heap = self.heap
        while heap:
            entry = heap[0]
            if entry[3].token == entry[2]:
                break
            heappop(heap)
        else:
            self.from_lane = first is not None
            return first
        if first is None:
            self.from_lane = False
            return entry[3]
        if first.rank < entry[0] or (first.rank == entry[0] and first.seq < entry[1]):
            self.from_lane = True
            return first
        self.from_lane = False
        return entry[3]

    def pop(self) -> Interaction:
        """Take the interaction `top` returned last (nothing changed in between); the
        next one's key becomes `first_rank` and `first_seq`."""
        if self.from_lane:
            lane = self.lane
            head = self.head
            inter = lane[head]
            assert inter is not None
            # the lane lets go of what it has given out: an interaction that ends is
            # then freed when it ends (its memory in the cache), not at the lane's next
            # clearing or trimming, long after, with a cold miss for each
            lane[head] = None
            self.head = head + 1
        else:
            inter = heappop(self.heap)[3]
        self.top()
        return inter

    def compact(self) -> None:
        """Drop every stale entry (the order of the rest stays)."""
        lane = self.lane[self.head :]
        tokens = self.tokens[self.head :]
        kept: list[Interaction | None] = []
        kept_tokens: list[int] = []
        for i, inter in enumerate(lane):
            if inter is not None and inter.token == tokens[i]:
                kept.append(inter)
                kept_tokens.append(tokens[i])
        self.lane = kept
        self.tokens = kept_tokens
        self.head = 0
        if not self.lane:
            self.last_rank = _NONE
        live = [e for e in self.heap if e[3].token == e[2]]
        heapify(live)
        self.heap = live
        self.top()


class FreeAgents:
    """Free members of one pool, first by `(key1, key2)`, then as pushed."""

    __slots__ = ("head", "heap", "lane", "last1", "last2")

    def __init__(self) -> None:
        self.lane: list[AgentEntry | None] = []  # (None: taken, or found stale)
        self.head = 0
        self.heap: list[AgentEntry] = []
        self.last1 = _NONE
        self.last2 = _NONE

    def __len__(self) -> int:
        """Entries held, stale ones included."""
        return len(self.lane) - self.head + len(self.heap)

    def push(self, key1: float, key2: float, uid: int, slot: Slot, epoch: int) -> None:
        lead: object = _ZERO if key1 == 0.0 else key1
        if key1 > self.last1 or (key1 == self.last1 and key2 >= self.last2):
            self.lane.append((lead, key2, uid, slot, epoch))
            self.last1 = key1
            self.last2 = key2
        else:
            heappush(self.heap, (lead, key2, uid, slot, epoch))

    def take(self) -> Slot | None:
        """Take the first live entry (stale ones in front are dropped); None: none."""
        lane = self.lane
        head = self.head
        end = len(lane)
        while head < end:
            item = lane[head]
            if item is not None:
                entry = item
                if entry[3].epoch == entry[4]:
                    break
            lane[head] = None  # (let go of it now, while it is in the cache)
            head += 1
        heap = self.heap
        while heap:
            top = heap[0]
            if top[3].epoch == top[4]:
                break
            heappop(heap)
        if head < end:
            if heap:
                k1 = cast(float, entry[0])  # (unboxed: compared natively)
                t1 = cast(float, top[0])
                if t1 < k1 or (
                    t1 == k1 and (top[1] < entry[1] or (top[1] == entry[1] and top[2] < entry[2]))
                ):
                    self.head = head
                    heappop(heap)
                    return top[3]
            slot: Slot | None = entry[3]
            lane[head] = None  # (given out: freed now, not at the next clearing)
            head += 1
        elif heap:
            heappop(heap)
            return top[3]
        else:
            slot = None
        if head == end:
            if end:
                lane.clear()
                self.last1 = _NONE
                self.last2 = _NONE
            head = 0
        elif head >= _TRIM and 2 * head >= end:
            del lane[:head]
            head = 0
        self.head = head
        return slot

    def compact(self) -> None:
        """Drop every stale entry (the order of the rest stays)."""
        self.lane = [e for e in self.lane[self.head :] if e is not None and e[3].epoch == e[4]]
        self.head = 0
        if not self.lane:
            self.last1 = _NONE
            self.last2 = _NONE
        live = [e for e in self.heap if e[3].epoch == e[4]]
        heapify(live)
        self.heap = live
