"""Invariants of the interpreter under any sequence of caller and adapter events."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from ivr_helpers import MONDAY_10AM, SUNDAY_10AM, example

from centralita.core.ivr import commands as cmd
from centralita.core.ivr.events import (
    CallerHungUp,
    DigitsReceived,
    HttpCompleted,
    HttpFailed,
    InputTimedOut,
    PlaybackFinished,
    SpeechRecognized,
)
from centralita.core.ivr.records import OUTCOMES, IvrEnded, IvrNodeVisited
from centralita.core.ivr.session import Caller, IvrSession

FLOWS = [example("utility-es.yaml"), example("card-en.yaml")]
TERMINAL = (cmd.Enqueue, cmd.Transfer, cmd.Voicemail, cmd.Hangup)

events = st.one_of(
    st.builds(DigitsReceived, st.from_regex(r"[0-9*#]{1,17}", fullmatch=True)),
    st.builds(
        SpeechRecognized,
        st.sampled_from(["uno", "one", "dos", "saldo", "balance", "no", "yes", "hola", ""]),
        st.floats(0, 1),
    ),
    st.just(InputTimedOut()),
    st.just(PlaybackFinished()),
    st.builds(
        HttpCompleted,
        st.sampled_from([200, 404, 500]),
        st.sampled_from(
            ['{"balance": 1, "due_date": "2026-01-01", "minimum_payment": 2}', "{}", "x"]
        ),
    ),
    st.builds(HttpFailed, st.just("timeout")),
    st.just(CallerHungUp()),
)


@settings(max_examples=150, deadline=None)
@given(
    flow=st.sampled_from(FLOWS),
    now=st.sampled_from([MONDAY_10AM, SUNDAY_10AM]),
    voice=st.booleans(),
    steps=st.lists(events, max_size=40),
)
def test_a_call_ends_at_most_once_and_always_when_the_caller_hangs_up(flow, now, voice, steps):
    session = IvrSession(
        flow, Caller("p", "+573001234567", "6015550100", input="voice" if voice else None)
    )
    outputs = list(session.start(now))
    for event in steps:
        if session.finished:
            assert session.handle(event, now) == []
            continue
        outputs += session.handle(event, now)
    if not session.finished:
        outputs += session.handle(CallerHungUp(), now)
    ends = [o for o in outputs if isinstance(o, IvrEnded)]
    assert len(ends) == 1
    assert ends[0].outcome in OUTCOMES
    assert outputs[-1] is ends[0]  # nothing follows the end
    assert all(o.node in flow.nodes for o in outputs if isinstance(o, IvrNodeVisited))
    terminals = [o for o in outputs if isinstance(o, TERMINAL)]
    assert len(terminals) <= 1
    if terminals:
        assert outputs[-2] is terminals[0]
    assert (ends[0].outcome == "abandoned_ivr") <= (not terminals)
