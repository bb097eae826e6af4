"""Routing benchmark: `python benchmarks/routing.py [agents] [queues] [seconds] [seed]`."""

from __future__ import annotations

import json
import sys

from centralita.perf.routing import run

if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    agents, queues = int(args[0]) if args else 5000, int(args[1]) if len(args) > 1 else 100
    seconds = args[2] if len(args) > 2 else 10.0
    seed = int(args[3]) if len(args) > 3 else 1
    print(json.dumps(run(agents, queues, seconds, seed), indent=2))
