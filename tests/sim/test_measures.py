"""KPIs from router records, on hand-made records whose figures are worked out below."""

from __future__ import annotations

import pytest

from centralita.core.outcomes import AgentState, Outcome
from centralita.core.records import (
    AgentStateChanged,
    InteractionAnswered,
    InteractionClosed,
    InteractionOffered,
    InteractionQueued,
    InteractionTransferred,
    Record,
)
from centralita.sim.measures import measure

A = AgentState


def call(
    iid: str,
    queued: float,
    outcome: Outcome,
    left: float,
    offered: float | None = None,
    queue: str = "q",
) -> list[Record]:
    """Records of one call: queued, maybe offered, then answered (and ended) or not."""
    records: list[Record] = [InteractionQueued(queued, iid, queue, 5, (), queued)]
    if offered is not None:
        records.append(InteractionOffered(offered, iid, "ana", queue))
    if outcome is Outcome.ANSWERED:
        records.append(InteractionAnswered(left, iid, "ana", queue, left - queued))
        records.append(InteractionClosed(left + 100, iid, outcome, queue, queued, left - queued))
    else:
        records.append(InteractionClosed(left, iid, outcome, queue, queued, left - queued))
    return records


def day() -> list[Record]:
    return [
        # answered at once (did not wait), within T
        *call("c1", 10, Outcome.ANSWERED, 10, offered=10),
        # waited 30 s (over T = 20 s), answered
        *call("c2", 20, Outcome.ANSWERED, 50, offered=45),
        # hung up after 3 s: short abandon (never offered: it waited)
        *call("c3", 30, Outcome.SHORT_ABANDONED, 33),
        # hung up after 60 s
        *call("c4", 40, Outcome.ABANDONED, 100),
        # arrived in the warm-up (before 5 s): not counted
        *call("c0", 1, Outcome.ABANDONED, 90),
        # rejected at entry: counted apart, not offered
        InteractionClosed(60, "c5", Outcome.REJECTED, "q", 60, 0.0),
    ]


def test_queue_figures_follow_the_kpis_definitions() -> None:
    m = measure(day(), {"q": 20.0}, {}, start=5.0, end=3600.0).queues["q"]
    assert (m.offered, m.answered, m.abandoned, m.short_abandoned, m.rejected) == (4, 2, 1, 1, 1)
    # answered within T ÷ (answered + abandoned after the short threshold) = 1 ÷ (2 + 1)
    assert m.service_level == pytest.approx(1 / 3)
    assert m.service_level_answered == pytest.approx(1 / 2)
    assert m.service_level_offered == pytest.approx(1 / 4)
    assert m.asa_seconds == pytest.approx((0 + 30) / 2)
    # c2, c3, c4 waited; c1 was offered the moment it entered
    assert m.p_wait == pytest.approx(3 / 4)
    assert m.abandon_rate == pytest.approx(2 / 4)
    assert m.average_abandon_seconds == pytest.approx((3 + 60) / 2)


def test_calls_belong_to_the_interval_they_entered_the_queue_and_length_is_time_averaged() -> None:
    m = measure(day(), {"q": 20.0}, {}, start=0.0, end=120.0, interval_seconds=60.0)
    first, second = m.intervals["q"]
    # entered in [0, 60): c0..c4 (c5 was refused: not offered)
    assert (first.offered, first.answered, second.offered) == (5, 2, 0)
    # 1 within T of 2 answered + 2 abandoned after S (c4 and c0)
    assert first.service_level == pytest.approx(1 / 4)
    # waiting: c0 1→90, c2 20→50, c3 30→33, c4 40→100 (c1 is answered the moment it enters)
    # first minute: 59 + 30 + 3 + 20 = 112 s; second: 30 + 40 = 70 s
    assert first.queue_length == pytest.approx(112 / 60)
    assert second.queue_length == pytest.approx(70 / 60)


