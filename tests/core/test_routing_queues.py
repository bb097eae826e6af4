"""Queues: strategies, priorities, ageing, overflow, limits, abandonment."""

from __future__ import annotations

from collections import Counter

import pytest
from routing_helpers import answer, arrive, of, offers, router, simple

from centralita.core import AgentConfig, QueueConfig, Strategy, WhenFull, WhenNoAgents
from centralita.core.commands import CancelOffer, OverflowTo, RejectInteraction
from centralita.core.errors import InvalidConfig, NoSuchQueue
from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    CallbackRequested,
    CallerHungUp,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    Tick,
)
from centralita.core.records import (
    InteractionClosed,
    InteractionQueued,
    InteractionTransferred,
    OfferCancelled,
)


def serve_one(r, iid: str, now: float) -> str:  # type: ignore[no-untyped-def]
    """Arrive, answer and end `iid` at `now` (no wrap-up): returns the agent used."""
    out = arrive(r, iid, now)
    agent = offers(out)[0][1]
    r.handle(OfferAccepted(iid, agent), now)
    r.handle(InteractionEnded(iid), now + 1)
    return agent


def test_longest_idle_offers_the_agent_free_the_longest() -> None:
    r = router([QueueConfig("q", members=("a", "b", "c"))], [AgentConfig(x) for x in "abc"])
    r.handle(AgentLoggedIn("b"), 0.0)
    r.handle(AgentLoggedIn("c"), 1.0)
    r.handle(AgentLoggedIn("a"), 2.0)
    assert [serve_one(r, f"c{i}", 10.0 + 10 * i) for i in range(4)] == ["b", "c", "a", "b"]


def test_round_robin_rotates_through_members() -> None:
    r = simple("a", "b", "c", strategy=Strategy.ROUND_ROBIN)
    got = [serve_one(r, f"c{i}", 10.0 * i) for i in range(6)]
    assert got == ["a", "b", "c", "a", "b", "c"]


def test_linear_always_prefers_the_first_free_member_in_order() -> None:
    r = simple("a", "b", "c", strategy=Strategy.LINEAR)
    assert [serve_one(r, f"c{i}", 10.0 * i) for i in range(3)] == ["a", "a", "a"]
    arrive(r, "x", 100.0)
    answer(r, "x", 100.0)
    assert offers(arrive(r, "y", 101.0)) == [("y", "b")]


def test_fewest_interactions_today_prefers_who_handled_fewest() -> None:
    r = simple("a", "b", strategy=Strategy.FEWEST_INTERACTIONS)
    serve_one(r, "c0", 0.0)  # someone handled one
    first = r.agent_snapshot("a").handled_today
    assert serve_one(r, "c1", 10.0) == ("b" if first else "a")


def test_least_talk_time_prefers_who_talked_least_today() -> None:
    r = simple("a", "b", strategy=Strategy.LEAST_TALK_TIME)
    arrive(r, "c0", 0.0)
    agent = answer(r, "c0", 0.0)
    arrive(r, "c1", 0.0)
    other = answer(r, "c1", 0.0)
    r.handle(InteractionEnded("c0"), 100.0)  # `agent` talked 100 s
    r.handle(InteractionEnded("c1"), 10.0 + 100.0)  # `other` talked 110 s
    assert offers(arrive(r, "c2", 200.0)) == [("c2", agent)]
    assert agent != other


def test_random_strategy_is_reproducible_with_the_same_seed_and_spreads_load() -> None:
    def picks(seed: int) -> list[str]:
        r = router(
            [QueueConfig("q", members=tuple("abcd"), strategy=Strategy.RANDOM)],
            [AgentConfig(x) for x in "abcd"],
            seed=seed,
        )
        for x in "abcd":
            r.handle(AgentLoggedIn(x), 0.0)
        return [serve_one(r, f"c{i}", 10.0 * i) for i in range(40)]

    assert picks(3) == picks(3)
    assert len(Counter(picks(3))) == 4


