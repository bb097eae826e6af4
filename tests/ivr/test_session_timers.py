"""The session's own timers, for drivers that send `Tick` instead of timeouts."""

from __future__ import annotations

from ivr_helpers import Call, example

from centralita.core.events import Tick
from centralita.core.ivr import commands as cmd
from centralita.core.ivr.events import DigitsReceived, HttpCompleted, PromptsPlayed

FLOW = example("utility-es.yaml")


def at(call: Call, seconds: float, event) -> list:
    call.last = call.session.handle(event, call.now.timestamp() + seconds)
    call.outputs += call.last
    return call.last


def test_a_question_times_out_its_timeout_after_the_prompts_end():
    call = Call(FLOW)
    call.played()
    assert call.session.next_deadline() is None  # the prompt is still playing
    at(call, 12, PromptsPlayed())
    assert call.session.next_deadline() == call.now.timestamp() + 12 + 5
    assert at(call, 16.9, Tick()) == []
    at(call, 17, Tick())
    assert call.pending().prompts[0].text == "No recibimos ninguna opción."
    assert call.session.next_deadline() is None  # re-armed by the next PromptsPlayed


def test_a_slow_self_service_takes_the_fallback_and_its_late_answer_is_ignored():
    call = Call(FLOW)
    call.played()
    call.press("1")
    at(call, 10, DigitsReceived("12345674"))
    assert isinstance(call.pending(), cmd.HttpRequest)
    assert call.session.next_deadline() == call.now.timestamp() + 10 + 3
    assert at(call, 11, DigitsReceived("9")) == []  # a stray key does not disarm it
    at(call, 13, Tick())
    assert call.visited()[-1] == "balance_unavailable"
    assert call.session.variables["http.error"] == "timeout"
    assert at(call, 14, HttpCompleted(200, '{"balance": 1, "due_date": "2026-01-01"}')) == []


def test_an_answer_in_time_disarms_the_timer():
    call = Call(FLOW)
    call.played()
    at(call, 1, PromptsPlayed())
    call.press("2")
    assert call.session.next_deadline() is None
    assert at(call, 100, Tick()) == []
