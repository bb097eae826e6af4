"""Transfers and escalation keep the interaction's history and arrival time."""

from __future__ import annotations

import pytest
from routing_helpers import answer, arrive, of, offers, router

from centralita.core import AgentConfig, AgentState, QueueConfig, Router
from centralita.core.errors import InvalidTransition, NoSuchInteraction
from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    EscalationRequested,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    Tick,
    TransferRequested,
)
from centralita.core.records import InteractionClosed, InteractionQueued, InteractionTransferred


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
