"""Property tests: random event sequences against the routing invariants.

Each example builds a small center (strategies, skills, capacities, relaxation,
overflow and escalation drawn at random) and applies a random sequence of agent and
customer actions at random times. After every step the invariants of docs/core.md are
checked from the public snapshots and the outputs alone.
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from random import Random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from centralita.core import (
    AgentConfig,
    PauseReason,
    QueueConfig,
    RelaxStep,
    Router,
    Strategy,
)
from centralita.core.commands import CancelOffer, OfferToAgent
from centralita.core.events import (
    AgentEngaged,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    AgentReleased,
    CallbackRequested,
    CallerHungUp,
    EscalationRequested,
    HoldEnded,
    HoldStarted,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    OfferRejected,
    Tick,
    TransferRequested,
    WrapUpEnded,
)
from centralita.core.records import (
    AgentStateChanged,
    InteractionClosed,
    InteractionOffered,
    InteractionQueued,
    InteractionRelaxed,
    OfferCancelled,
)
from centralita.core.skills import qualifies
from centralita.errors import CentralitaError

SKILLS = ("x", "y")
N_AGENTS = 5

agent_configs = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=2),
        st.sampled_from([{"voice": 1}, {"voice": 1, "chat": 2}, {"chat": 3}]),
    ),
    min_size=N_AGENTS,
    max_size=N_AGENTS,
)

queue_settings = st.fixed_dictionaries(
    {
        "strategy_a": st.sampled_from(list(Strategy)),
        "strategy_b": st.sampled_from(list(Strategy)),
        "members_b": st.lists(st.integers(0, N_AGENTS - 1), unique=True, max_size=N_AGENTS),
        "relax": st.booleans(),
        "max_wait": st.sampled_from([None, 45.0]),
        "wrap_up": st.sampled_from([0.0, 5.0]),
        "ageing": st.sampled_from([None, 20.0]),
    }
)

op = st.tuples(
    st.sampled_from(
        [
            "arrive",
            "arrive",
            "arrive",
            "login",
            "login",
            "logout",
            "pause",
            "ready",
            "accept",
            "accept",
            "accept",
            "reject",
            "hangup",
            "end",
            "end",
            "hold",
            "unhold",
            "wrap_end",
            "transfer",
            "escalate",
            "callback",
            "engage",
            "release",
            "tick",
        ]
    ),
    st.integers(0, 50),  # picks an agent / interaction / queue
    st.sampled_from([5, 5, 5, 1, 10]),  # priority (often equal: FCFS gets tested)
    st.sampled_from([(), (), (("x", 3),), (("y", 2),), (("x", 1), ("y", 4))]),
    st.sampled_from(["voice", "voice", "chat"]),
    st.sampled_from([0.0, 0.0, 1.0, 3.0, 11.0, 30.0]),  # time before this step
)


def build(agents: list[Any], qs: dict[str, Any], seed: int) -> tuple[Router, dict[str, Any]]:
    ids = [f"a{i}" for i in range(N_AGENTS)]
    relax = (RelaxStep(10.0, 2), RelaxStep(25.0, 0)) if qs["relax"] else ()
    members_b = tuple(ids[i] for i in qs["members_b"])
    queues = [
        QueueConfig(
            "A",
            members=tuple(ids),
            strategy=qs["strategy_a"],
            relax=relax,
            ring_timeout=10.0,
            wrap_up=qs["wrap_up"],
            max_wait=qs["max_wait"],
            overflow_queue="B" if qs["max_wait"] else None,
            escalate_to="B",
            ageing_seconds=qs["ageing"],
        ),
        QueueConfig("B", members=members_b, strategy=qs["strategy_b"], ring_timeout=10.0),
    ]
    configs = [AgentConfig(i, skills=s, capacity=c) for i, (s, c) in zip(ids, agents, strict=True)]
    r = Router(
        queues=queues,
        agents=configs,
        pause_reasons=(PauseReason("break", 20.0), PauseReason("missed")),
        rng=Random(seed),
    )
    for agent_id in ids[:-1]:  # the last one logs in only when the sequence says so
        r.handle(AgentLoggedIn(agent_id), 0.0)
    membership = {"A": set(ids), "B": set(members_b)}
    return r, {"queues": {q.id: q for q in queues}, "membership": membership}


def fingerprint(r: Router) -> tuple[Any, ...]:
    return (
        tuple(r.agent_snapshot(a) for a in r.agent_ids()),
        tuple(r.interaction_snapshot(i) for i in r.interaction_ids()),
    )


def check_invariants(r: Router, info: dict[str, Any], out: list[Any]) -> None:
    queues = info["queues"]
    agents = {a: r.agent_snapshot(a) for a in r.agent_ids()}
    inters = [r.interaction_snapshot(i) for i in r.interaction_ids()]
    # capacity: never more legs on a channel than the agent's capacity
    for snap in agents.values():
        for channel, load in snap.load.items():
            assert 0 <= load <= snap.capacity[channel], snap
    # legs (and calls outside the queues) agree between agents and interactions
    for snap in agents.values():
        assert len(snap.interactions) + len(snap.engaged) == sum(snap.load.values()), snap
    for it in inters:
        for agent_id in it.offered_to:
            assert it.interaction_id in agents[agent_id].interactions
        if it.agent_id is not None:
            assert it.interaction_id in agents[it.agent_id].interactions
    # offers go only to agents who take offers (logged in, not paused, not leaving);
    # a timer later in the same call may pause the agent (a missed older offer): skip those
    for index, o in enumerate(out):
        later = out[index + 1 :]
        if isinstance(o, OfferToAgent) and any(
            x.agent_id == o.agent_id
            and (
                (isinstance(x, OfferCancelled) and x.cause in ("no_answer", "rejected"))
                or (isinstance(x, AgentStateChanged) and x.state in ("not_ready", "logged_out"))
            )
            for x in later
            if isinstance(x, OfferCancelled | AgentStateChanged)
        ):
            continue
        if isinstance(o, OfferToAgent) and o.interaction_id in agents[o.agent_id].interactions:
            still_ringing = o.interaction_id in r.interaction_ids() and o.agent_id in (
                r.interaction_snapshot(o.interaction_id).offered_to
            )
            if still_ringing:
                assert agents[o.agent_id].ready, (o, agents[o.agent_id])
    # one offer at a time, except ring-all
    for it in inters:
        if it.queue_id is not None and queues[it.queue_id].strategy is not Strategy.RING_ALL:
            assert len(it.offered_to) <= 1, it
        assert len(set(it.offered_to)) == len(it.offered_to)
        if it.state != "offered":
            assert it.offered_to == ()
    # work conservation: no free qualified agent while a qualified interaction waits
    for it in inters:
        if it.state != "waiting" or it.target_agent is not None:
            continue
        for agent_id, snap in agents.items():
            free = (
                snap.ready
                and snap.load.get(it.channel, 0) < snap.capacity.get(it.channel, 0)
                and agent_id in info["membership"][it.queue_id]
                and qualifies(r.agent_skills(agent_id), it.required)
            )
            assert not free, f"{agent_id} is free while {it} waits"
    # FCFS within a priority: an offered interaction had no older equal waiting (one
    # whose requirement changed later in the same call was not equal at offer time)
    relaxed = {o.interaction_id for o in out if isinstance(o, InteractionRelaxed)}
    waiting = [
        i
        for i in inters
        if i.state == "waiting" and i.target_agent is None and i.interaction_id not in relaxed
    ]
    # one Tick may fire timers of several instants: an interaction whose own offer was
    # still ringing when another was offered (cancelled later) was not waiting then
    offered_at = {
        (o.interaction_id, o.agent_id): o.at for o in out if isinstance(o, InteractionOffered)
    }
    cancelled_at: dict[str, float] = {}
    for o in out:
        if isinstance(o, OfferCancelled):
            cancelled_at[o.interaction_id] = max(o.at, cancelled_at.get(o.interaction_id, o.at))
    for o in out:
        if not isinstance(o, OfferToAgent) or o.interaction_id not in r.interaction_ids():
            continue
        offered = r.interaction_snapshot(o.interaction_id)
        if offered.target_agent is not None or offered.state != "offered":
            continue
        at = offered_at[(o.interaction_id, o.agent_id)]
        for w in waiting:
            if cancelled_at.get(w.interaction_id, at) > at:
                continue  # it was ringing an agent when this offer was made
            if (w.queue_id, w.priority, w.required, w.channel) == (
                offered.queue_id,
                offered.priority,
                offered.required,
                offered.channel,
            ) and queues[w.queue_id].ageing_seconds is None:
                assert w.enqueued_at >= offered.enqueued_at, (w, offered)


class Projection:
    """What a wallboard rebuilds from the records alone; must match fresh snapshots."""

    def __init__(self, r: Router) -> None:
        self.agents = {
            a: (r.agent_snapshot(a).state, r.agent_snapshot(a).reason) for a in r.agent_ids()
        }
        self.open: set[str] = set(r.interaction_ids())

    def check(self, r: Router, out: list[Any]) -> None:
        for o in out:
            if isinstance(o, AgentStateChanged):
                assert (o.state, o.reason) != self.agents[o.agent_id], f"no-op record {o}"
                self.agents[o.agent_id] = (o.state, o.reason)
            elif isinstance(o, InteractionQueued):
                self.open.add(o.interaction_id)
            elif isinstance(o, InteractionClosed):
                self.open.remove(o.interaction_id)
        for agent_id, seen in self.agents.items():
            snap = r.agent_snapshot(agent_id)
            assert seen == (snap.state, snap.reason), (agent_id, seen, snap)
        assert self.open == set(r.interaction_ids())


def step(r: Router, kind: str, k: int, prio: int, skills: Any, channel: str, n: int) -> Any:
    agent_ids = r.agent_ids()
    agent = agent_ids[k % len(agent_ids)]
    inters = [r.interaction_snapshot(i) for i in r.interaction_ids()]
    pick = inters[k % len(inters)] if inters else None
    ringing = [(i.interaction_id, a) for i in inters for a in i.offered_to]
    offer = ringing[k % len(ringing)] if ringing else None
    if kind == "arrive":
        q = "A" if k % 3 else "B"
        return InteractionArrived(f"c{n}", channel=channel, queue=q, priority=prio, skills=skills)
    if kind == "login":
        return AgentLoggedIn(agent)
    if kind == "logout":
        return AgentLoggedOut(agent, by="sup" if k % 2 else None)
    if kind == "pause":
        return AgentPaused(agent, "break")
    if kind == "ready":
        return AgentReadied(agent)
    if kind == "wrap_end":
        return WrapUpEnded(agent)
    if kind == "tick":
        return Tick()
    if kind == "engage":  # consulted by a colleague (refused if busy or absent)
        return AgentEngaged(agent, f"e{n}", channel)
    if kind == "release":  # mostly a real engagement, sometimes an unknown one
        engaged = [(a, ref) for a in agent_ids for ref in r.agent_snapshot(a).engaged]
        return AgentReleased(*engaged[k % len(engaged)] if engaged else (agent, f"e{n}"))
    if kind in ("accept", "reject"):
        if offer is None:
            return Tick()
        return (OfferAccepted if kind == "accept" else OfferRejected)(*offer)
    if pick is None:
        return Tick()
    iid = pick.interaction_id
    return {
        "hangup": lambda: CallerHungUp(iid),
        "end": lambda: InteractionEnded(iid),
        "hold": lambda: HoldStarted(iid),
        "unhold": lambda: HoldEnded(iid),
        "transfer": lambda: TransferRequested(iid, queue="B" if k % 2 else "A"),
        "escalate": lambda: EscalationRequested(iid),
        "callback": lambda: CallbackRequested(iid),
    }[kind]()


def drain(r: Router, now: float, outputs: list[Any]) -> float:
    """End everything: callers in queue hang up, conversations end, timers run out."""
    for _ in range(100):
        ids = r.interaction_ids()
        if not ids:
            break
        for iid in ids:
            if iid in r.interaction_ids():
                outputs += r.handle(CallerHungUp(iid), now)
        now += 1.0
    while (deadline := r.next_deadline()) is not None:
        now = max(now, deadline)
        outputs += r.handle(Tick(), now)
    return now


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agent_configs, queue_settings, st.lists(op, min_size=30, max_size=80), st.integers(0, 2**16))
def test_random_event_sequences_keep_the_routing_invariants(
    agents: list[Any], qs: dict[str, Any], ops: list[Any], seed: int
) -> None:
    r, info = build(agents, qs, seed)
    now = 0.0
    outputs: list[Any] = []
    projection = Projection(r)
    for n, (kind, k, prio, skills, channel, dt) in enumerate(ops):
        now += dt
        out = r.handle(Tick(), now)
        check_invariants(r, info, out)
        projection.check(r, out)
        outputs += out
        event = step(r, kind, k, prio, skills, channel, n)
        before = fingerprint(r)
        try:
            out = r.handle(event, now)
        except CentralitaError:
            assert fingerprint(r) == before, f"refused {event} but state changed"
            continue
        check_invariants(r, info, out)
        projection.check(r, out)
        outputs += out
    drain(r, now, outputs)
    assert r.interaction_ids() == ()
    arrived = {o.interaction_id for o in outputs if isinstance(o, OfferToAgent)}
    closed = Counter(o.interaction_id for o in outputs if isinstance(o, InteractionClosed))
    arrivals = {f"c{n}" for n, o in enumerate(ops) if o[0] == "arrive"}
    assert set(closed) <= arrivals
    assert all(count == 1 for count in closed.values()), closed
    assert arrived <= set(closed)
    # every arrival that was accepted by the router got exactly one outcome
    accepted = {
        o.interaction_id
        for o in outputs
        if type(o).__name__ in ("InteractionQueued", "InteractionClosed")
    }
    assert accepted == set(closed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agent_configs, queue_settings, st.lists(op, min_size=30, max_size=60), st.integers(0, 2**16))
def test_every_offer_is_answered_cancelled_or_still_ringing(
    agents: list[Any], qs: dict[str, Any], ops: list[Any], seed: int
) -> None:
    r, _ = build(agents, qs, seed)
    now = 0.0
    live: Counter[tuple[str, str]] = Counter()
    for n, (kind, k, prio, skills, channel, dt) in enumerate(ops):
        now += dt
        out = r.handle(Tick(), now)
        event = step(r, kind, k, prio, skills, channel, n)
        with suppress(CentralitaError):
            out += r.handle(event, now)
        for o in out:
            if isinstance(o, OfferToAgent):
                live[(o.interaction_id, o.agent_id)] += 1
                assert live[(o.interaction_id, o.agent_id)] == 1
            elif isinstance(o, CancelOffer):
                live[(o.interaction_id, o.agent_id)] -= 1
                assert live[(o.interaction_id, o.agent_id)] == 0
        if isinstance(event, OfferAccepted):
            live[(event.interaction_id, event.agent_id)] -= 1
        ringing = {
            (i, a) for i in r.interaction_ids() for a in r.interaction_snapshot(i).offered_to
        }
        assert ringing == {key for key, count in live.items() if count}
