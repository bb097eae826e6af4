"""Simulation benchmark: `python benchmarks/simulation.py [agents] [calls] [seed]`."""

from __future__ import annotations

import json
import sys

from centralita.perf.simulation import run

if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    agents = args[0] if args else 1000
    calls = args[1] if len(args) > 1 else 300_000
    seed = args[2] if len(args) > 2 else 1
    print(json.dumps(run(agents, calls, seed), indent=2))