def test_ring_all_rings_everyone_first_answer_wins_others_cancelled() -> None:
    r = simple("a", "b", "c", strategy=Strategy.RING_ALL)
    out = arrive(r, "c1", 0.0)
    assert sorted(a for _, a in offers(out)) == ["a", "b", "c"]
    out = r.handle(OfferAccepted("c1", "b"), 2.0)
    assert sorted(c.agent_id for c in of(CancelOffer, out)) == ["a", "c"]
    assert {c.cause for c in of(OfferCancelled, out)} == {"answered_elsewhere"}
    assert r.agent_snapshot("a").state == "available"


def test_higher_priority_is_served_first_then_first_come_first_served() -> None:
    r = simple("a")
    r.handle(AgentPaused("a", "break"), 0.0)
    arrive(r, "low-1", 1.0, priority=3)
    arrive(r, "high-1", 2.0, priority=8)
    arrive(r, "low-2", 3.0, priority=3)
    arrive(r, "high-2", 4.0, priority=8)
    order = []
    r.handle(AgentReadied("a"), 10.0)
    for i in range(4):
        iid = r.agent_snapshot("a").interactions[0]
        order.append(iid)
        r.handle(OfferAccepted(iid, "a"), 10.0 + i)
        r.handle(InteractionEnded(iid), 10.5 + i)
    assert order == ["high-1", "high-2", "low-1", "low-2"]


def test_with_ageing_a_long_wait_overtakes_a_higher_priority() -> None:
    r = simple("a", ageing_seconds=30.0)
    r.handle(AgentPaused("a", "break"), 0.0)
    arrive(r, "old-low", 0.0, priority=3)  # 100 s ≈ 3.3 levels of ageing
    arrive(r, "new-high", 100.0, priority=6)
    assert offers(r.handle(AgentReadied("a"), 101.0)) == [("old-low", "a")]


def test_given_all_agents_busy_when_call_waits_60s_then_overflows_to_other_queue() -> None:
    r = router(
        [
            QueueConfig("q", members=("a",), max_wait=60.0, overflow_queue="backup"),
            QueueConfig("backup", members=("b",)),
        ],
        [AgentConfig("a"), AgentConfig("b")],
    )
    r.handle(AgentLoggedIn("a"), 0.0)
    r.handle(AgentLoggedIn("b"), 0.0)
    r.handle(AgentPaused("b", "training"), 0.0)
    arrive(r, "c0", 0.0)
    answer(r, "c0", 1.0)
    arrive(r, "c1", 5.0)
    assert r.next_deadline() == 65.0
    out = r.handle(Tick(), 65.0)
    moved = of(InteractionTransferred, out)
    assert [(m.from_queue, m.to_queue, m.kind) for m in moved] == [("q", "backup", "overflow")]
    assert of(InteractionQueued, out)[0].arrived_at == 5.0
    assert offers(r.handle(AgentReadied("b"), 70.0)) == [("c1", "b")]
    assert r.interaction_snapshot("c1").history == ("q", "backup")


def test_given_max_wait_to_outside_destination_then_overflowed_outcome() -> None:
    r = simple("a", max_wait=30.0, overflow_destination="voicemail:q")
    r.handle(AgentPaused("a", "break"), 0.0)
    arrive(r, "c1", 0.0)
    out = r.handle(Tick(), 30.0)
    assert of(OverflowTo, out) == [OverflowTo("c1", "voicemail:q")]
    assert of(InteractionClosed, out)[0].outcome == "overflowed"


def test_given_queue_full_then_arrival_rejected() -> None:
    r = simple("a", max_length=1, when_full=WhenFull.REJECT)
    r.handle(AgentPaused("a", "break"), 0.0)
    arrive(r, "c1", 0.0)
    out = arrive(r, "c2", 1.0)
    assert of(RejectInteraction, out) == [RejectInteraction("c2", "queue_full")]
    assert of(InteractionClosed, out)[0].outcome == "rejected"


