"""A fixed, seeded routing workload for counting instructions (not timing them).

    python benchmarks/routing_instructions.py [events] [agents] [queues] [seed] [--digest]
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python benchmarks/routing_instructions.py 20000

Same world as `centralita.perf.routing` (97 % utilisation, skills relaxed after 10 and
20 s, 5 s wrap-up, 1 s answer delay, abandons) on 1,000 agents and 20 queues by
default, but bounded by a number of `Router.handle` calls instead of wall-clock time, so
two runs execute exactly the same events. The machine is shared: compare the
instruction counts (callgrind's `Collected`) of `events` and of `0` (set-up and the
900 s ramp-up only); their difference is the cost of the measured events.

Prints the number of measured events and offers; with `--digest` also a digest of every
output the router returned (ramp-up included): a change that keeps the behaviour keeps
the digest.
"""

from __future__ import annotations

import hashlib
import heapq
import sys
from random import Random
from typing import Any

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
from centralita.perf.routing import (
    ANSWER_DELAY,
    PATIENCE_MEAN,
    TALK_MEAN,
    UTILISATION,
    WARM_UP,
    WRAP,
    build,
)

ARRIVE, ACCEPT, END, HANGUP = 0, 1, 2, 3


def workload(events: int, agents: int, queues: int, seed: int, check: bool) -> tuple[int, int, str]:
    """Run the ramp-up then `events` handle calls; (events, offers, digest of outputs
    if `check`: hashing the outputs costs instructions of its own)."""
    rng = Random(seed)
    router = build(agents, queues, rng)
    queue_ids = router.queue_ids()
    rate = UTILISATION * agents / (TALK_MEAN + WRAP + ANSWER_DELAY)
    digest = hashlib.sha256()
    pending: list[tuple[float, int, int, str]] = []
    seq = 0
    for agent_id in router.agent_ids():
        out = router.handle(AgentLoggedIn(agent_id), 0.0)
        if check:
            digest.update(repr(out).encode())

    def schedule(at: float, kind: int, iid: str) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(pending, (at, seq, kind, iid))

    schedule(rng.expovariate(rate), ARRIVE, "")
    ringing: set[str] = set()
    connected: set[str] = set()
    alive: set[str] = set()
    counter = measured = offers = 0
    handle = router.handle
    while True:
        deadline = router.next_deadline()
        if pending and (deadline is None or pending[0][0] <= deadline):
            at, _, kind, iid = heapq.heappop(pending)
            event: Any
            if kind == ARRIVE:
                counter += 1
                iid = f"c{counter}"
                q = queue_ids[rng.randrange(len(queue_ids))]
                event = InteractionArrived(iid, queue=q, skills=((q, 3),))
                alive.add(iid)
                schedule(at + rng.expovariate(1 / PATIENCE_MEAN), HANGUP, iid)
                schedule(at + rng.expovariate(rate), ARRIVE, "")
            elif kind == ACCEPT:
                if iid not in ringing:
                    continue
                ringing.discard(iid)
                agent_id, iid = iid.split("|")
                event = OfferAccepted(iid, agent_id)
            elif kind == END:
                connected.discard(iid)
                event = InteractionEnded(iid)
            else:
                if iid in connected or iid not in alive:
                    continue
                event = CallerHungUp(iid)
        elif deadline is not None:
            at, event = deadline, Tick()
        else:
            break
        if at >= WARM_UP:
            if measured == events:
                break
            measured += 1
        out = handle(event, at)
        if check:
            digest.update(repr(out).encode())
        for o in out:
            c = type(o)
            if c is OfferToAgent:
                key = f"{o.agent_id}|{o.interaction_id}"
                ringing.add(key)
                schedule(at + ANSWER_DELAY, ACCEPT, key)
                if at >= WARM_UP:
                    offers += 1
            elif c is CancelOffer:
                ringing.discard(f"{o.agent_id}|{o.interaction_id}")
            elif c is InteractionAnswered:
                connected.add(o.interaction_id)
                schedule(at + rng.expovariate(1 / TALK_MEAN), END, o.interaction_id)
            elif c is InteractionClosed:
                alive.discard(o.interaction_id)
    return measured, offers, digest.hexdigest()[:16]


if __name__ == "__main__":
    check = "--digest" in sys.argv
    args = [int(a) for a in sys.argv[1:] if a != "--digest"]
    n = args[0] if args else 20_000
    agents = args[1] if len(args) > 1 else 1000
    queues = args[2] if len(args) > 2 else 20
    seed = args[3] if len(args) > 3 else 1
    measured, offers, hexdigest = workload(n, agents, queues, seed, check)
    print(f"events={measured} offers={offers} digest={hexdigest}")
