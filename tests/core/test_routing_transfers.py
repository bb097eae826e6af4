"""Transfers and escalation keep the interaction's history and arrival time."""

from __future__ import annotations

import pytest
from routing_helpers import answer, arrive, of, offers, router, simple

from centralita.core import AgentConfig, AgentState, QueueConfig, Router
from centralita.core.errors import AgentBusy, InvalidTransition, NoSuchInteraction
from centralita.core.events import (
    AgentEngaged,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReleased,
    EscalationRequested,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    Tick,
    TransferRequested,
)
from centralita.core.records import (
    AgentStateChanged,
    InteractionClosed,
    InteractionQueued,
    InteractionTransferred,
)


def tiers() -> Router:
    r = router(
        [
            QueueConfig("tier1", members=("t1",), escalate_to="tier2", wrap_up=10.0),
            QueueConfig("tier2", members=("t2",), tier=2),
        ],
        [AgentConfig("t1"), AgentConfig("t2")],
    )
    r.handle(AgentLoggedIn("t1"), 0.0)
    r.handle(AgentLoggedIn("t2"), 0.0)
    return r


def test_escalation_moves_to_next_tier_keeping_arrival_and_history() -> None:
    r = tiers()
    r.handle(InteractionArrived("c1", queue="tier1", arrived_at=-30.0), 0.0)
    answer(r, "c1", 2.0)
    out = r.handle(EscalationRequested("c1"), 60.0)
    moved = of(InteractionTransferred, out)[0]
    assert (moved.from_queue, moved.from_agent, moved.to_queue, moved.kind) == (
        "tier1",
        "t1",
        "tier2",
        "escalation",
    )
    assert of(InteractionQueued, out)[0].arrived_at == -30.0
    assert offers(out) == [("c1", "t2")]
    assert r.agent_snapshot("t1").state is AgentState.WRAP_UP
    r.handle(OfferAccepted("c1", "t2"), 61.0)
    closed = of(InteractionClosed, r.handle(InteractionEnded("c1"), 100.0))[0]
    assert (closed.outcome, closed.arrived_at, closed.agent_id) == ("answered", -30.0, "t2")
    assert closed.queue_id == "tier2"


def test_history_lists_queues_and_agents_in_order() -> None:
    r = tiers()
    r.handle(InteractionArrived("c1", queue="tier1"), 0.0)
    answer(r, "c1", 1.0)
    r.handle(EscalationRequested("c1"), 5.0)
    r.handle(OfferAccepted("c1", "t2"), 6.0)
    snap = r.interaction_snapshot("c1")
    assert (snap.history, snap.agents_seen) == (("tier1", "tier2"), ("t1", "t2"))


def test_escalation_without_a_next_tier_is_refused() -> None:
    r = tiers()
    r.handle(InteractionArrived("c1", queue="tier2"), 0.0)
    with pytest.raises(InvalidTransition) as info:
        r.handle(EscalationRequested("c1"), 1.0)
    assert info.value.fields["field"] == "escalate_to"


def test_transfer_to_an_agent_waits_for_that_agent_then_times_out_to_the_queue() -> None:
    r = router(
        [QueueConfig("q", members=("a", "b", "c"))],
        [AgentConfig("a"), AgentConfig("b"), AgentConfig("c")],
    )
    for x in "abc":
        r.handle(AgentLoggedIn(x), 0.0)
    first = offers(arrive(r, "c1", 1.0))[0][1]
    r.handle(OfferAccepted("c1", first), 2.0)
    r.handle(AgentPaused("b" if first != "b" else "c", "break"), 3.0)
    specialist = "b" if first != "b" else "c"
    out = r.handle(TransferRequested("c1", agent_id=specialist, timeout=30.0), 10.0)
    assert of(InteractionTransferred, out)[0].to_agent == specialist
    assert offers(out) == []  # the specialist is paused; nobody else takes it
    out = r.handle(Tick(), 40.0)
    assert len(offers(out)) == 1


def test_transfer_to_a_logged_out_agent_is_refused_and_changes_nothing() -> None:
    r = tiers()
    r.handle(InteractionArrived("c1", queue="tier1"), 0.0)
    answer(r, "c1", 1.0)
    r.handle(AgentLoggedOut("t2"), 2.0)
    with pytest.raises(InvalidTransition) as info:
        r.handle(TransferRequested("c1", agent_id="t2"), 3.0)
    assert info.value.fields["state"] == "logged_out"
    with pytest.raises(InvalidTransition):
        r.handle(TransferRequested("c1", agent_id="t1", queue="tier2"), 3.0)
    assert r.interaction_snapshot("c1").state == "connected"
    assert r.agent_snapshot("t1").state is AgentState.TALKING


def test_ended_interaction_is_gone() -> None:
    r = tiers()
    r.handle(InteractionArrived("c1", queue="tier1"), 0.0)
    answer(r, "c1", 1.0)
    r.handle(InteractionEnded("c1"), 2.0)
    with pytest.raises(NoSuchInteraction):
        r.handle(InteractionEnded("c1"), 3.0)


