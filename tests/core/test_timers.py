"""The timers fire in `(deadline, order set)` order, exactly as one heap would, whatever
mix of in-order deadlines (lanes) and out-of-order ones (the heap) they were set with."""

from __future__ import annotations

import heapq

from hypothesis import given
from hypothesis import strategies as st

from centralita.core.timers import KINDS, NO_TIMER, Timers

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


def drain(timers: Timers) -> list[tuple[float, int]]:
    fired = []
    while timers.first != NO_TIMER:
        at, seq, *_ = timers.peek()
        assert at == timers.first
        fired.append((at, seq))
        timers.drop()
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
            fired.append(timers.peek()[:2])
            timers.drop()
        assert len(timers) == len(heap)
    fired += drain(timers)
    expected += [heapq.heappop(heap) for _ in range(len(heap))]
    assert fired == expected


def test_a_lane_keeps_no_more_consumed_entries_than_live_ones() -> None:
    timers = Timers()
    lane = timers.lanes[0]
    for i in range(3000):
        timers.set(float(i), 0, owner=None, token=0)
        if i % 3:
            timers.drop()
        assert lane.head <= max(256, len(lane.entries) - lane.head)
    assert len(timers) == 1000
    assert drain(timers) == [(float(i), i + 1) for i in range(2000, 3000)]
    assert lane.entries == []
