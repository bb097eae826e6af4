"""The report projector on small event streams from the real router, figures by hand."""

from __future__ import annotations

import pytest
from report_helpers import T0, TENANT, Center, project, queue_config

from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    CallerHungUp,
    HoldEnded,
    HoldStarted,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    TransferRequested,
)
from centralita.reports.projector import AGENT_FIELDS, QUEUE_FIELDS, SLOT_SECONDS, slot_of

S0 = slot_of(T0)


def q(p, queue: int, slot: int) -> dict[str, float]:
    row = p.delta.queues.get((TENANT, queue, slot), [0.0] * len(QUEUE_FIELDS))
    return {k: v for k, v in zip(QUEUE_FIELDS, row, strict=True) if v}


def a(p, agent: int, slot: int) -> dict[str, float]:
    row = p.delta.agents.get((TENANT, agent, slot), [0.0] * len(AGENT_FIELDS))
    return {k: v for k, v in zip(AGENT_FIELDS, row, strict=True) if v}


def test_answered_call_with_hold_and_wrap_up_then_ring_no_answer_and_abandon_at_a_slot_edge():
    c = Center([queue_config("10", ("1",), wrap_up=10.0, ring_timeout=15.0)], ["1"])
    c.at(0, AgentLoggedIn("1"))
    c.at(100, InteractionArrived("c1", queue="10"))  # offered at once
    c.at(105, OfferAccepted("c1", "1"))
    c.at(400, HoldStarted("c1"))
    c.at(460, HoldEnded("c1"))
    c.at(700, InteractionEnded("c1"))  # wrap-up to 710
    c.at(900, InteractionArrived("c2", queue="10"))  # exactly on the next slot's edge
    c.at(960, CallerHungUp("c2"))  # rang 900-915 unanswered (RONA), waited to 960
    c.at(1000, AgentLoggedOut("1"))
    p = project(c.events, {10: 20.0})

    assert q(p, 10, S0) == {
        "offered": 1,
        "answered": 1,
        "answered_within": 1,
        "wait_answered": 5.0,
        "max_wait": 5.0,
        "handled": 1,
        "talk": 700 - 105 - 60,
        "hold": 60.0,
        "wrap": 10.0,
    }
    assert q(p, 10, S0 + 1) == {
        "offered": 1,
        "abandoned": 1,
        "wait_abandoned": 60.0,
        "max_wait": 60.0,
        "rona": 1,
    }
    assert a(p, 1, S0) == {
        "available": 100 + (900 - 710),
        "reserved": 5.0,
        "talking": (400 - 105) + (700 - 460),
        "on_hold": 60.0,
        "wrap_up": 10.0,
        "offers": 1,
        "answered": 1,
    }
    assert a(p, 1, S0 + 1) == {"reserved": 15.0, "not_ready": 85.0, "offers": 1, "rona": 1}
    assert p.delta.pauses == {(TENANT, 1, S0 + 1, "missed"): 85.0}
    assert p.delta.sessions == {(TENANT, 1, T0): T0 + 1000}
    cdr = {r["interaction_id"]: r for r in p.delta.calls}
    assert (cdr["c1"]["outcome"], cdr["c1"]["talk_seconds"], cdr["c1"]["wrap_seconds"]) == (
        "answered",
        535.0,
        10.0,
    )
    assert (cdr["c2"]["outcome"], cdr["c2"]["wait_seconds"], cdr["c2"]["answered_at"]) == (
        "abandoned",
        60.0,
        None,
    )
    assert not p.calls and not p.agents and not p.wrapping


def test_state_spans_split_exactly_at_slot_edges():
    c = Center([queue_config("10", ("1",))], ["1"])
    c.at(850, AgentLoggedIn("1"))
    c.at(2 * SLOT_SECONDS + 30, AgentLoggedOut("1"))
    p = project(c.events)
    assert [a(p, 1, S0 + k).get("available") for k in range(3)] == [50.0, 900.0, 30.0]


def test_short_abandon_and_a_call_that_waited_count_apart():
    c = Center([queue_config("10", ("1",), short_abandon=5.0)], ["1"])
    c.at(0, InteractionArrived("short", queue="10"))  # nobody logged in: waits
    c.at(3, CallerHungUp("short"))
    c.at(10, InteractionArrived("long", queue="10"))
    c.at(40, AgentLoggedIn("1"))  # offered after 30 s of waiting
    c.at(45, OfferAccepted("long", "1"))
    c.at(100, InteractionEnded("long"))
    p = project(c.events, {10: 20.0})
    row = q(p, 10, S0)
    assert row["short_abandoned"] == 1 and "abandoned" not in row
    assert row["offered"] == 2 and row["answered"] == 1
    assert "answered_within" not in row  # answered after 35 s > 20 s
    assert row["waited"] == 2  # neither found a free agent on entering
    assert row["wait_answered"] == 35.0 and row["wait_abandoned"] == 3.0


