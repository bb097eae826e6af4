"""Wallboard benchmark: 500 agents, 100 interactions/s; prints JSON with event-to-screen time.

Run: .venv/bin/python benchmarks/wallboard.py   (logic in centralita.perf.wallboard)
"""

from centralita.perf.wallboard import main

if __name__ == "__main__":
    main()
