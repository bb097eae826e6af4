"""A simulated day stored with `--store` and projected into the report tables: the queue
report for that day gives the simulator's own figures for it (issue #10)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from centralita.app.history import store_days
from centralita.reports.projection import Follower
from centralita.reports.queries import Filters, queue_report
from centralita.sim.scenario import parse_scenario
from centralita.store import actions
from support import T0

TZ = "America/Bogota"
DAY = date(2026, 3, 4)
EXPO = {"distribution": "exponential", "mean_seconds": 200}
SCENARIO = {
    "name": "report day",
    "duration_hours": 4,
    "start_time": "09:00",
    "seed": 3,
    "wrap_up_seconds": 10,
    "queues": [
        {
            "id": "sales",
            "service_level_seconds": 20,
            "max_wait_seconds": 90,
            "overflow_queue": "support",
        },
        {"id": "support", "service_level_seconds": 30, "short_abandon_seconds": 8},
    ],
    "agent_groups": [
        {
            "id": "a",
            "agents": 3,
            "skills": {"sales": 2, "support": 1},
            "ring_no_answer": 0.05,
            "answer_seconds": {"distribution": "deterministic", "mean_seconds": 3},
        },
        {
            "id": "b",
            "agents": 2,
            "skills": {"support": 2},
            "breaks": [{"start": "11:00", "minutes": 15, "spread_minutes": 30}],
        },
    ],
    "arrivals": [
        {
            "queue": "sales",
            "calls_per_hour": [60, 90, 70, 40],
            "interval_minutes": 60,
            "handle_time": EXPO,
            "patience": {"distribution": "exponential", "mean_seconds": 80},
            "ivr_seconds": {"distribution": "deterministic", "mean_seconds": 15},
        },
        {
            "queue": "support",
            "calls_per_hour": 30,
            "handle_time": EXPO,
            "patience": {"distribution": "exponential", "mean_seconds": 200},
        },
    ],
}


def test_queue_report_of_a_stored_day_gives_the_simulators_figures(store):
    with store.transaction() as tx:
        tid = actions.do_create_tenant(tx, slug="acme", name="Acme", at=T0, actor="test").id
    spec = parse_scenario(SCENARIO)
    history = store_days(store, "acme", [(DAY, spec)], base=Path("."), timezone=TZ)
    simulated = history.days[0].run.measures.queues
    assert simulated["sales"].overflowed > 0 and simulated["sales"].abandoned > 0
    Follower(store).catch_up()
    with store.read() as session:
        rows = queue_report(session, Filters([tid], DAY, DAY, ZoneInfo(TZ)), "total")
    report = {row.queue: row for row in rows}
    assert set(report) == {"sales", "support"}
    for name, want in simulated.items():
        got = report[name]
        assert (
            got.offered, got.answered, got.abandoned, got.short_abandoned, got.overflowed_out,
        ) == (
            want.offered, want.answered, want.abandoned, want.short_abandoned, want.overflowed,
        ), name  # fmt: skip
        assert got.service_level == pytest.approx(want.service_level, abs=1e-9), name
        assert got.service_level_answered == pytest.approx(want.service_level_answered), name
        assert got.asa == pytest.approx(want.asa_seconds, abs=1e-5), name
        assert got.abandon_rate == pytest.approx(want.abandon_rate, abs=1e-9), name
        assert got.average_abandon == pytest.approx(want.average_abandon_seconds, abs=1e-5), name
