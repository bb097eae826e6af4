"""Property: a projection kept up to date batch by batch (its memory stored as JSON and
read back between batches, as the follower does) equals one pass over the whole stream."""

from __future__ import annotations

import contextlib
import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from report_helpers import Center, queue_config

from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    CallerHungUp,
    HoldEnded,
    HoldStarted,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    OfferRejected,
    TransferRequested,
)
from centralita.errors import CentralitaError
from centralita.reports.projector import MAX_WAIT, Delta, Projector

AGENTS = ("1", "2", "3")
CALLS = tuple(f"c{i}" for i in range(8))

_accept = st.tuples(st.just("accept"), st.sampled_from(CALLS), st.sampled_from(AGENTS))
action = st.one_of(
    st.tuples(st.just("arrive"), st.sampled_from(CALLS), st.sampled_from(("10", "11"))),
    _accept,
    _accept,
    _accept,
    st.tuples(st.just("end"), st.sampled_from(CALLS)),
    st.tuples(st.just("login"), st.sampled_from(AGENTS)),
    st.tuples(st.just("logout"), st.sampled_from(AGENTS)),
    st.tuples(st.just("pause"), st.sampled_from(AGENTS)),
    st.tuples(st.just("ready"), st.sampled_from(AGENTS)),
    st.tuples(st.just("arrive"), st.sampled_from(CALLS), st.sampled_from(("10", "11"))),
    st.tuples(st.just("accept"), st.sampled_from(CALLS), st.sampled_from(AGENTS)),
    st.tuples(st.just("reject"), st.sampled_from(CALLS), st.sampled_from(AGENTS)),
    st.tuples(st.just("hangup"), st.sampled_from(CALLS)),
    st.tuples(st.just("end"), st.sampled_from(CALLS)),
    st.tuples(st.just("hold"), st.sampled_from(CALLS)),
    st.tuples(st.just("unhold"), st.sampled_from(CALLS)),
    st.tuples(st.just("transfer"), st.sampled_from(CALLS), st.sampled_from(("10", "11"))),
)


def _event(a: tuple[str, ...]) -> object:
    kind, *args = a
    return {
        "login": lambda: AgentLoggedIn(args[0]),
        "logout": lambda: AgentLoggedOut(args[0]),
        "pause": lambda: AgentPaused(args[0], "break"),
        "ready": lambda: AgentReadied(args[0]),
        "arrive": lambda: InteractionArrived(args[0], queue=args[1]),
        "accept": lambda: OfferAccepted(args[0], args[1]),
        "reject": lambda: OfferRejected(args[0], args[1]),
        "hangup": lambda: CallerHungUp(args[0]),
        "end": lambda: InteractionEnded(args[0]),
        "hold": lambda: HoldStarted(args[0]),
        "unhold": lambda: HoldEnded(args[0]),
        "transfer": lambda: TransferRequested(args[0], queue=args[1]),
    }[kind]()


def stream(steps: list[tuple[tuple[str, ...], float]]) -> list:
    c = Center(
        [
            queue_config("10", AGENTS[:2], wrap_up=20.0, max_wait=300.0, overflow_queue="11"),
            queue_config("11", AGENTS[1:], wrap_up=5.0),
        ],
        list(AGENTS),
    )
    for agent in AGENTS[:2]:
        c.at(0, AgentLoggedIn(agent))
    t = 0.0
    for a, gap in steps:
        t += gap
        if a[0] in ("accept", "reject", "end", "hold", "unhold", "transfer", "hangup"):
            # mostly act on a call that exists, and accept as the agent offered it
            live = sorted(c.router.interactions)
            if live:
                iid = live[CALLS.index(a[1]) % len(live)]
                offered = c.router.interaction_snapshot(iid).offered_to
                a = (a[0], iid, offered[0] if offered and a[0] != "transfer" else a[-1])
        # not valid now: the router refuses it and records nothing
        with contextlib.suppress(CentralitaError):
            c.at(t, _event(a))
    c.tick(t + 3600)
    return c.events


def merge(into: Delta, other: Delta) -> None:
    """Add `other` into `into` the way the tables' upserts do: counters add up, the
    longest wait is the larger one, a log-out fills its session."""

    def add_rows(mine: dict, theirs: dict, largest: int | None = None) -> None:
        for key, row in theirs.items():
            cell = mine.setdefault(key, [0.0] * len(row))
            for i, v in enumerate(row):
                cell[i] = max(cell[i], v) if i == largest else cell[i] + v

    add_rows(into.queues, other.queues, MAX_WAIT)
    add_rows(into.agents, other.agents)
    add_rows(into.ivr, other.ivr)
    for pause, seconds in other.pauses.items():
        into.pauses[pause] = into.pauses.get(pause, 0.0) + seconds
    for session, out in other.sessions.items():
        if out is not None or session not in into.sessions:
            into.sessions[session] = out
    into.calls.extend(other.calls)


def rounded(d: Delta) -> tuple:
    def r(row):
        return [round(v, 6) for v in row]

    calls = sorted(
        (json.dumps({k: round(v, 6) if isinstance(v, float) else v for k, v in c.items()}))
        for c in d.calls
    )
    return (
        {k: r(v) for k, v in d.queues.items() if any(v)},
        {k: r(v) for k, v in d.agents.items() if any(v)},
        {k: round(v, 6) for k, v in d.pauses.items()},
        d.sessions,
        calls,
        d.ivr,
    )


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(
        st.tuples(action, st.sampled_from((0.5, 2.0, 5.0, 10.0, 30.0, 120.0))),
        min_size=10,
        max_size=120,
    ),
    cuts=st.lists(st.integers(0, 400), max_size=6),
)
def test_incremental_projection_equals_a_rebuild(steps, cuts):
    events = stream(steps)
    whole = Projector({10: 20.0, 11: 30.0})
    for e in events:
        whole.apply(*e)

    merged = Delta()
    state: dict | None = None
    bounds = sorted({0, len(events), *(c % (len(events) + 1) for c in cuts)})
    for lo, hi in itertools.pairwise(bounds):
        p = Projector({10: 20.0, 11: 30.0}, state=state)
        for e in events[lo:hi]:
            p.apply(*e)
        merge(merged, p.take())
        state = json.loads(json.dumps(p.state()))

    assert rounded(merged) == rounded(whole.take())
    assert json.loads(json.dumps(whole.state())) == (state or whole.state())
