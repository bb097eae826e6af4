"""Wallboard benchmark: `python benchmarks/wallboard.py [agents] [calls/s] [seconds] [seed]`.

Defaults: 500 agents, 100 interactions a second for 20 s. Prints JSON: event-to-screen
latency, the rate achieved and the CPU cost per interaction (logic in
centralita.perf.wallboard).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from centralita.perf.wallboard import run_wallboard

if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    agents = int(args[0]) if args else 500
    rate = args[1] if len(args) > 1 else 100.0
    seconds = args[2] if len(args) > 2 else 20.0
    seed = int(args[3]) if len(args) > 3 else 7
    result = run_wallboard(agents=agents, rate=rate, seconds=seconds, seed=seed)
    print(json.dumps(asdict(result), indent=2))
