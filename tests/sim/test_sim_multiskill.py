"""A multi-skill center lies between its two exact bounds (Erlang C).

Two call types of 8 erlangs each (120 calls/h, AHT 240 s), T = 20 s. 20 agents: 8 take
only type A, 8 only type B, 4 take both. Its service level must be at least that of two
separate groups of 10 (each type with its own agents: C(10, 8) gives 0.654) and at most
that of one pool of 20 serving everything (C(20, 16) gives 0.817). The routing is the
core's: longest idle, first come first served across the queues a flexible agent serves.
"""

from __future__ import annotations

import math
from pathlib import Path

from centralita.sim.erlang import erlang_c_service_level
from centralita.sim.replications import mean_and_halfwidth, run_scenario
from centralita.sim.scenario import parse_scenario

AHT = 240.0
RATE = 0.8 * 10 / AHT  # calls per second of each type


def scenario() -> dict[str, object]:
    expo = {"distribution": "exponential", "mean_seconds": AHT}
    return {
        "name": "two skills",
        "duration_hours": 100,
        "warmup_minutes": 60,
        "seed": 5,
        "queues": [{"id": "a"}, {"id": "b"}],
        "agent_groups": [
            {"id": "only-a", "agents": 8, "skills": {"a": 1}},
            {"id": "only-b", "agents": 8, "skills": {"b": 1}},
            {"id": "both", "agents": 4, "skills": {"a": 1, "b": 1}},
        ],
        "arrivals": [
            {"queue": "a", "calls_per_hour": RATE * 3600, "handle_time": expo},
            {"queue": "b", "calls_per_hour": RATE * 3600, "handle_time": expo},
        ],
    }


def test_multi_skill_service_level_lies_between_separate_groups_and_one_pool() -> None:
    separate = erlang_c_service_level(RATE, AHT, 10, 20.0)
    pooled = erlang_c_service_level(2 * RATE, AHT, 20, 20.0)
    report = run_scenario(parse_scenario(scenario()), Path("."), replications=5)
    levels = []
    for run in report.runs:
        queues = run.measures.queues.values()
        within = math.fsum(q.service_level_answered * q.answered for q in queues)
        levels.append(within / sum(q.answered for q in queues))
    mean, halfwidth = mean_and_halfwidth(levels)
    tolerance = max(3 * halfwidth, 0.005)
    assert separate - tolerance <= mean <= pooled + tolerance, (separate, mean, pooled, halfwidth)
    # the band is narrower than the distance between the bounds, so a center that does
    # worse than separate groups, or better than one pool, cannot pass
    assert pooled - separate > tolerance
