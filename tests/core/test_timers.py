"""The timers fire in `(deadline, order set)` order, exactly as one heap would, whatever
mix of in-order deadlines (lanes) and out-of-order ones (the heap) they were set with."""

from __future__ import annotations

import heapq

from hypothesis import given
from hypothesis import strategies as st

from centralita.core.timers import KINDS, NO_TIMER, RELAX, RING, WRAP_UP, Timers

# (kind, deadline offset from now, time advanced before setting it); offsets repeat
# (fixed delays: lanes), vary (the heap) and tie (the order set decides)
steps = st.lists(
    st.tuples(
        st.integers(0, KINDS - 1),
        st.sampled_from([0.0, 1.0, 5.0, 5.0, 20.0, 20.0, 7.5]),
        st.sampled_from([0.0, 0.0, 0.5, 1.0, 3.0]),
    ),
    max_size=80,
)
drops = st.lists(st.booleans(), max_size=80)


def check_heads(timers: Timers) -> None:
    """Each lane's and the heap's cached head is its first entry's `(at, seq)`."""
    for lane in timers.lanes:
        if lane.head < len(lane.entries):
            first = lane.entries[lane.head]
            assert (lane.head_at, lane.head_seq) == (first.at, first.seq)
        else:
            assert (lane.head_at, lane.head_seq) == (NO_TIMER, 0)
    if timers.heap:
        assert (timers.heap_at, timers.heap_seq) == timers.heap[0][:2]
    else:
        assert (timers.heap_at, timers.heap_seq) == (NO_TIMER, 0)


def drain(timers: Timers) -> list[tuple[float, int]]:
    fired = []
    while timers.first != NO_TIMER:
        first = timers.peek()
        at, seq = first.at, first.seq
        assert at == timers.first
        fired.append((at, seq))
        timers.drop()
        check_heads(timers)
    return fired


@given(steps, drops)
def test_given_any_deadlines_when_set_and_dropped_then_the_order_is_one_heaps(
    setting: list[tuple[int, float, float]], interleaved: list[bool]
) -> None:
    timers = Timers()
    heap: list[tuple[float, int]] = []
    now = 0.0
    fired: list[tuple[float, int]] = []
    expected: list[tuple[float, int]] = []
    for i, (kind, delay, advance) in enumerate(setting):
        now += advance
        timers.set(now + delay, kind, owner=None, token=0)
        heapq.heappush(heap, (now + delay, timers.seq))
        if i < len(interleaved) and interleaved[i] and heap:  # fire the earliest now
            expected.append(heapq.heappop(heap))
            fired.append((timers.peek().at, timers.peek().seq))
            timers.drop()
        check_heads(timers)
        assert len(timers) == len(heap)
    fired += drain(timers)
    expected += [heapq.heappop(heap) for _ in range(len(heap))]
    assert fired == expected


def test_given_ties_across_lanes_and_the_heap_then_the_entry_set_first_fires_first() -> None:
    timers = Timers()
    timers.set(10.0, RING, owner="a", token=0)  # seq 1, ring lane
    timers.set(10.0, WRAP_UP, owner="b", token=0)  # seq 2, wrap-up lane
    timers.set(12.0, RING, owner="c", token=0)  # seq 3, ring lane
    timers.set(5.0, RING, owner="d", token=0)  # seq 4, earlier than the lane's last: heap
    timers.set(10.0, RELAX, owner="e", token=0)  # seq 5, relax lane
    timers.set(10.0, RING, owner="f", token=0)  # seq 6, heap again
    timers.set(12.0, WRAP_UP, owner="g", token=0)  # seq 7
    fired = []
    while timers.first != NO_TIMER:
        fired.append(timers.peek().owner)
        timers.drop()
        check_heads(timers)
    assert fired == ["d", "a", "b", "e", "f", "c", "g"]
    timers.set(1.0, WRAP_UP, owner="h", token=0)  # emptied lanes take entries again
    timers.set(0.5, RING, owner="i", token=0)
    assert timers.peek().owner == "i"
    timers.drop()
    assert timers.peek().owner == "h"
    timers.drop()
    assert timers.first == NO_TIMER


def test_a_lane_keeps_no_more_consumed_entries_than_live_ones() -> None:
    timers = Timers()
    lane = timers.lanes[0]
    for i in range(3000):
        timers.set(float(i), 0, owner=None, token=0)
        if i % 3:
            timers.drop()
        assert lane.head <= max(256, len(lane.entries) - lane.head)
        check_heads(timers)
    assert len(timers) == 1000
    assert drain(timers) == [(float(i), i + 1) for i in range(2000, 3000)]
    assert lane.entries == []


def test_a_dropped_timer_is_reused_and_lets_go_of_its_owner() -> None:
    """Setting a timer allocates nothing once timers have been dropped (`Timers.spare`),
    and a dropped timer keeps no owner alive."""
    timers = Timers()
    owner = object()
    timers.set(1.0, RING, owner=owner, token=7, extra=2.5)
    first = timers.peek()
    timers.drop()
    assert first.owner is None and first.extra is None  # (read fields before `drop`)
    timers.set(3.0, WRAP_UP, owner="later", token=8)
    again = timers.peek()
    assert again is first  # the same object, now carrying the later deadline
    assert (again.at, again.kind, again.owner, again.token) == (3.0, WRAP_UP, "later", 8)
    timers.set(2.0, WRAP_UP, owner="earlier", token=9)  # before the lane's last: the heap
    assert timers.peek().owner == "earlier"
    timers.drop()
    assert timers.peek() is first
    timers.drop()
    assert timers.first == NO_TIMER and len(timers.spare) == 2
