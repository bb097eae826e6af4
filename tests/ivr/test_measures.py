"""IVR measures from the records of a few calls walked through the example flow."""

from __future__ import annotations

import itertools

import pytest
from ivr_helpers import SUNDAY_10AM, Call, example

from centralita.core.ivr.events import CallerHungUp, HttpCompleted
from centralita.core.ivr.measures import measure

FLOW = example("utility-es.yaml")
CALL_IDS = itertools.count(1)


def at_menu(**kwargs) -> Call:
    call = Call(FLOW, call_id=f"c{next(CALL_IDS)}", **kwargs)
    call.played()
    return call


def day_of_calls() -> list[object]:
    records: list[object] = []
    # 1: balance heard, then hangs up: self-served
    c = at_menu()
    c.press("1")
    c.press("12345674")
    c.send(HttpCompleted(200, '{"balance": 10, "due_date": "2026-12-01"}'))
    c.played()
    c.send(CallerHungUp())
    records += c.outputs
    # 2 and 3: hang up in the main menu, one after a wrong key: IVR abandons
    for keys in ([], ["7"]):
        c = at_menu()
        for key in keys:
            c.press(key)
        c.send(CallerHungUp())
        records += c.outputs
    # 4: queued for payments
    c = at_menu()
    c.press("2")
    c.press("2")
    records += c.outputs
    # 5: Sunday: closed, rejected
    c = Call(FLOW, now=SUNDAY_10AM, call_id="sunday")
    c.played()
    c.played()
    records += c.outputs
    return records


def test_outcomes_rates_and_where_callers_leave():
    m = measure(day_of_calls())["utility-es"]
    assert m.calls == 5 and m.ended == 5
    assert m.outcomes == {"self_served": 1, "abandoned_ivr": 2, "queued": 1, "rejected": 1}
    assert m.self_service_rate == pytest.approx(1 / 4)  # rejected calls are left out
    assert m.abandon_rate == pytest.approx(2 / 4)
    assert m.abandons_by_node() == [("main_menu", 2)]
    assert m.exits[("after_balance", "self_served")] == 1
    assert m.visits["welcome"] == 5
    assert m.visits["main_menu"] == 4  # a wrong key re-asks without a new visit


def test_calls_still_in_the_ivr_count_as_entered_not_ended():
    c = at_menu()
    m = measure(c.outputs)["utility-es"]
    assert (m.calls, m.ended, m.self_service_rate) == (1, 0, None)