@pytest.mark.parametrize(
    ("policy", "expected"),
    [(WhenNoAgents.REJECT, "rejected"), (WhenNoAgents.OVERFLOW, "overflowed")],
)
def test_given_no_agent_logged_in_then_policy_applies(policy: WhenNoAgents, expected: str) -> None:
    r = router(
        [QueueConfig("q", members=("a",), when_no_agents=policy, overflow_destination="tel:1")],
        [AgentConfig("a")],
    )
    assert of(InteractionClosed, arrive(r, "c1", 0.0))[0].outcome == expected


def test_given_no_agent_logged_in_and_wait_policy_then_call_waits_for_login() -> None:
    r = router([QueueConfig("q", members=("a",))], [AgentConfig("a")])
    assert of(InteractionClosed, arrive(r, "c1", 0.0)) == []
    assert offers(r.handle(AgentLoggedIn("a"), 10.0)) == [("c1", "a")]


def test_given_waiting_calls_when_last_agent_logs_out_then_they_are_rejected() -> None:
    r = simple("a", when_no_agents=WhenNoAgents.REJECT)
    r.handle(AgentPaused("a", "break"), 0.0)
    arrive(r, "c1", 1.0)
    out = r.handle(AgentLoggedOut("a"), 2.0)
    assert [c.outcome for c in of(InteractionClosed, out)] == ["rejected"]


def test_caller_hanging_up_early_is_short_abandoned_and_later_abandoned() -> None:
    r = simple("a", short_abandon=5.0)
    r.handle(AgentPaused("a", "break"), 0.0)
    arrive(r, "c1", 0.0)
    arrive(r, "c2", 0.0)
    assert of(InteractionClosed, r.handle(CallerHungUp("c1"), 4.0))[0].outcome == (
        "short_abandoned"
    )
    closed = of(InteractionClosed, r.handle(CallerHungUp("c2"), 50.0))[0]
    assert (closed.outcome, closed.waited) == ("abandoned", 50.0)


def test_caller_hanging_up_while_ringing_cancels_the_offer_and_frees_the_agent() -> None:
    r = simple("a")
    arrive(r, "c1", 0.0)
    out = r.handle(CallerHungUp("c1"), 8.0)
    assert of(CancelOffer, out) == [CancelOffer("c1", "a")]
    assert of(InteractionClosed, out)[0].outcome == "abandoned"
    assert r.agent_snapshot("a").state == "available"


def test_callback_request_leaves_the_queue_with_its_outcome() -> None:
    r = simple("a")
    r.handle(AgentPaused("a", "break"), 0.0)
    arrive(r, "c1", 0.0)
    out = r.handle(CallbackRequested("c1"), 20.0)
    assert of(InteractionClosed, out)[0].outcome == "callback_requested"
    assert r.queue_snapshot("q", 21.0).waiting == 0


def test_queue_snapshot_counts_waiting_longest_wait_and_agents_by_state() -> None:
    r = simple("a", "b")
    r.handle(AgentPaused("b", "lunch"), 0.0)
    arrive(r, "c1", 0.0)
    answer(r, "c1", 1.0)
    arrive(r, "c2", 2.0)
    arrive(r, "c3", 5.0)
    snap = r.queue_snapshot("q", 12.0)
    assert (snap.waiting, snap.longest_wait, snap.logged_in) == (2, 10.0, 2)
    assert snap.agents["talking"] == 1
    assert snap.agents["not_ready"] == 1


def test_config_errors_name_the_queue_and_field() -> None:
    with pytest.raises(InvalidConfig) as info:
        router([QueueConfig("q", members=("ghost",))], [])
    assert info.value.fields == {"queue": "q", "field": "members"}
    with pytest.raises(InvalidConfig) as info:
        router([QueueConfig("q", max_wait=10.0)], [])
    assert info.value.fields["field"] == "overflow_queue"


