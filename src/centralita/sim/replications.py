"""Independent replications of a scenario, their means and 95% confidence half-widths.

Replication `r` of seed `s` draws every random number from `Random(f"{s}:{r}")` (string
seeds are hashed with SHA-512, so the streams are independent); the same seed gives the
same figures. The half-width of a figure over N replications is t(0.975, N-1)·s/√N.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from random import Random
from typing import Any

from centralita.sim.engine import Run, simulate
from centralita.sim.scenario import Scenario
from centralita.sim.world import build_world

QUEUE_FIGURES = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "overflowed",
    "rejected",
    "service_level",
    "service_level_answered",
    "service_level_offered",
    "asa_seconds",
    "p_wait",
    "abandon_rate",
    "average_abandon_seconds",
)
GROUP_FIGURES = ("occupancy", "utilization")

# Student's t, 97.5% quantile, for 1..30 degrees of freedom
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: int) -> float:
    """Student's t 97.5% quantile (beyond 30 degrees of freedom, a series in 1/df)."""
    if df < 1:
        return math.nan
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df * df)


def mean_and_halfwidth(values: list[float]) -> tuple[float, float]:
    """Mean and 95% half-width (0.0 for a single value)."""
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return mean, 0.0
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, t975(n - 1) * math.sqrt(var / n)


@dataclass(frozen=True)
class Report:
    """The figures of N replications (means) with their 95% half-widths."""

    scenario: str
    replications: int
    seed: int
    runs: list[Run]

    def to_dict(self) -> dict[str, Any]:
        runs = self.runs
        queues: dict[str, Any] = {}
        for q in runs[0].measures.queues:
            per_run = [asdict(r.measures.queues[q]) for r in runs]
            figures: dict[str, Any] = {}
            ci: dict[str, float] = {}
            for name in QUEUE_FIGURES:
                figures[name], ci[name] = mean_and_halfwidth([float(p[name]) for p in per_run])
            figures["ci95"] = ci
            queues[q] = figures
        groups: dict[str, Any] = {}
        for g in runs[0].measures.agent_groups:
            per_run = [asdict(r.measures.agent_groups[g]) for r in runs]
            figures = {}
            ci = {}
            for name in GROUP_FIGURES:
                figures[name], ci[name] = mean_and_halfwidth([float(p[name]) for p in per_run])
            figures["ci95"] = ci
            groups[g] = figures
        events = sum(r.events for r in runs)
        wall = sum(r.wall_seconds for r in runs)
        return {
            "scenario": self.scenario,
            "replications": self.replications,
            "seed": self.seed,
            "queues": queues,
            "agent_groups": groups,
            "calls": sum(r.calls for r in runs) / len(runs),
            "unfinished": sum(r.unfinished for r in runs) / len(runs),
            "events": events,
            "wall_seconds": wall,
            "events_per_second": events / wall if wall > 0 else 0.0,
            "intervals": self.intervals(),
        }

    def intervals(self) -> dict[str, list[dict[str, float]]]:
        """Per queue and interval: start (s), mean service level and queue length."""
        result: dict[str, list[dict[str, float]]] = {}
        for q, first in self.runs[0].measures.intervals.items():
            rows = []
            for k, cell in enumerate(first):
                cells = [r.measures.intervals[q][k] for r in self.runs]
                levels = [c.service_level for c in cells if not math.isnan(c.service_level)]
                rows.append(
                    {
                        "start_seconds": cell.start,
                        "offered": math.fsum(c.offered for c in cells) / len(cells),
                        "service_level": math.fsum(levels) / len(levels) if levels else math.nan,
                        "queue_length": math.fsum(c.queue_length for c in cells) / len(cells),
                    }
                )
            result[q] = rows
        return result


def run_scenario(
    scenario: Scenario,
    base: Path,
    replications: int = 1,
    seed: int | None = None,
    source: str = "scenario",
    progress: Callable[[float], None] | None = None,
) -> Report:
    """Run `replications` independent days of `scenario` (files relative to `base`)."""
    seed = scenario.seed if seed is None else seed
    runs = []
    for r in range(replications):
        rng = Random(f"{seed}:{r}")
        world = build_world(scenario, base, rng, source)

        def step(share: float, r: int = r) -> None:
            if progress is not None:
                progress((r + share) / replications)

        runs.append(simulate(world, rng, step if progress is not None else None))
    return Report(scenario.name, replications, seed, runs)
