"""Timers as core state: next_deadline, Tick, and timers due before an event."""

from __future__ import annotations

import pytest
from routing_helpers import answer, arrive, of, offers, router, simple

from centralita.core import AgentConfig, AgentState, QueueConfig, RelaxStep
from centralita.core.errors import InvalidEvent, InvalidTransition
from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    Tick,
    TransferRequested,
    WrapUpEnded,
)
from centralita.core.records import AgentStateChanged, InteractionRelaxed, OfferCancelled


def test_no_timer_no_deadline() -> None:
    r = simple("a")
    assert r.next_deadline() is None


def test_next_deadline_skips_cancelled_timers() -> None:
    r = simple("a", ring_timeout=15.0, wrap_up=30.0)
    arrive(r, "c1", 0.0)
    assert r.next_deadline() == 15.0
    r.handle(OfferAccepted("c1", "a"), 2.0)  # the ring timer is void now
    assert r.next_deadline() is None


def test_events_after_a_deadline_see_the_timer_fired_first() -> None:
    r = simple("a", "b", ring_timeout=10.0)
    r.handle(AgentPaused("b", "break"), 0.0)
    arrive(r, "c1", 0.0)
    out = r.handle(AgentReadied("b"), 12.0)  # no Tick in between
    kinds = [type(o).__name__ for o in out]
    assert kinds.index("OfferCancelled") < kinds.index("OfferToAgent")
    cancel = of(OfferCancelled, out)[0]
    assert cancel.at == 10.0  # effects of a timer carry its own deadline
    assert offers(out) == [("c1", "b")]


def test_a_refused_event_keeps_the_outputs_of_timers_that_fired_before_it() -> None:
    r = simple("a", ring_timeout=10.0)
    arrive(r, "c1", 0.0)
    with pytest.raises(InvalidTransition):
        r.handle(AgentLoggedIn("a"), 11.0)  # already logged in; the ring timer was due
    out = r.handle(Tick(), 11.0)
    assert [c.cause for c in of(OfferCancelled, out)] == ["no_answer"]
    assert of(AgentStateChanged, out)[-1].state is AgentState.NOT_READY


def test_time_never_runs_backwards() -> None:
    r = simple("a")
    r.handle(AgentPaused("a", "training"), 100.0)
    out = r.handle(AgentReadied("a"), 50.0)
    assert of(AgentStateChanged, out)[0].at == 100.0


def test_relaxation_steps_fire_at_their_offsets_from_queue_entry() -> None:
    r = router(
        [QueueConfig("q", members=("a",), relax=(RelaxStep(10.0, 3), RelaxStep(20.0, 0)))],
        [AgentConfig("a", skills={"es": 1})],
    )
    r.handle(AgentLoggedIn("a"), 0.0)
    arrive(r, "c1", 5.0, skills=(("es", 5),))
    assert r.next_deadline() == 15.0
    assert [e.skills for e in of(InteractionRelaxed, r.handle(Tick(), 15.0))] == [(("es", 3),)]
    assert r.next_deadline() == 25.0
    out = r.handle(Tick(), 25.0)
    assert offers(out) == [("c1", "a")]


@pytest.mark.parametrize("priority", [0, 11])
def test_priorities_outside_1_to_10_are_refused(priority: int) -> None:
    r = simple("a")
    with pytest.raises(InvalidEvent) as info:
        r.handle(InteractionArrived("c1", queue="q", priority=priority), 0.0)
    assert info.value.fields["field"] == "priority"
    assert r.interaction_ids() == ()


def test_skill_levels_outside_1_to_5_are_refused_on_transfer_too() -> None:
    r = simple("a")
    arrive(r, "c1", 0.0)
    with pytest.raises(InvalidEvent) as info:
        r.handle(TransferRequested("c1", queue="q", skills=(("es", 6),)), 1.0)
    assert info.value.fields["field"] == "skills"