def test_overflow_counts_out_of_the_first_queue_and_into_the_second():
    c = Center(
        [
            queue_config("10", ("1",), max_wait=60.0, overflow_queue="11"),
            queue_config("11", ("2",)),
        ],
        ["1", "2"],
    )
    c.at(0, AgentLoggedIn("2"))
    c.at(0, InteractionArrived("busy", queue="11"))  # keeps agent 2 busy until 80
    c.at(5, OfferAccepted("busy", "2"))
    c.at(10, InteractionArrived("c", queue="10"))  # agent 1 logged out: waits, overflows
    c.at(80, InteractionEnded("busy"))
    c.at(85, OfferAccepted("c", "2"))
    c.at(200, InteractionEnded("c"))
    p = project(c.events, {10: 20.0, 11: 20.0})
    first, second = q(p, 10, S0), q(p, 11, S0)
    assert (first["offered"], first["overflowed_out"], first.get("answered")) == (1, 1, None)
    assert second["overflowed_in"] == 1 and second["offered"] == 2 and second["answered"] == 2
    cdr = {r["interaction_id"]: r for r in p.delta.calls}["c"]
    assert (cdr["first_queue_id"], cdr["last_queue_id"], cdr["overflows"]) == (10, 11, 1)
    assert [leg["outcome"] for leg in cdr["legs"]] == ["overflowed", "answered"]


def test_a_transferred_call_is_answered_in_both_queues_and_handled_by_both_agents():
    c = Center(
        [queue_config("10", ("1",), wrap_up=5.0), queue_config("11", ("2",), wrap_up=7.0)],
        ["1", "2"],
    )
    c.at(0, AgentLoggedIn("1"))
    c.at(0, AgentLoggedIn("2"))
    c.at(10, InteractionArrived("c", queue="10"))
    c.at(12, OfferAccepted("c", "1"))
    c.at(72, TransferRequested("c", queue="11"))  # agent 1 to wrap-up until 77
    c.at(75, OfferAccepted("c", "2"))
    c.at(175, InteractionEnded("c"))  # agent 2 wraps up until 182
    c.tick(300)
    p = project(c.events, {10: 20.0, 11: 20.0})
    assert q(p, 10, S0) == {
        "offered": 1,
        "answered": 1,
        "answered_within": 1,
        "wait_answered": 2.0,
        "max_wait": 2.0,
        "handled": 1,
        "talk": 60.0,
        "wrap": 5.0,
    }
    assert q(p, 11, S0) == {
        "offered": 1,
        "answered": 1,
        "answered_within": 1,
        "transferred_in": 1,
        "wait_answered": 3.0,
        "max_wait": 3.0,
        "handled": 1,
        "talk": 100.0,
        "wrap": 7.0,
    }
    (cdr,) = p.delta.calls
    assert (cdr["transfers"], cdr["talk_seconds"], cdr["wrap_seconds"]) == (1, 160.0, 12.0)
    assert cdr["agent_id"] == 2 and cdr["wait_seconds"] == 5.0


def test_center_restart_closes_open_agents_and_calls():
    c = Center([queue_config("10", ("1",))], ["1"])
    c.at(0, AgentLoggedIn("1"))
    c.at(10, InteractionArrived("c", queue="10"))
    c.at(12, OfferAccepted("c", "1"))
    p = project(c.events)
    p.apply("center.started", T0 + 50, TENANT, None, None, {})
    assert a(p, 1, S0)["talking"] == 38.0
    assert p.delta.sessions == {(TENANT, 1, T0): T0 + 50}
    assert [r["outcome"] for r in p.delta.calls] == ["lost"]
    assert not p.agents and not p.calls


def test_ivr_visits_and_exits_by_node():
    from centralita.reports.projector import Projector

    p = Projector()
    p.apply("ivr.node_visited", T0 + 1, TENANT, None, None, {"flow": "f", "node": "menu"})
    p.apply("ivr.node_visited", T0 + 5, TENANT, None, None, {"flow": "f", "node": "menu"})
    p.apply(
        "ivr.ended",
        T0 + 9,
        TENANT,
        None,
        None,
        {"flow": "f", "node": "menu", "outcome": "abandoned_ivr"},
    )
    assert p.delta.ivr == {(TENANT, "f", "menu", S0): [2, 1, 0, 0, 0, 0, 0]}


@pytest.mark.parametrize("kind", ["acd.interaction_queued", "user.signed_in"])
def test_events_without_a_tenant_or_of_other_kinds_change_nothing(kind):
    from centralita.reports.projector import Projector

    p = Projector()
    p.apply(kind, T0, None, "x", None, {"queue_id": "10", "arrived_at": T0})
    p.apply("user.signed_in", T0, TENANT, None, 1, {})
    assert not p.take() and not p.calls
