"""The simulator, driving the real router, against exact Erlang C and Erlang A figures.

Each case is an M/M/n queue (Poisson arrivals, exponential handle times, answering at
once, no wrap-up), with exponential patience for Erlang A. Expected numbers come from
`centralita.sim.erlang`. A figure passes when |simulated − exact| ≤ max(3·h, floor),
h being the 95% half-width over independent replications (fixed seeds: no flakes).

Each case also proves it can fail: the same tolerance must reject the figures of the
wrong models listed in `rejects`: one agent more or fewer (an off-by-one in staffing or
routing: "n+1", "n-1") and Erlang C where Erlang A applies ("erlang_c"). At 200 and
1,000 agents near 98% load one agent is 0.1–0.5% of the capacity, and the day-to-day
noise of a finite run (mostly the realised load) is far larger than its effect: an
affordable run cannot resolve it, so those cases check the formulas within their
confidence intervals and off-by-one is proven on the small and middle cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from centralita.sim.erlang import QueueFigures, erlang_a_figures, erlang_c_figures
from centralita.sim.replications import run_scenario
from centralita.sim.scenario import parse_scenario

# figure in the report → (QueueFigures attribute, absolute floor of the tolerance)
FIGURES = {
    "service_level": ("service_level", 0.004),
    "service_level_answered": ("service_level_answered", 0.004),
    "p_wait": ("p_wait", 0.004),
    "asa_seconds": ("asa", 0.25),
    "abandon_rate": ("p_abandon", 0.002),
    "average_abandon_seconds": ("abandon_wait", 0.25),
}


@dataclass(frozen=True)
class Case:
    agents: int
    load: float  # offered load per agent, a/n
    aht: float  # mean handle time, seconds
    threshold: float  # service-level T, seconds
    patience: float | None  # mean patience (Erlang A), None: Erlang C
    calls: int  # calls per replication (after the warm-up)
    rejects: tuple[str, ...]  # wrong models the tolerance must reject
    replications: int = 5
    short_abandon: float = 5.0

    @property
    def rate(self) -> float:
        return self.load * self.agents / self.aht

    def exact(self, agents: int | None = None, patience: float | None = None) -> QueueFigures:
        n = self.agents if agents is None else agents
        mean_patience = self.patience if patience is None else patience
        if mean_patience is None or math.isinf(mean_patience):
            return erlang_c_figures(self.rate, self.aht, n, self.threshold)
        return erlang_a_figures(
            self.rate, self.aht, n, mean_patience, self.threshold, self.short_abandon
        )

    def scenario(self) -> dict[str, Any]:
        hours = self.calls / (self.rate * 3600.0)
        arrival: dict[str, Any] = {
            "queue": "q",
            "calls_per_hour": self.rate * 3600.0,
            "handle_time": {"distribution": "exponential", "mean_seconds": self.aht},
        }
        if self.patience is not None:
            arrival["patience"] = {"distribution": "exponential", "mean_seconds": self.patience}
        return {
            "name": f"M/M/{self.agents}",
            # warm up for 5% of the counted calls (at least 20 handle times)
            "warmup_minutes": max(hours * 0.05 * 60, 20 * self.aht / 60),
            "duration_hours": hours * 1.05 + 20 * self.aht / 3600,
            "seed": 11,
            "queues": [
                {
                    "id": "q",
                    "service_level_seconds": self.threshold,
                    "short_abandon_seconds": self.short_abandon,
                }
            ],
            "agent_groups": [{"id": "g", "agents": self.agents, "skills": {"q": 1}}],
            "arrivals": [arrival],
        }


def simulate(case: Case) -> tuple[dict[str, float], dict[str, float], float]:
    """(means, half-widths) of the queue figures, and the group's mean occupancy."""
    scenario = parse_scenario(case.scenario())
    report = run_scenario(scenario, Path("."), replications=case.replications).to_dict()
    queue = report["queues"]["q"]
    return queue, queue["ci95"], report["agent_groups"]["g"]["occupancy"]


def tolerance(name: str, halfwidths: dict[str, float]) -> float:
    return max(3 * halfwidths[name], FIGURES[name][1])


def rejected(wrong: QueueFigures, sim: dict[str, float], halfwidths: dict[str, float]) -> bool:
    """Whether at least one figure of a wrong model falls outside the tolerance."""
    return any(
        abs(sim[name] - getattr(wrong, attr)) > tolerance(name, halfwidths)
        for name, (attr, _floor) in FIGURES.items()
    )


def check(case: Case) -> None:
    sim, hw, occupancy = simulate(case)
    exact = case.exact()
    for name, (attr, _floor) in FIGURES.items():
        expected = getattr(exact, attr)
        assert abs(sim[name] - expected) <= tolerance(name, hw), (
            f"{name}: simulated {sim[name]:.5f} ± {hw[name]:.5f}, exact {expected:.5f}"
        )
    # occupancy = a·P(served)/n; within 1.5% (its noise is the realised load's, ≈1% here)
    assert occupancy == pytest.approx(exact.occupancy, rel=0.015)
    # the tolerance is tight enough to catch wrong models
    wrong = {
        "n+1": lambda: case.exact(case.agents + 1),
        "n-1": lambda: case.exact(case.agents - 1),
        "erlang_c": lambda: case.exact(patience=math.inf),
    }
    for name in case.rejects:
        assert rejected(wrong[name](), sim, hw), f"tolerance too wide to reject {name}"
    assert sim["offered"] >= case.calls * 0.9


ERLANG_C = [
    Case(1, load=0.7, aht=60, threshold=60, patience=None, calls=20_000, rejects=("n+1",)),
    Case(10, load=0.85, aht=120, threshold=20, patience=None, calls=20_000, rejects=("n+1", "n-1")),
]
ERLANG_A = [
    Case(1, 0.98, aht=60, threshold=20, patience=60, calls=20_000, rejects=("n+1", "erlang_c")),
    Case(20, 0.95, 180, 20, patience=180, calls=20_000, rejects=("n+1", "n-1", "erlang_c")),
    Case(100, 0.98, aht=240, threshold=20, patience=120, calls=15_000, rejects=("erlang_c",)),
]
LARGE = [
    Case(200, load=0.95, aht=240, threshold=20, patience=None, calls=15_000, rejects=()),
    Case(
        1000, 0.98, aht=240, threshold=20, patience=None, calls=20_000, rejects=(), replications=4
    ),
    Case(1000, 0.98, 240, 20, patience=120, calls=12_000, rejects=("erlang_c",), replications=4),
]


def _id(case: Case) -> str:
    model = "C" if case.patience is None else f"A-patience{case.patience:g}"
    return f"n{case.agents}-load{case.load:g}-{model}"


@pytest.mark.parametrize("case", ERLANG_C, ids=_id)
def test_given_no_abandonment_then_figures_match_erlang_c(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", ERLANG_A, ids=_id)
def test_given_exponential_patience_then_figures_match_erlang_a(case: Case) -> None:
    check(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", LARGE, ids=_id)
def test_given_hundreds_of_agents_at_high_load_then_figures_match_erlang(case: Case) -> None:
    check(case)