def test_occupancy_counts_handle_against_available_time_and_excludes_pauses() -> None:
    records: list[Record] = [
        AgentStateChanged(0, "ana", A.AVAILABLE),
        AgentStateChanged(10, "ana", A.RESERVED),
        AgentStateChanged(12, "ana", A.TALKING),
        AgentStateChanged(100, "ana", A.WRAP_UP),
        AgentStateChanged(110, "ana", A.AVAILABLE),
        AgentStateChanged(150, "ana", A.NOT_READY, "break"),
        AgentStateChanged(200, "ana", A.AVAILABLE),
        AgentStateChanged(0, "bob", A.AVAILABLE),  # another group
    ]
    m = measure(records, {}, {"ana": "team", "bob": "other"}, start=0.0, end=300.0)
    team = m.agent_groups["team"]
    # handle = talking 12→100 + wrap-up 100→110 = 98 s; available = 10 + 40 + 100 = 150 s
    assert team.occupancy == pytest.approx(98 / (98 + 150))
    # logged in the whole 300 s (ringing and the break included)
    assert team.utilization == pytest.approx(98 / 300)
    assert team.paused_hours == pytest.approx(50 / 3600)
    assert m.agent_groups["other"].occupancy == 0.0


def test_time_outside_the_window_is_not_counted() -> None:
    records: list[Record] = [
        AgentStateChanged(0, "ana", A.TALKING),
        AgentStateChanged(100, "ana", A.AVAILABLE),
    ]
    # window 50→150: talking 50 s, available 50 s
    m = measure(records, {}, {"ana": "team"}, start=50.0, end=150.0)
    assert m.agent_groups["team"].occupancy == pytest.approx(0.5)


def test_an_overflowed_call_counts_in_the_queue_it_left_and_the_one_that_answered() -> None:
    records: list[Record] = [
        InteractionQueued(0, "c1", "q1", 5, (), 0),
        InteractionTransferred(30, "c1", "q1", None, "q2", None, "overflow"),
        InteractionQueued(30, "c1", "q2", 5, (), 0),
        InteractionOffered(35, "c1", "ana", "q2"),
        InteractionAnswered(35, "c1", "ana", "q2", 5),
        InteractionClosed(200, "c1", Outcome.ANSWERED, "q2", 0, 5),
    ]
    m = measure(records, {"q1": 20.0, "q2": 20.0}, {}, start=0.0, end=3600.0).queues
    assert (m["q1"].offered, m["q1"].overflowed, m["q1"].answered) == (1, 1, 0)
    assert (m["q2"].offered, m["q2"].answered, m["q2"].service_level) == (1, 1, 1.0)
    assert m["q2"].asa_seconds == 5


def test_queue_length_adds_up_over_intervals_of_any_length() -> None:
    # 0.1 minute = 6.000000000000001 s: interval edges are not exact in floating point
    step = 0.1 * 60
    m = measure(day(), {"q": 20.0}, {}, start=0.0, end=120.0, interval_seconds=step)
    area = sum(i.queue_length * step for i in m.intervals["q"])
    # waiting seconds (see above): 89 + 30 + 3 + 60 = 182
    assert area == pytest.approx(182)


def shifted(records: list[Record], by: float) -> list[Record]:
    """The same records `by` seconds later (every time field moved)."""
    moved: list[Record] = []
    for r in records:
        fields = {name: getattr(r, name) for name in r.__dataclass_fields__}
        for name in ("at", "arrived_at"):
            if name in fields:
                fields[name] += by
        moved.append(type(r)(**fields))
    return moved


def test_wall_clock_times_give_the_same_intervals_without_slots_from_time_zero() -> None:
    # A live day: epoch seconds, a whole number of minutes so interval edges line up.
    epoch = 1_772_460_000.0
    m = measure(
        shifted(day(), epoch),
        {"q": 20.0},
        {},
        start=epoch,
        end=epoch + 120.0,
        interval_seconds=60.0,
    )
    first, second = m.intervals["q"]
    assert [i.start for i in m.intervals["q"]] == [epoch, epoch + 60.0]
    assert (first.offered, first.answered, second.offered) == (5, 2, 0)
    assert first.queue_length == pytest.approx(112 / 60)
    assert second.queue_length == pytest.approx(70 / 60)


def test_queue_length_before_the_window_is_not_counted_in_its_first_interval() -> None:
    # c0 waits from 1 to 90; a window from 60 s counts only its 60→90 part.
    m = measure(day(), {"q": 20.0}, {}, start=60.0, end=120.0, interval_seconds=60.0)
    (only,) = m.intervals["q"]
    assert only.start == 60.0
    assert only.queue_length == pytest.approx(70 / 60)
