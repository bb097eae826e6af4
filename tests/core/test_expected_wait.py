"""Expected wait = position × recent average handle time ÷ agents staffed (core/waiting.py),
fed with the real router's records; the figures are computed by hand in the comments."""

from __future__ import annotations

import pytest
from routing_helpers import arrive, router, simple

from centralita.core import AgentConfig, QueueConfig, Router
from centralita.core.events import (
    AgentLoggedIn,
    AgentPaused,
    InteractionEnded,
    OfferAccepted,
    TransferRequested,
)
from centralita.core.waiting import RecentHandling, announced_minutes, expected_wait, staffed


def talk(r: Router, handling: RecentHandling, iid: str, start: float, seconds: float) -> None:
    """`iid` arrives at `start`, is answered at once and talks `seconds`; every record the
    router returns goes to `handling`."""
    for output in arrive(r, iid, start):
        handling.add(output)
    agent = r.interaction_snapshot(iid).offered_to[0]
    for output in r.handle(OfferAccepted(iid, agent), start):
        handling.add(output)
    for output in r.handle(InteractionEnded(iid), start + seconds):
        handling.add(output)


def test_given_calls_talked_100_and_200_s_and_wrap_up_30_then_aht_is_180_s() -> None:
    r = simple("a", "b", wrap_up=30.0)
    handling = RecentHandling()
    assert handling.average_handle("q", 30.0) is None  # nothing handled yet
    talk(r, handling, "i1", 0.0, 100.0)
    talk(r, handling, "i2", 500.0, 200.0)
    # (100 + 200) / 2 + 30 = 180
    assert handling.average_handle("q", 30.0) == pytest.approx(180.0)
    assert handling.average_handle("other", 30.0) is None


def test_given_three_staffed_agents_and_aht_180_then_the_fourth_in_line_waits_240_s() -> None:
    # 4 × 180 / 3 = 240 s: 4 minutes; first in line 1 × 180 / 3 = 60 s: 1 minute
    assert expected_wait(4, 3, 180.0) == pytest.approx(240.0)
    assert announced_minutes(240.0) == 4
    assert expected_wait(1, 3, 180.0) == pytest.approx(60.0)
    assert announced_minutes(60.0) == 1
    # 2 × 45 / 4 = 22.5 s: less than a minute (0); 61 s rounds up to 2
    assert expected_wait(2, 4, 45.0) == pytest.approx(22.5)
    assert announced_minutes(22.5) == 0
    assert announced_minutes(61.0) == 2


def test_given_no_agent_staffed_or_no_history_then_no_estimate() -> None:
    assert expected_wait(1, 0, 180.0) is None
    assert expected_wait(1, 3, None) is None
    assert expected_wait(0, 3, 180.0) is None


def test_staffed_counts_members_logged_in_and_not_paused_whatever_they_do() -> None:
    r = simple("a", "b", "c", "d")
    r.handle(AgentPaused("d", "break"), 1.0)
    assert staffed(r.queue_snapshot("q", 1.0)) == 3
    arrive(r, "i1", 2.0)  # rings an agent (reserved): still staffed
    assert staffed(r.queue_snapshot("q", 3.0)) == 3
    r.handle(OfferAccepted("i1", r.interaction_snapshot("i1").offered_to[0]), 4.0)
    assert staffed(r.queue_snapshot("q", 5.0)) == 3  # talking
    r.handle(InteractionEnded("i1"), 6.0)
    assert staffed(r.queue_snapshot("q", 7.0)) == 3  # wrap-up or available


def test_only_the_last_20_calls_count() -> None:
    r = simple("a")
    handling = RecentHandling(keep=20)
    start = 0.0
    for n in range(25):  # calls 0-4 talk 1000 s, then 20 calls of 10 s
        seconds = 1000.0 if n < 5 else 10.0
        talk(r, handling, f"i{n}", start, seconds)
        start += seconds + 1
    assert handling.average_handle("q", 0.0) == pytest.approx(10.0)


def test_a_transfer_ends_the_first_agents_part_in_its_queue() -> None:
    r = router(
        [QueueConfig("q", members=("a",)), QueueConfig("q2", members=("b",))],
        [AgentConfig("a"), AgentConfig("b")],
    )
    r.handle(AgentLoggedIn("a"), 0.0)
    r.handle(AgentLoggedIn("b"), 0.0)
    handling = RecentHandling()
    talk(r, handling, "i1", 0.0, 10.0)
    for output in arrive(r, "t", 20.0):
        handling.add(output)
    for output in r.handle(OfferAccepted("t", "a"), 20.0):
        handling.add(output)
    for output in r.handle(TransferRequested("t", queue="q2"), 50.0):  # a talked 30 s
        handling.add(output)
    assert handling.average_handle("q", 0.0) == pytest.approx(20.0)  # (10 + 30) / 2
    for output in r.handle(OfferAccepted("t", "b"), 52.0):
        handling.add(output)
    for output in r.handle(InteractionEnded("t"), 112.0):  # b talked 60 s
        handling.add(output)
    assert handling.average_handle("q2", 5.0) == pytest.approx(65.0)
    assert handling.average_handle("q", 0.0) == pytest.approx(20.0)