def test_arrival_without_queue_and_without_rules_names_the_problem() -> None:
    r = simple("a")
    with pytest.raises(NoSuchQueue) as info:
        r.handle(InteractionArrived("c1"), 0.0)
    assert info.value.code == "no-such-queue"
    with pytest.raises(NoSuchQueue) as info:
        r.handle(InteractionArrived("c1", queue="nope"), 0.0)
    assert info.value.fields == {"queue": "nope"}
    assert r.interaction_ids() == ()


def test_ring_all_unanswered_rings_again_only_agents_still_ready() -> None:
    r = simple("a", "b", "c", strategy=Strategy.RING_ALL, ring_timeout=10.0)
    arrive(r, "c1", 0.0)
    r.handle(AgentPaused("b", "break"), 5.0)  # takes effect once the ringing stops
    out = r.handle(Tick(), 10.0)
    assert {c.cause for c in of(OfferCancelled, out)} == {"no_answer"}
    assert sorted(a for _, a in offers(out)) == ["a", "c"]
    assert r.agent_snapshot("b").state == "not_ready"
    assert r.agent_snapshot("a").reason is None  # nobody counts as missed in ring-all


def test_ring_all_overdue_call_overflowing_waits_behind_the_queue_it_joins() -> None:
    """An unanswered ring-all call past its maximum wait overflows into a queue where a
    caller has waited longer for the same agent: that caller is offered first (found by
    the property tests: the agent used to be put back into that queue's index before the
    overflow, and the overflowed call took it)."""
    r = router(
        [
            QueueConfig(
                "A",
                members=("a",),
                strategy=Strategy.RING_ALL,
                ring_timeout=20.0,
                max_wait=15.0,
                overflow_queue="B",
            ),
            QueueConfig("B", members=("a",), strategy=Strategy.RING_ALL, ring_timeout=20.0),
        ],
        [AgentConfig("a")],
    )
    r.handle(AgentLoggedIn("a"), 0.0)
    assert offers(arrive(r, "c0", 0.0, queue="A")) == [("c0", "a")]
    arrive(r, "c1", 1.0, queue="B")  # waits: "a" is ringing
    out = r.handle(Tick(), 20.0)  # c0 unanswered, past 15 s: overflows into B
    assert offers(out) == [("c1", "a")]
    assert r.interaction_snapshot("c0").state == "waiting"
    assert r.interaction_snapshot("c0").queue_id == "B"


def test_ring_all_unanswered_call_goes_behind_an_older_caller_now_waiting() -> None:
    """When a ring-all call rings out, a caller who has waited longer in the queue (its
    own ring ran out meanwhile) is offered first."""
    r = simple("a", "b", strategy=Strategy.RING_ALL, ring_timeout=10.0)
    r.handle(AgentPaused("a", "break"), 0.0)
    assert offers(arrive(r, "old", 0.0)) == [("old", "b")]
    r.handle(AgentReadied("a"), 1.0)
    assert offers(arrive(r, "young", 2.0)) == [("young", "a")]
    r.handle(AgentPaused("b", "break"), 5.0)  # once its ringing stops
    r.handle(Tick(), 10.0)  # "old" rang out; "b" pauses: it waits
    assert r.interaction_snapshot("old").state == "waiting"
    out = r.handle(Tick(), 12.0)  # "young" rang out: "a" is free for the older caller
    assert offers(out) == [("old", "a")]
    assert r.interaction_snapshot("young").state == "waiting"


def test_ring_all_with_one_free_agent_does_not_make_it_missed() -> None:
    r = simple("a", "b", strategy=Strategy.RING_ALL, ring_timeout=10.0)
    r.handle(AgentPaused("b", "training"), 0.0)
    arrive(r, "c1", 0.0)
    out = r.handle(Tick(), 10.0)
    assert offers(out) == [("c1", "a")]
    assert r.agent_snapshot("a").state == "reserved"
