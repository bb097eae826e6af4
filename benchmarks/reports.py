"""Reports benchmark: `python benchmarks/reports.py [days] [agents] [calls per day]`.

Defaults: 30 days of 1,000 agents and 300,000 calls a day (about 9 million calls and 54
million events; measured here: 45-75 minutes on 2 cores and 23.5 GB of disk). PostgreSQL at
CENTRALITA_BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres);
a scratch database is created and dropped. Prints JSON: events written, the rebuild's
events per second, and the month's interval and agent reports' answer times (logic in
centralita.perf.reports).
"""

from __future__ import annotations

import json
import os
import sys

from centralita.perf.reports import run_in_scratch_database

if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    days = args[0] if args else 30
    agents = args[1] if len(args) > 1 else 1000
    calls = args[2] if len(args) > 2 else 300_000
    server = os.environ.get(
        "CENTRALITA_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    figures = run_in_scratch_database(
        server,
        days=days,
        agents=agents,
        calls_per_day=calls,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    print(json.dumps(figures, indent=2))
