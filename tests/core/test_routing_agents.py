"""Agent state machine: login, offers, talk, hold, wrap-up, pauses, logout."""

from __future__ import annotations

from itertools import pairwise

import pytest
from routing_helpers import answer, arrive, of, offers, router, simple

from centralita.core import AgentConfig, AgentState, QueueConfig
from centralita.core.commands import CancelOffer, ConnectToAgent
from centralita.core.errors import InvalidTransition, NoSuchAgent, NoSuchPauseReason
from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    DayStarted,
    HoldEnded,
    HoldStarted,
    InteractionEnded,
    OfferAccepted,
    OfferRejected,
    Tick,
    WrapUpEnded,
    WrapUpExtended,
)
from centralita.core.records import (
    AgentStateChanged,
    InteractionClosed,
    OfferCancelled,
    PauseLimitExceeded,
)
from centralita.core.records import (
    WrapUpExtended as WrapUpExtendedRecord,
)


def states(outputs: list[object]) -> list[tuple[str, AgentState, str | None]]:
    return [(o.agent_id, o.state, o.reason) for o in of(AgentStateChanged, outputs)]  # type: ignore[arg-type]


def test_given_logged_out_agent_when_logging_in_then_available_from_that_moment() -> None:
    r = router([QueueConfig("q", members=("ana",))], [AgentConfig("ana")])
    out = r.handle(AgentLoggedIn("ana"), 5.0)
    assert states(out) == [("ana", AgentState.AVAILABLE, None)]
    snap = r.agent_snapshot("ana")
    assert (snap.state, snap.since) == (AgentState.AVAILABLE, 5.0)


def test_given_login_with_reason_then_not_ready_with_that_reason() -> None:
    r = router([QueueConfig("q", members=("ana",))], [AgentConfig("ana")])
    out = r.handle(AgentLoggedIn("ana", reason="training"), 0.0)
    assert states(out) == [("ana", AgentState.NOT_READY, "training")]
    assert offers(arrive(r, "c1", 1.0)) == []


def test_full_cycle_offer_talk_hold_wrap_up_available() -> None:
    r = simple("ana", wrap_up=30.0)
    out = arrive(r, "c1", 1.0)
    assert offers(out) == [("c1", "ana")]
    assert states(out) == [("ana", AgentState.RESERVED, None)]
    out = r.handle(OfferAccepted("c1", "ana"), 3.0)
    assert of(ConnectToAgent, out) == [ConnectToAgent("c1", "ana")]
    assert states(out) == [("ana", AgentState.TALKING, None)]
    assert states(r.handle(HoldStarted("c1"), 10.0)) == [("ana", AgentState.ON_HOLD, None)]
    assert states(r.handle(HoldEnded("c1"), 20.0)) == [("ana", AgentState.TALKING, None)]
    out = r.handle(InteractionEnded("c1"), 60.0)
    assert states(out) == [("ana", AgentState.WRAP_UP, None)]
    assert of(InteractionClosed, out)[0].outcome == "answered"
    assert r.next_deadline() == 90.0
    assert states(r.handle(Tick(), 90.0)) == [("ana", AgentState.AVAILABLE, None)]
    snap = r.agent_snapshot("ana")
    assert (snap.handled_today, snap.talk_today) == (1, 57.0)


def test_given_wrap_up_when_agent_ends_it_early_then_available_and_gets_next_call() -> None:
    r = simple("ana", wrap_up=30.0)
    arrive(r, "c1", 0.0)
    answer(r, "c1", 1.0)
    r.handle(InteractionEnded("c1"), 10.0)
    arrive(r, "c2", 11.0)
    out = r.handle(WrapUpEnded("ana"), 12.0)
    assert states(out)[0] == ("ana", AgentState.AVAILABLE, None)
    assert offers(out) == [("c2", "ana")]


