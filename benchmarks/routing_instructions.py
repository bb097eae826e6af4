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

import sys

from centralita.perf.routing import replay

if __name__ == "__main__":
    check = "--digest" in sys.argv
    args = [int(a) for a in sys.argv[1:] if a != "--digest"]
    n = args[0] if args else 20_000
    agents = args[1] if len(args) > 1 else 1000
    queues = args[2] if len(args) > 2 else 20
    seed = args[3] if len(args) > 3 else 1
    measured, offers, hexdigest = replay(n, agents, queues, seed, check)
    print(f"events={measured} offers={offers} digest={hexdigest}")
