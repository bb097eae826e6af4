"""Routing benchmark: a sustained load near 97 % utilisation on the real `Router`.

A small discrete-event loop on virtual time feeds the router: Poisson arrivals over
`queues` queues, each requiring its skill at level 3 (relaxed to 2 after 10 s and to any
member after 20 s), exponential talk times, a 1 s answer delay, 5 s wrap-up, some
callers abandon. The first 900 simulated seconds (ramp-up from an idle center)
are not measured. Agents hold 1–3 skills (levels 1–5) and belong to those queues. The
wall clock times every `Router.handle` call; a routing decision is one `OfferToAgent`.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import math
import time
from random import Random
from typing import Any

from centralita.core import AgentConfig, QueueConfig, RelaxStep, Router, native
from centralita.core.commands import CancelOffer, OfferToAgent
from centralita.core.events import (
    AgentLoggedIn,
    CallerHungUp,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    Tick,
)
from centralita.core.records import InteractionAnswered, InteractionClosed

TALK_MEAN = 180.0
WRAP = 5.0
ANSWER_DELAY = 1.0
PATIENCE_MEAN = 600.0
UTILISATION = 0.97
WARM_UP = 900.0  # simulated seconds before measuring (five mean handle times)

ARRIVE, ACCEPT, END, HANGUP = 0, 1, 2, 3


def build(agents: int, queues: int, rng: Random) -> Router:
    queue_ids = [f"q{i:03d}" for i in range(queues)]
    members: dict[str, list[str]] = {q: [] for q in queue_ids}
    configs = []
    for i in range(agents):
        agent_id = f"a{i:05d}"
        skills = {q: rng.randint(1, 5) for q in rng.sample(queue_ids, rng.randint(1, 3))}
        for q in skills:
            members[q].append(agent_id)
        configs.append(AgentConfig(agent_id, skills=skills))
    relax = (RelaxStep(10.0, 2), RelaxStep(20.0, 0))
    qconfs = [
        QueueConfig(q, members=tuple(members[q]), wrap_up=WRAP, relax=relax, ring_timeout=20.0)
        for q in queue_ids
    ]
    return Router(queues=qconfs, agents=configs, rng=rng)


class _World:
    """The benchmark's callers and phones around a router: Poisson arrivals over the
    queues, each asking its queue's skill at level 3; answers `ANSWER_DELAY` after an
    offer; exponential talk times; callers who give up waiting. `next` is the next event
    for the router and its time (None: nothing left), `observe` reads what the router
    returned and schedules what follows (its random draws in a fixed order: a seed gives
    one run)."""

    def __init__(self, router: Router, rng: Random, agents: int) -> None:
        self.router = router
        self.rng = rng
        self.queue_ids = router.queue_ids()
        self.rate = UTILISATION * agents / (TALK_MEAN + WRAP + ANSWER_DELAY)  # arrivals/s
        self.pending: list[tuple[float, int, int, str]] = []
        self.seq = 0
        self.counter = 0
        self.ringing: set[str] = set()  # "agent|interaction" offers not yet answered
        self.connected: set[str] = set()
        self.alive: set[str] = set()
        self.answered = 0
        self.abandoned = 0
        self.schedule(rng.expovariate(self.rate), ARRIVE, "")

    def schedule(self, at: float, kind: int, iid: str) -> None:
        self.seq += 1
        heapq.heappush(self.pending, (at, self.seq, kind, iid))

    def next(self) -> tuple[float, Any] | None:
        rng = self.rng
        pending = self.pending
        while True:
            deadline = self.router.next_deadline()
            if not pending or (deadline is not None and pending[0][0] > deadline):
                return None if deadline is None else (deadline, Tick())
            at, _, kind, iid = heapq.heappop(pending)
            if kind == ARRIVE:
                self.counter += 1
                iid = f"c{self.counter}"
                q = self.queue_ids[rng.randrange(len(self.queue_ids))]
                self.alive.add(iid)
                self.schedule(at + rng.expovariate(1 / PATIENCE_MEAN), HANGUP, iid)
                self.schedule(at + rng.expovariate(self.rate), ARRIVE, "")
                return at, InteractionArrived(iid, queue=q, skills=((q, 3),))
            if kind == ACCEPT:
                if iid not in self.ringing:
                    continue  # the offer was cancelled meanwhile (caller left)
                self.ringing.discard(iid)
                agent_id, iid = iid.split("|")
                return at, OfferAccepted(iid, agent_id)
            if kind == END:
                self.connected.discard(iid)
                return at, InteractionEnded(iid)
            if iid in self.connected or iid not in self.alive:
                continue  # patience only matters while waiting
            return at, CallerHungUp(iid)

    def observe(self, out: list[Any], at: float) -> int:
        """Follow what the router returned at `at`; returns the offers made."""
        made = 0
        for o in out:
            if type(o) is OfferToAgent:
                made += 1
                key = f"{o.agent_id}|{o.interaction_id}"
                self.ringing.add(key)
                self.schedule(at + ANSWER_DELAY, ACCEPT, key)
            elif type(o) is CancelOffer:
                self.ringing.discard(f"{o.agent_id}|{o.interaction_id}")
            elif type(o) is InteractionAnswered:
                self.answered += 1
                self.connected.add(o.interaction_id)
                self.schedule(at + self.rng.expovariate(1 / TALK_MEAN), END, o.interaction_id)
            elif type(o) is InteractionClosed:
                self.alive.discard(o.interaction_id)
                self.abandoned += o.outcome.value.endswith("abandoned")
        return made


def replay(
    events: int, agents: int = 1000, queues: int = 20, seed: int = 1, check: bool = False
) -> tuple[int, int, str]:
    """The benchmark's world bounded by a number of `Router.handle` calls instead of
    wall-clock time, so that two runs execute exactly the same events (instruction counts,
    behaviour digests, the compiled core's profile-guided build): the 900 s ramp-up, then
    `events` calls. Returns (events, offers, digest of every output if `check`: hashing
    the outputs costs instructions of its own)."""
    rng = Random(seed)
    router = build(agents, queues, rng)
    digest = hashlib.sha256()
    for agent_id in router.agent_ids():
        out = router.handle(AgentLoggedIn(agent_id), 0.0)
        if check:
            digest.update(repr(out).encode())
    world = _World(router, rng, agents)
    measured = offers = 0
    handle = router.handle
    while (step := world.next()) is not None:
        at, event = step
        if at >= WARM_UP:
            if measured == events:
                break
            measured += 1
        out = handle(event, at)
        if check:
            digest.update(repr(out).encode())
        made = world.observe(out, at)
        if at >= WARM_UP:
            offers += made
    return measured, offers, digest.hexdigest()[:16]


def _percentile(sorted_values: list[int], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, math.ceil(fraction * len(sorted_values)) - 1)
    return sorted_values[max(0, index)] / 1000.0


class SelectionTimer:
    """Times the router's two selection steps (the matching itself, heap pops with lazy
    deletion included) by wrapping them on the instance; the core stays clock-free.
    A compiled core (`make native`) has no instance methods to wrap: `available` is
    then False and no sample is taken."""

    def __init__(self, router: Router) -> None:
        self.on = False
        self.samples: list[int] = []
        self.available = not native.is_compiled()
        if not self.available:
            return
        clock = time.perf_counter_ns
        take_agents = router._take_agents
        best_waiting = router._best_waiting
        samples = self.samples

        def timed_take(pool: Any) -> Any:
            t0 = clock()
            found = take_agents(pool)
            t = clock() - t0
            if found and self.on:
                samples.append(t)
            return found

        def timed_best(slot: Any) -> Any:
            t0 = clock()
            found = best_waiting(slot)
            t = clock() - t0
            if found is not None and self.on:
                samples.append(t)
            return found

        router._take_agents = timed_take  # type: ignore[method-assign]
        router._best_waiting = timed_best  # type: ignore[method-assign]


def bare_heap_baseline(size: int, operations: int, rng: Random) -> tuple[float, float, float]:
    """(decisions/s, p50 µs, p99 µs) of a bare heap matcher timed the same way here."""
    heap = [(rng.random(), i) for i in range(size)]
    heapq.heapify(heap)
    clock = time.perf_counter_ns
    samples = []
    for i in range(operations):
        t0 = clock()
        key, _ = heapq.heappop(heap)
        heapq.heappush(heap, (key + rng.random(), i))
        samples.append(clock() - t0)
    samples.sort()
    rate = 1e9 * len(samples) / sum(samples)
    return rate, _percentile(samples, 0.50), _percentile(samples, 0.99)


def hot_selection(router: Router, operations: int) -> float:
    """µs per agent-side selection in a tight loop (caches warm), on the agent who sees
    the most pools with waiting interactions; each pick is pushed back unchanged."""
    best_slot, best_count = None, 0
    for agent in router.agents.values():
        slot = agent.slot("voice")
        pools = router._pools_for(slot)
        count = sum(1 for pool in pools if pool.waiting.top() is not None)
        if count > best_count:
            best_slot, best_count = slot, count
    if best_slot is None:
        return 0.0
    pick = router._best_waiting
    clock = time.perf_counter_ns
    t0 = clock()
    for _ in range(operations):
        inter = pick(best_slot)
        if inter is None or inter.pool is None:
            return 0.0
        inter.pool.waiting.push(inter)
    return (clock() - t0) / operations / 1000.0


def run(
    agents: int = 5000, queues: int = 100, seconds: float = 10.0, seed: int = 1
) -> dict[str, Any]:
    """Ramp up, then drive the router for `seconds` of wall-clock time; return figures."""
    rng = Random(seed)
    router = build(agents, queues, rng)
    for agent_id in router.agent_ids():
        router.handle(AgentLoggedIn(agent_id), 0.0)
    selection = SelectionTimer(router)
    world = _World(router, rng, agents)
    latencies: list[int] = []
    decisions = 0
    decision_ns = 0
    events = 0
    handle_ns = 0
    clock = time.perf_counter_ns
    handle = router.handle
    gc.disable()
    started = 0
    stop = 0
    at = 0.0
    try:
        while (step := world.next()) is not None:
            at, event = step
            t0 = clock()
            out = handle(event, at)
            elapsed = clock() - t0
            made = world.observe(out, at)
            if at < WARM_UP:
                continue  # ramp-up from an idle center: not the sustained load
            if not started:
                selection.on = True
                started = clock()
                stop = started + int(seconds * 1e9)
            events += 1
            handle_ns += elapsed
            if made:
                decisions += made
                decision_ns += elapsed
                latencies.append(elapsed // made)
            if (events & 1023) == 0 and clock() > stop:
                break
    finally:
        gc.enable()
    wall = (clock() - started) / 1e9
    latencies.sort()
    picks = sorted(selection.samples)
    bare_rate, bare_p50, bare_p99 = bare_heap_baseline(agents, 200_000, rng)
    selection.on = False
    hot = hot_selection(router, 20_000)
    timed = selection.available
    clock0 = clock()
    plain = [(rng.random(), i) for i in range(agents)]
    heapq.heapify(plain)
    for i in range(20_000):
        top, _ = heapq.heappop(plain)
        heapq.heappush(plain, (top + 1.0, i))
    bare_hot = (clock() - clock0) / 20_000 / 1000.0
    busy = sum(1 for a in router.agents.values() if a.first_leg is not None)
    return {
        "agents": agents,
        "queues": queues,
        "seed": seed,
        "wall_seconds": round(wall, 3),
        "simulated_seconds": round(at, 1),
        "decisions": decisions,
        "decisions_per_second": round(decisions / (decision_ns / 1e9)) if decision_ns else 0,
        "p50_us": round(_percentile(latencies, 0.50), 2),
        "p99_us": round(_percentile(latencies, 0.99), 2),
        "p999_us": round(_percentile(latencies, 0.999), 2),
        "compiled": native.is_compiled(),
        "selection_decisions": len(picks) if timed else None,
        "selection_decisions_per_second": (round(1e9 * len(picks) / sum(picks)) if picks else 0)
        if timed
        else None,
        "selection_p50_us": round(_percentile(picks, 0.50), 2) if timed else None,
        "selection_p99_us": round(_percentile(picks, 0.99), 2) if timed else None,
        "selection_hot_loop_us": round(hot, 2),
        "bare_heap_hot_loop_us": round(bare_hot, 2),
        "bare_heap_decisions_per_second": round(bare_rate),
        "bare_heap_p50_us": round(bare_p50, 2),
        "bare_heap_p99_us": round(bare_p99, 2),
        "events": events,
        "events_per_second": round(events / (handle_ns / 1e9)) if handle_ns else 0,
        "answered": world.answered,
        "abandoned": world.abandoned,
        "agents_working_at_end": busy,
        "waiting_at_end": sum(len(q.waiting) for q in router.queues.values()),
        "note": (
            "decisions_per_second and p50/p99 time whole Router.handle calls that made "
            "at least one offer (per offer: records, commands, timers, state included); "
            "selection_* time only the matching step that found a match (best agent for "
            "an interaction, or best interaction for a free agent); bare_heap_* is a "
            "heappop+heappush on a heap of `agents` entries timed the same way; "
            "compiled: the core runs as built by `make native` (mypyc), where the "
            "selection steps cannot be timed apart (selection_* are null); "
            "*_hot_loop_us run the agent-side selection and the bare heap in tight loops "
            "(warm caches); events_per_second covers every handle call"
        ),
    }
