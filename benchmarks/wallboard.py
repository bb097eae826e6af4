"""Wallboard benchmark: `python benchmarks/wallboard.py [--browser] [agents] [rate] [seconds]`.

Defaults: 500 agents, 100 interactions a second for 20 s. Prints JSON: event-to-screen
latency, the rate achieved and the CPU cost per interaction (logic in
centralita.perf.wallboard). With --browser the server runs for real and a wallboard open
in headless Chromium (/usr/bin/chromium, via Playwright) measures the time to its screen.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from centralita.perf.wallboard import run_wallboard, run_wallboard_in_browser

if __name__ == "__main__":
    browser = "--browser" in sys.argv
    args = [float(a) for a in sys.argv[1:] if a != "--browser"]
    agents = int(args[0]) if args else 500
    rate = args[1] if len(args) > 1 else 100.0
    seconds = args[2] if len(args) > 2 else 20.0
    seed = int(args[3]) if len(args) > 3 else 7
    if browser:
        args_ = [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ]
        out = run_wallboard_in_browser(
            "/usr/bin/chromium", args_, agents=agents, rate=rate, seconds=seconds, seed=seed
        )
        print(json.dumps(out, indent=2))
    else:
        result = run_wallboard(agents=agents, rate=rate, seconds=seconds, seed=seed)
        print(json.dumps(asdict(result), indent=2))