def test_given_wrap_up_when_extended_then_it_ends_later() -> None:
    r = simple("ana", wrap_up=30.0)
    arrive(r, "c1", 0.0)
    answer(r, "c1", 1.0)
    r.handle(InteractionEnded("c1"), 10.0)
    out = r.handle(WrapUpExtended("ana", 20.0), 15.0)
    assert of(WrapUpExtendedRecord, out) == [WrapUpExtendedRecord(15.0, "ana", "c1", 60.0)]
    assert r.handle(Tick(), 45.0) == []
    assert r.agent_snapshot("ana").state is AgentState.WRAP_UP
    assert states(r.handle(Tick(), 60.0)) == [("ana", AgentState.AVAILABLE, None)]


def test_given_no_answer_when_ring_times_out_then_agent_missed_and_call_back_first() -> None:
    r = simple("ana", "bob", ring_timeout=10.0)
    r.handle(AgentPaused("bob", "break"), 0.0)
    arrive(r, "c1", 1.0)
    arrive(r, "c2", 2.0)  # waits behind c1
    out = r.handle(Tick(), 11.0)
    assert of(CancelOffer, out) == [CancelOffer("c1", "ana")]
    assert of(OfferCancelled, out)[0].cause == "no_answer"
    assert ("ana", AgentState.NOT_READY, "missed") in states(out)
    # bob comes back: c1 kept its place ahead of c2
    assert offers(r.handle(AgentReadied("bob"), 12.0)) == [("c1", "bob")]


def test_given_offer_when_agent_rejects_then_missed_and_offered_to_next() -> None:
    r = simple("ana", "bob")
    first = offers(arrive(r, "c1", 1.0))[0][1]
    other = "bob" if first == "ana" else "ana"
    out = r.handle(OfferRejected("c1", first), 2.0)
    assert (first, AgentState.NOT_READY, "missed") in states(out)
    assert offers(out) == [("c1", other)]


def test_given_pause_while_talking_then_not_ready_after_the_call_not_before() -> None:
    r = simple("ana")
    arrive(r, "c1", 0.0)
    answer(r, "c1", 1.0)
    assert states(r.handle(AgentPaused("ana", "lunch"), 5.0)) == []
    arrive(r, "c2", 6.0)
    out = r.handle(InteractionEnded("c1"), 10.0)
    assert states(out) == [("ana", AgentState.NOT_READY, "lunch")]
    assert offers(out) == []


def test_given_pause_with_maximum_when_exceeded_then_alert_once() -> None:
    r = simple("ana")
    r.handle(AgentPaused("ana", "break"), 100.0)
    assert r.next_deadline() == 700.0
    out = r.handle(Tick(), 700.0)
    assert out == [PauseLimitExceeded(700.0, "ana", "break", 600.0)]
    assert r.handle(Tick(), 2000.0) == []


def test_given_pause_ended_before_maximum_then_no_alert() -> None:
    r = simple("ana")
    r.handle(AgentPaused("ana", "break"), 0.0)
    r.handle(AgentReadied("ana"), 100.0)
    assert of(PauseLimitExceeded, r.handle(Tick(), 1000.0)) == []


def test_given_unknown_pause_reason_then_error_lists_accepted_reasons() -> None:
    r = simple("ana")
    with pytest.raises(NoSuchPauseReason) as info:
        r.handle(AgentPaused("ana", "nap"), 0.0)
    assert info.value.code == "no-such-pause-reason"
    assert info.value.fields["reason"] == "nap"
    assert "break" in info.value.fields["accepted"]


def test_given_unknown_agent_then_no_such_agent() -> None:
    r = simple("ana")
    with pytest.raises(NoSuchAgent) as info:
        r.handle(AgentReadied("zoe"), 0.0)
    assert info.value.to_dict()["agent"] == "zoe"


def test_given_agent_already_logged_in_when_logging_in_again_then_invalid_transition() -> None:
    r = simple("ana")
    with pytest.raises(InvalidTransition) as info:
        r.handle(AgentLoggedIn("ana"), 1.0)
    assert info.value.code == "invalid-transition"
    assert info.value.fields["state"] == "available"


def test_given_supervisor_forces_logout_while_ringing_then_call_goes_to_other_agent() -> None:
    r = simple("ana", "bob")
    agent = offers(arrive(r, "c1", 1.0))[0][1]
    other = "bob" if agent == "ana" else "ana"
    out = r.handle(AgentLoggedOut(agent, by="supervisor-1"), 2.0)
    assert of(OfferCancelled, out)[0].cause == "agent_left"
    assert offers(out) == [("c1", other)]
    assert r.agent_snapshot(agent).state is AgentState.LOGGED_OUT