def test_when_the_target_agent_logs_out_the_waiting_transfer_goes_to_the_queue() -> None:
    r = router(
        [QueueConfig("q", members=("a", "b", "c"))],
        [AgentConfig("a"), AgentConfig("b"), AgentConfig("c")],
    )
    for x in "abc":
        r.handle(AgentLoggedIn(x), 0.0)
    r.handle(AgentPaused("c", "break"), 0.0)
    first = offers(arrive(r, "c1", 1.0))[0][1]
    r.handle(OfferAccepted("c1", first), 2.0)
    out = r.handle(TransferRequested("c1", agent_id="c"), 10.0)  # no time limit
    assert offers(out) == []
    out = r.handle(AgentLoggedOut("c"), 20.0)
    assert len(offers(out)) == 1
    assert offers(out)[0][1] != "c"


# --- a consulted agent: engaged outside the queues ------------------------------------


def test_a_consulted_agent_gets_no_offer_until_released_and_shows_talking() -> None:
    r = simple("a", "b")
    first = answer_first(r, "c1", 1.0)
    other = "b" if first == "a" else "a"
    out = r.handle(AgentEngaged(other, "k1", interaction_id="c1"), 5.0)  # consulted on c1
    [changed] = of(AgentStateChanged, out)
    assert (changed.agent_id, changed.state, changed.interaction_id) == (
        other,
        AgentState.TALKING,
        "c1",
    )
    snap = r.agent_snapshot(other)
    assert (snap.engaged, snap.load["voice"], snap.interactions) == (("k1",), 1, ())
    assert offers(arrive(r, "c2", 6.0)) == []  # `other` is busy: c2 waits
    out = r.handle(AgentReleased(other, "k1"), 20.0)
    assert [c.state for c in of(AgentStateChanged, out)] == [
        AgentState.AVAILABLE,
        AgentState.RESERVED,
    ]
    assert offers(out) == [("c2", other)]  # released: the waiting call goes to them


def test_completing_a_consultation_hands_the_call_to_the_consulted_agent_first() -> None:
    """Transfer to the consulted agent, then release them: the transferred call is
    theirs before anything waiting in the queue (their targeted heap comes first)."""
    r = simple("a", "b", wrap_up=30.0)
    first = answer_first(r, "c1", 1.0)
    other = "b" if first == "a" else "a"
    r.handle(AgentEngaged(other, "c1"), 5.0)
    arrive(r, "c2", 6.0)  # waits: nobody free
    out = r.handle(TransferRequested("c1", agent_id=other), 10.0)
    assert offers(out) == []  # `other` is still on the consultation
    out = r.handle(AgentReleased(other, "c1"), 10.0)
    assert offers(out) == [("c1", other)]
    assert r.agent_snapshot(first).state is AgentState.WRAP_UP


def test_an_agent_consulted_with_room_left_on_the_channel_still_gets_offers() -> None:
    r = router([QueueConfig("q", members=("a",))], [AgentConfig("a", capacity={"chat": 3})])
    r.handle(AgentLoggedIn("a"), 0.0)
    assert offers(arrive(r, "c1", 1.0, channel="chat")) == [("c1", "a")]
    r.handle(AgentEngaged("a", "k1", "chat"), 2.0)  # two of three chats taken
    assert offers(arrive(r, "c2", 3.0, channel="chat")) == [("c2", "a")]


def test_engaging_a_busy_or_absent_agent_is_refused_and_changes_nothing() -> None:
    r = simple("a", "b")
    first = answer_first(r, "c1", 1.0)
    with pytest.raises(AgentBusy) as busy:
        r.handle(AgentEngaged(first, "c9"), 2.0)  # on c1, capacity 1
    assert busy.value.code == "agent-busy"
    assert busy.value.fields["agent"] == first
    r.handle(AgentLoggedOut("b" if first == "a" else "a"), 2.0)
    with pytest.raises(InvalidTransition):
        r.handle(AgentEngaged("b" if first == "a" else "a", "c1"), 3.0)
    with pytest.raises(InvalidTransition):
        r.handle(AgentReleased(first, "c1"), 3.0)  # never engaged
    assert r.agent_snapshot(first).load["voice"] == 1


def test_a_paused_agent_consulted_goes_back_to_the_pause_and_logout_waits_for_the_end() -> None:
    r = simple("a")
    r.handle(AgentPaused("a", "break"), 1.0)
    r.handle(AgentEngaged("a", "x1"), 2.0)
    assert r.agent_snapshot("a").state is AgentState.TALKING
    out = r.handle(AgentReleased("a", "x1"), 3.0)
    changed = of(AgentStateChanged, out)[0]
    assert (changed.state, changed.reason) == (AgentState.NOT_READY, "break")
    assert changed.interaction_id is None  # a call about no interaction (click-to-call)
    r.handle(AgentEngaged("a", "x2"), 4.0)
    r.handle(AgentLoggedOut("a"), 5.0)
    assert r.agent_snapshot("a").state is AgentState.TALKING  # logout pending
    out = r.handle(AgentReleased("a", "x2"), 6.0)
    assert of(AgentStateChanged, out)[-1].state is AgentState.LOGGED_OUT


def answer_first(r: Router, iid: str, now: float) -> str:
    arrive(r, iid, now)
    return answer(r, iid, now)
