"""The discrete-event loop: the outside world around the real router, on virtual time.

One heap of `(time, seq, kind, a, b)` for what the world does (calls arrive, leave the
IVR, lose patience; agents answer, finish, log in and out, pause and come back) plus the
router's own `next_deadline()` (ring timeouts, wrap-up ends, overflow, relaxation). At
each step the earlier of the two goes to `Router.handle`; the simulator reacts to the
commands it returns (`OfferToAgent` → answer after the desk's delay, or let it ring out;
`ConnectToAgent` → end after the handle time) and feeds the records to the `Tally`.
Routing decisions are the core's alone: this module holds no routing logic.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from heapq import heappop, heappush
from itertools import count
from random import Random
from types import MappingProxyType
from typing import Any

from centralita.core.commands import CancelOffer, ConnectToAgent, OfferToAgent
from centralita.core.config import MISSED
from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    CallerHungUp,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    Tick,
)
from centralita.core.outcomes import AgentState
from centralita.core.records import (
    AgentStateChanged,
    InteractionAnswered,
    InteractionClosed,
    InteractionOffered,
    InteractionQueued,
    InteractionTransferred,
)
from centralita.sim.measures import Measures, Tally
from centralita.sim.world import Stream, World

ACCEPT, END, ARRIVE, HANGUP, ENTER, TICK, LOGIN, LOGOUT, PAUSE, READY = range(10)
DRAIN = 86400.0  # after the last arrival, counted calls get at most this long to finish
_TICK = Tick()
_NO_ATTRIBUTES: MappingProxyType[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Run:
    """One replication: the measures and what it took."""

    measures: Measures
    calls: int  # arrivals generated (warm-up included)
    events: int  # Router.handle calls
    wall_seconds: float
    simulated_seconds: float
    unfinished: int  # interactions still in the router when the run stopped


def next_arrival(stream: Stream, t: float, expovariate: Callable[[float], float]) -> float:
    """The next Poisson arrival after `t` with piecewise-constant rates (inf: none left).

    Exponential gaps are memoryless, so a gap crossing a rate change restarts there.
    """
    rates, step = stream.rates, stream.step
    k = int(t // step)
    while k < len(rates):
        rate = rates[k]
        edge = (k + 1) * step
        if rate > 0:
            at = t + expovariate(rate)
            if at < edge:
                return at
        t = edge
        k += 1
    return float("inf")


def simulate(world: World, rng: Random, progress: Callable[[float], None] | None = None) -> Run:
    """Run one day of `world` on virtual time; `progress(share done)` is called now and then."""
    started = time.perf_counter()
    router = world.router
    handle = router.handle
    next_deadline = router.next_deadline
    duration = world.duration
    stop_at = duration + DRAIN
    tally = Tally(world.thresholds, world.agent_group, world.warmup, duration, world.interval)
    t_agent, t_queued, t_offered = tally.agent_state, tally.queued, tally.offered
    t_answered, t_closed, t_transferred = tally.answered, tally.closed, tally.transferred
    heap: list[tuple[float, int, int, Any, Any]] = []
    seq = count()
    now_queue: deque[tuple[float, int, int, Any, Any]] = deque()
    random = rng.random
    expovariate = rng.expovariate
    streams = world.streams
    makers = [_maker(stream, random) for stream in streams]
    # per agent: (ring-no-answer share, answer delay sampler or None)
    answering = {a: (d.ring_no_answer, d.answer) for a, d in world.desks.items()}
    desks = world.desks
    handle_of: dict[str, float] = {}  # interaction → its handle time, until connected
    waiting: set[str] = set()  # interactions whose caller may still hang up
    offers: dict[tuple[str, str], int] = {}  # live offer → token of its answer
    on_shift: set[str] = set()
    breaks: dict[str, tuple[str, float]] = {}  # agent → (reason, seconds) once it pauses
    tokens = count(1)
    calls = 0
    events = 0
    not_ready = AgentState.NOT_READY

    for at, what, agent_id, reason, seconds in world.schedule:
        code = LOGIN if what == "login" else LOGOUT if what == "logout" else PAUSE
        heappush(heap, (at, next(seq), code, agent_id, (reason, seconds)))
    for index, stream in enumerate(streams):
        first = next_arrival(stream, 0.0, expovariate)
        if first < duration:
            heappush(heap, (first, next(seq), ARRIVE, index, None))

    t = 0.0
    entering: str | None = None  # interaction entering a queue now, whose caller may leave
    patience: Callable[[], float] = float
    while True:
        if now_queue:
            item = now_queue.popleft()
        else:
            deadline = next_deadline()
            if heap and (deadline is None or heap[0][0] <= deadline):
                item = heappop(heap)
            elif deadline is not None:
                item = (deadline, 0, TICK, None, None)
            else:
                break
            if item[0] > stop_at:
                break
        t, _, kind, a, b = item
        event: Any
        if kind == ACCEPT:
            if offers.get(a) != b:
                continue  # cancelled meanwhile (caller left, answered elsewhere)
            del offers[a]
            event = OfferAccepted(a[0], a[1])
        elif kind == END:
            event = InteractionEnded(a)
        elif kind == ARRIVE:
            stream = streams[a]
            following = next_arrival(stream, t, expovariate)
            if following < duration:
                heappush(heap, (following, next(seq), ARRIVE, a, None))
            calls += 1
            iid = f"c{calls}"
            scales = stream.handle_scales
            if scales is None:
                handle_of[iid] = stream.handle()
            else:  # the forecast's AHT of this interval
                k = min(int(t // stream.step), len(scales) - 1)
                handle_of[iid] = stream.handle() * scales[k]
            if stream.ivr is not None:
                heappush(heap, (t + stream.ivr(), next(seq), ENTER, iid, (a, t)))
                continue
            event = makers[a](iid, t)
            if stream.patience is not None:
                entering, patience = iid, stream.patience
        elif kind == HANGUP:
            if a not in waiting:
                continue
            event = CallerHungUp(a)
        elif kind == TICK:
            event = _TICK
        elif kind == ENTER:
            stream = streams[b[0]]
            event = makers[b[0]](a, b[1])
            if stream.patience is not None:
                entering, patience = a, stream.patience
        elif kind == LOGIN:
            on_shift.add(a)
            event = AgentLoggedIn(a)
        elif kind == LOGOUT:
            on_shift.discard(a)
            event = AgentLoggedOut(a)
        elif kind == PAUSE:
            if a not in on_shift:
                continue
            breaks[a] = b
            event = AgentPaused(a, b[0])
        else:  # READY: back from a pause of reason b, if still in it
            snap = router.agent_snapshot(a)
            if a not in on_shift or snap.state is not not_ready or snap.reason != b:
                continue
            event = AgentReadied(a)

        out: list[Any] = handle(event, t)
        events += 1
        instant = None  # the interaction answered at once (no patience clock needed)
        for o in out:
            c = type(o)
            if c is AgentStateChanged:
                t_agent(o)
                if o.state is not_ready:
                    reason = o.reason
                    if reason == MISSED:
                        after = desks[o.agent_id].ready_after_missed
                        heappush(heap, (o.at + after, next(seq), READY, o.agent_id, reason))
                    else:
                        pending = breaks.get(o.agent_id)
                        if pending is not None and pending[0] == reason:
                            del breaks[o.agent_id]
                            at = o.at + pending[1]
                            heappush(heap, (at, next(seq), READY, o.agent_id, reason))
            elif c is OfferToAgent:
                rna, answer = answering[o.agent_id]
                if rna and random() < rna:
                    continue  # the ring times out in the router
                key = (o.interaction_id, o.agent_id)
                token = next(tokens)
                offers[key] = token
                if answer is None:
                    now_queue.append((t, 0, ACCEPT, key, token))
                    instant = o.interaction_id
                else:
                    heappush(heap, (t + answer(), next(seq), ACCEPT, key, token))
            elif c is InteractionOffered:
                t_offered(o)
            elif c is ConnectToAgent:
                iid = o.interaction_id
                heappush(heap, (t + handle_of.pop(iid), next(seq), END, iid, None))
            elif c is InteractionAnswered:
                t_answered(o)
                waiting.discard(o.interaction_id)
            elif c is InteractionQueued:
                t_queued(o)
            elif c is InteractionClosed:
                t_closed(o)
                waiting.discard(o.interaction_id)
                handle_of.pop(o.interaction_id, None)
            elif c is CancelOffer:
                offers.pop((o.interaction_id, o.agent_id), None)
            elif c is InteractionTransferred:
                t_transferred(o)
        if entering is not None:
            # the caller's patience runs from entering the queue, unless answered at once
            if instant != entering:
                waiting.add(entering)
                heappush(heap, (t + patience(), next(seq), HANGUP, entering, None))
            entering = None
        if progress is not None and not events & 8191:
            progress(min(1.0, t / duration))
    if progress is not None:
        progress(1.0)
    return Run(
        measures=tally.result(),
        calls=calls,
        events=events,
        wall_seconds=time.perf_counter() - started,
        simulated_seconds=t,
        unfinished=len(router.interaction_ids()),
    )


def _maker(
    stream: Stream, random: Callable[[], float]
) -> Callable[[str, float], InteractionArrived]:
    """A function building the stream's `InteractionArrived(id, arrived_at)`."""
    channel, queue, priority, skills = stream.channel, stream.queue, stream.priority, stream.skills
    dnis, segment, language, site = stream.dnis, stream.segment, stream.language, stream.site
    attributes = MappingProxyType(stream.attributes) if stream.attributes else _NO_ATTRIBUTES
    prefix, callers = stream.ani_prefix, stream.callers

    def make(iid: str, arrived: float) -> InteractionArrived:
        ani = None
        if prefix is not None:
            ani = f"{prefix}{int(random() * callers) if callers is not None else iid[1:]}"
        return InteractionArrived(
            iid, channel, queue, priority, skills, ani, dnis, segment, language, site,
            attributes, arrived,
        )  # fmt: skip

    return make