def test_given_logout_while_talking_then_logged_out_when_the_call_ends() -> None:
    r = simple("ana")
    arrive(r, "c1", 0.0)
    answer(r, "c1", 1.0)
    r.handle(AgentLoggedOut("ana"), 5.0)
    assert r.agent_snapshot("ana").state is AgentState.TALKING
    out = r.handle(InteractionEnded("c1"), 9.0)
    assert states(out)[-1] == ("ana", AgentState.LOGGED_OUT, None)


def test_given_chat_capacity_three_then_three_chats_at_once_and_not_a_fourth() -> None:
    r = router(
        [QueueConfig("chat", members=("ana",))],
        [AgentConfig("ana", capacity={"chat": 3})],
    )
    r.handle(AgentLoggedIn("ana"), 0.0)
    got = [offers(arrive(r, f"c{i}", float(i), queue="chat", channel="chat")) for i in range(4)]
    assert got[:3] == [[("c0", "ana")], [("c1", "ana")], [("c2", "ana")]]
    assert got[3] == []
    r.handle(OfferAccepted("c0", "ana"), 5.0)
    assert offers(r.handle(InteractionEnded("c0"), 6.0)) == [("c3", "ana")]


def test_given_voice_agent_then_chat_interactions_are_not_offered_to_it() -> None:
    r = simple("ana")
    assert offers(arrive(r, "c1", 0.0, channel="chat")) == []


def test_time_in_each_state_by_reason_is_derivable_from_the_records_alone() -> None:
    r = simple("ana", wrap_up=5.0)
    log: list[object] = []
    log += r.handle(AgentPaused("ana", "break"), 10.0)
    log += r.handle(AgentReadied("ana"), 70.0)
    log += arrive(r, "c1", 100.0)
    log += r.handle(OfferAccepted("c1", "ana"), 104.0)
    log += r.handle(InteractionEnded("c1"), 164.0)
    log += r.handle(Tick(), 200.0)
    changes = of(AgentStateChanged, log)  # type: ignore[arg-type]
    spent: dict[tuple[str, str | None], float] = {}
    for a, b in pairwise(changes):
        key = (a.state.value, a.reason)
        spent[key] = spent.get(key, 0.0) + b.at - a.at
    assert spent == {
        ("not_ready", "break"): 60.0,
        ("available", None): 30.0 + 0.0,
        ("reserved", None): 4.0,
        ("talking", None): 60.0,
        ("wrap_up", None): 5.0,
    }


def test_day_started_resets_todays_counters() -> None:
    r = simple("ana")
    arrive(r, "c1", 0.0)
    answer(r, "c1", 1.0)
    r.handle(InteractionEnded("c1"), 31.0)
    assert r.agent_snapshot("ana").handled_today == 1
    r.handle(DayStarted(), 86400.0)
    snap = r.agent_snapshot("ana")
    assert (snap.handled_today, snap.talk_today) == (0, 0.0)


def test_supervisor_forced_pause_and_logout_name_the_supervisor_in_the_log() -> None:
    r = simple("ana", "bob")
    out = r.handle(AgentPaused("ana", "training", by="sup-7"), 1.0)
    assert [(c.state, c.reason, c.by) for c in of(AgentStateChanged, out)] == [
        (AgentState.NOT_READY, "training", "sup-7")
    ]
    arrive(r, "c1", 2.0)
    answer(r, "c1", 3.0)  # bob is talking
    assert of(AgentStateChanged, r.handle(AgentLoggedOut("bob", by="sup-7"), 4.0)) == []
    out = r.handle(InteractionEnded("c1"), 9.0)
    assert [(c.agent_id, c.state, c.by) for c in of(AgentStateChanged, out)] == [
        ("bob", AgentState.LOGGED_OUT, "sup-7")
    ]
    assert of(AgentStateChanged, r.handle(AgentPaused("ana", "break"), 10.0))[0].by is None
