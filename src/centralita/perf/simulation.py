"""Simulation benchmark: one day of a 1,000-agent center on the real router.

24 hours, one queue, Poisson arrivals at `calls` per day, exponential handle time (265 s)
and patience (180 s), 10 s wrap-up ended by the router's timer: 955 erlangs of work on
1,000 agents (about 0.95 occupancy, some callers wait and a few abandon).
An event is one `Router.handle` call (arrival, answer, end of call, abandon, timer tick).
Reports wall-clock and CPU seconds (the machine may be shared) and the peak RSS.
"""

from __future__ import annotations

import gc
import resource
import time
from pathlib import Path
from random import Random
from typing import Any

from centralita.core import native
from centralita.sim.engine import simulate
from centralita.sim.scenario import parse_scenario
from centralita.sim.world import build_world


def scenario(agents: int, calls: int) -> dict[str, Any]:
    return {
        "name": f"benchmark: {agents} agents, {calls} calls",
        "duration_hours": 24,
        "wrap_up_seconds": 10,
        "queues": [{"id": "service", "service_level_seconds": 20}],
        "agent_groups": [{"id": "agents", "agents": agents, "skills": {"service": 1}}],
        "arrivals": [
            {
                "queue": "service",
                "calls_per_hour": calls / 24.0,
                "handle_time": {"distribution": "exponential", "mean_seconds": 265},
                "patience": {"distribution": "exponential", "mean_seconds": 180},
            }
        ],
    }


def run(agents: int = 1000, calls: int = 300_000, seed: int = 1) -> dict[str, Any]:
    """Simulate the day once; return its size, speed and memory figures."""
    spec = parse_scenario(scenario(agents, calls), "benchmark")
    rng = Random(f"{seed}:0")
    world = build_world(spec, Path("."), rng)
    gc.collect()
    cpu = time.process_time()
    result = simulate(world, rng)
    cpu = time.process_time() - cpu
    queue = result.measures.queues["service"]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "agents": agents,
        "compiled": native.is_compiled(),
        "calls": result.calls,
        "events": result.events,
        "seconds": round(result.wall_seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "events_per_second": round(result.events / result.wall_seconds),
        "events_per_cpu_second": round(result.events / cpu) if cpu > 0 else 0,
        "calls_per_second": round(result.calls / result.wall_seconds),
        "peak_rss_mb": round(peak_kb / 1024.0, 1),
        "service_level": round(queue.service_level, 4),
        "occupancy": round(result.measures.agent_groups["agents"].occupancy, 4),
        "note": (
            "an event is one Router.handle call; seconds are wall-clock for the run; "
            "compiled: the core runs as built by `make native` (mypyc)"
        ),
    }