def test_many_agents_cycling_through_a_rarely_used_pool_keep_routing_right() -> None:
    """Stale index entries are compacted away without losing live agents."""
    ids = tuple(f"a{i}" for i in range(20))
    r = router(
        [QueueConfig("q", members=ids, wrap_up=0.0)],
        [AgentConfig(a, skills={"es": 3}) for a in ids],
    )
    for a in ids:
        r.handle(AgentLoggedIn(a), 0.0)
    arrive(r, "rare", 0.0, skills=(("es", 3),))  # creates the es≥3 pool
    r.handle(OfferAccepted("rare", r.interaction_snapshot("rare").offered_to[0]), 0.0)
    now = 1.0
    for n in range(400):  # each call frees an agent that is re-advertised in both pools
        iid = f"c{n}"
        agent = offers(arrive(r, iid, now))[0][1]
        r.handle(OfferAccepted(iid, agent), now)
        r.handle(AgentPaused(agent, "break"), now)
        r.handle(InteractionEnded(iid), now)
        r.handle(AgentReadied(agent), now)
        now += 1.0
    pool = r.queues["q"].pools[("voice", (("es", 3),))]
    assert len(pool.agents) <= pool.agents_limit
    free = {a for a in ids if r.agent_snapshot(a).state is AgentState.AVAILABLE}
    got = offers(arrive(r, "last", now, skills=(("es", 3),)))
    assert got and got[0][1] in free


def test_an_old_wrap_up_timer_does_not_end_a_later_wrap_up_of_the_same_interaction() -> None:
    r = simple("a", "b", wrap_up=30.0)
    r.handle(AgentPaused("b", "training"), 0.0)
    arrive(r, "c1", 0.0)
    answer(r, "c1", 1.0)  # to a
    r.handle(AgentReadied("b"), 4.0)
    r.handle(TransferRequested("c1", agent_id="b"), 5.0)  # a wraps up until 35
    r.handle(WrapUpEnded("a", "c1"), 6.0)  # early: its timer at 35 is void
    r.handle(OfferAccepted("c1", "b"), 7.0)
    r.handle(TransferRequested("c1", agent_id="a"), 10.0)  # back to a; b wraps up
    r.handle(OfferAccepted("c1", "a"), 11.0)
    r.handle(InteractionEnded("c1"), 20.0)  # a wraps up again, until 50
    assert r.agent_snapshot("a").state is AgentState.WRAP_UP
    assert r.next_deadline() == 40.0  # b's wrap-up; then a's at 50, not the old 35
    r.handle(Tick(), 40.0)
    assert r.agent_snapshot("a").state is AgentState.WRAP_UP
    assert r.next_deadline() == 50.0
    out = r.handle(Tick(), 50.0)
    assert [(s.agent_id, s.state) for s in of(AgentStateChanged, out)] == [
        ("a", AgentState.AVAILABLE)
    ]


def test_offers_failing_at_the_same_instant_requeue_the_older_caller_first() -> None:
    """Two ring timeouts due at one instant: the caller who waited longer takes the agent
    free then, whichever timer was set first (found by the property tests)."""
    r = router(
        [QueueConfig("q", members=("a", "b", "c", "d"), ring_timeout=10.0)],
        [AgentConfig(a) for a in "abcd"],
    )
    for a in "abc":
        r.handle(AgentLoggedIn(a), 0.0)
    assert offers(arrive(r, "c1", 0.0)) == [("c1", "a")]
    assert offers(arrive(r, "c2", 1.0)) == [("c2", "b")]  # its ring timer: set first
    out = r.handle(AgentLoggedOut("a"), 1.0)  # c1 rings "c" instead, also until 11
    assert offers(out) == [("c1", "c")]
    r.handle(AgentLoggedIn("d"), 5.0)  # free, nobody waits
    out = r.handle(Tick(), 11.0)  # both unanswered
    assert offers(out) == [("c1", "d")]
    assert r.interaction_snapshot("c2").state == "waiting"
