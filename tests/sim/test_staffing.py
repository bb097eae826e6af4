"""Minimum-agent staffing and forecast files.

Expected agent counts are published worked examples (cited) or follow from the
closed-form Erlang C values checked in test_erlang.py; minimality is always checked
by evaluating one agent fewer.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from centralita.errors import Invalid
from centralita.sim.erlang import erlang_c_figures
from centralita.sim.staffing import (
    ForecastInterval,
    StaffingRule,
    Workload,
    figures_at,
    meets,
    minimum_agents,
    parse_forecast,
    read_forecast,
    required_staffing,
    scheduled_agents,
    staff_forecast,
)

EXAMPLE_FORECAST = Path(__file__).parents[2] / "examples" / "forecast" / "weekday.csv"


def assert_minimal(workload: Workload, rule: StaffingRule, agents: int) -> None:
    assert meets(rule, figures_at(workload, rule, agents))
    assert agents == 0 or not meets(rule, figures_at(workload, rule, agents - 1))


def test_classic_360_calls_of_240_seconds_need_55_agents_for_80_percent_in_15_seconds() -> None:
    # The example (360 calls per 30 min, AHT 240 s, 48 erlangs). Erlang C closed
    # form: SL(54 agents, 15 s) = 1 - 0.3013·e^{-6·15/240} = 0.7929 < 0.8 and
    # SL(55) = 1 - 0.2387·e^{-7·15/240} = 0.8459, so 55 agents.
    workload, rule = Workload(360, 1800, 240), StaffingRule(0.8, 15)
    staffing = required_staffing(workload, rule)
    assert staffing.agents == 55
    assert staffing.figures.service_level == pytest.approx(0.8459, abs=5e-5)
    assert_minimal(workload, rule, 55)


def test_classic_360_calls_need_54_agents_for_80_percent_in_20_seconds() -> None:
    # Same load at the 80/20 target: SL(53) = 0.7518, SL(54) = 0.8172 (closed form as above),
    # so exact Erlang C answers 54, one fewer than the 55 often quoted for this example.
    staffing = required_staffing(Workload(360, 1800, 240), StaffingRule(0.8, 20))
    assert staffing.agents == 54
    assert staffing.figures.service_level == pytest.approx(0.8172, abs=5e-5)


def test_matches_the_r_erlangc_package_staffing_example() -> None:
    # Published: R package ErlangC 0.1.0 README, calculate_agents(100 calls, 30 min,
    # 180 s, 20 s, service level 0.8, max occupancy 0.85, shrinkage 0.3) → agents 14.
    # Scheduled: 14 ÷ 0.7 = 20 exactly (a naive float ceil would say 21).
    rule = StaffingRule(0.8, 20, max_occupancy=0.85, shrinkage=0.3)
    staffing = required_staffing(Workload(100, 1800, 180), rule)
    assert (staffing.agents, staffing.scheduled_agents) == (14, 20)


def test_matches_the_turbotab_staffing_example() -> None:
    # Published: turbotab README (pypi.org/project/turbotab): 25 contacts per 600 s
    # interval, AHT 180 s, SLA 0.80 in 20 s, shrinkage 0.30 → productive_agents 11,
    # scheduled_agents 16.
    staffing = required_staffing(Workload(25, 600, 180), StaffingRule(0.8, 20, shrinkage=0.3))
    assert (staffing.agents, staffing.scheduled_agents) == (11, 16)


def test_an_occupancy_cap_can_need_more_agents_than_the_service_level() -> None:
    # 48 erlangs at most 85% busy: n ≥ 48/0.85 = 56.5, so 57 although SL needs only 55.
    staffing = required_staffing(
        Workload(360, 1800, 240), StaffingRule(0.8, 15, max_occupancy=0.85)
    )
    assert staffing.agents == 57
    assert staffing.figures.occupancy == pytest.approx(48 / 57, rel=1e-12)


@pytest.mark.parametrize(
    ("agents", "shrinkage", "expected"),
    # ceil(n / (1 - s)): 55/0.7 = 78.6 → 79; 70/0.7 = 100 exactly; 10/0.75 = 13.3 → 14.
    [(55, 0.3, 79), (70, 0.3, 100), (10, 0.25, 14), (7, 0.0, 7), (0, 0.5, 0)],
)
def test_scheduled_agents_round_up_the_shrinkage_gross_up(
    agents: int, shrinkage: float, expected: int
) -> None:
    assert scheduled_agents(agents, shrinkage) == expected


def test_no_calls_need_no_agents() -> None:
    staffing = required_staffing(Workload(0, 1800, 240), StaffingRule(0.9, 20, shrinkage=0.3))
    assert (staffing.agents, staffing.scheduled_agents) == (0, 0)


def test_patient_callers_are_staffed_with_erlang_a_and_the_answer_is_minimal() -> None:
    workload, rule = Workload(360, 1800, 240), StaffingRule(0.8, 15, patience_seconds=120)
    staffing = required_staffing(workload, rule)
    assert staffing.figures.p_abandon > 0
    assert_minimal(workload, rule, staffing.agents)


def test_3000_agent_loads_are_staffed_exactly() -> None:
    # 3,000 erlangs: Erlang C needs more agents than the load; check minimality directly.
    workload = Workload(3000 * 1800 / 240, 1800, 240)
    for rule in (StaffingRule(0.8, 20), StaffingRule(0.8, 20, patience_seconds=120)):
        staffing = required_staffing(workload, rule)
        assert_minimal(workload, rule, staffing.agents)
    erlang_c = required_staffing(workload, StaffingRule(0.8, 20)).agents
    assert erlang_c > 3000
    assert erlang_c_figures(12.5, 240, erlang_c, 20).service_level >= 0.8


@settings(max_examples=60, deadline=None)
@given(
    calls=st.floats(min_value=1, max_value=5000),
    aht=st.floats(min_value=30, max_value=900),
    target=st.floats(min_value=0.3, max_value=0.99),
    threshold=st.floats(min_value=0, max_value=60),
    patience=st.one_of(st.none(), st.floats(min_value=10, max_value=1800)),
    short=st.one_of(st.none(), st.floats(min_value=0, max_value=10)),
    occupancy=st.one_of(st.none(), st.floats(min_value=0.5, max_value=1.0)),
)
def test_the_staffing_found_is_the_fewest_agents_meeting_the_rule(
    calls: float,
    aht: float,
    target: float,
    threshold: float,
    patience: float | None,
    short: float | None,
    occupancy: float | None,
) -> None:
    workload = Workload(calls, 1800, aht)
    rule = StaffingRule(target, threshold, patience, short, occupancy)
    assert_minimal(workload, rule, required_staffing(workload, rule).agents)


@given(answer=st.integers(min_value=1, max_value=100_000), start=st.integers(0, 200_000))
def test_the_agent_search_finds_the_threshold_of_any_monotone_predicate(
    answer: int, start: int
) -> None:
    assert minimum_agents(lambda n: n >= answer, start) == answer


def test_an_unreachable_target_is_refused() -> None:
    with pytest.raises(Invalid, match="cannot be met"):
        minimum_agents(lambda n: False, 10)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target_service_level": 0.0}, "target_service_level"),
        ({"target_service_level": 1.2}, "target_service_level"),
        ({"threshold_seconds": -1.0}, "threshold_seconds"),
        ({"patience_seconds": 0.0}, "patience_seconds"),
        ({"short_abandon_seconds": -5.0}, "short_abandon_seconds"),
        ({"max_occupancy": 1.5}, "max_occupancy"),
        ({"shrinkage": 1.0}, "shrinkage"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(kwargs: dict[str, float], field: str) -> None:
    arguments: dict[str, float] = {"target_service_level": 0.8, "threshold_seconds": 20.0}
    with pytest.raises(Invalid) as caught:
        StaffingRule(**{**arguments, **kwargs})
    assert caught.value.fields["field"] == field
    assert field in caught.value.message


def test_negative_calls_are_refused() -> None:
    with pytest.raises(Invalid, match="calls must be >= 0"):
        Workload(-1, 1800, 240)


# --- forecast files -------------------------------------------------------------------


def test_a_forecast_csv_is_read_row_by_row() -> None:
    rows = parse_forecast("interval,calls,aht\n08:00,120,240\n\n08:30,0,0\n")
    assert rows == [
        ForecastInterval("08:00", 120.0, 240.0, line=2),
        ForecastInterval("08:30", 0.0, 0.0, line=4),
    ]


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("interval,calls,aht\n08:00,120,240\n08:30,many,240\n", 3, "calls"),
        ("interval,calls,aht\n08:00,-3,240\n", 2, "calls"),
        ("interval,calls,aht\n08:00,10,0\n", 2, "aht"),
        ("interval,calls,aht\n08:00,10,\n", 2, "aht"),
        ("interval,calls,aht\n,10,200\n", 2, "interval"),
        ("interval,calls,aht\n08:00,10,200\n08:00,12,200\n", 3, "interval"),
        ("interval,calls,aht\n08:00,10,200,9\n", 2, "aht"),
        ("interval,calls\n08:00,10\n", 1, "aht"),
        ("", 1, "interval"),
    ],
)
def test_a_bad_forecast_row_is_reported_with_its_line_and_field(
    text: str, line: int, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        parse_forecast(text, source="day.csv")
    assert caught.value.fields["line"] == line
    assert caught.value.fields["field"] == field
    assert caught.value.message.startswith(f"day.csv: line {line}")


def test_an_unreadable_forecast_file_is_reported_by_name(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(Invalid, match=r"missing\.csv: cannot read"):
        read_forecast(missing)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(Invalid, match=r"binary\.csv: cannot read"):
        read_forecast(binary)


def test_each_forecast_interval_is_staffed_like_a_single_interval() -> None:
    rows = read_forecast(EXAMPLE_FORECAST)
    rule = StaffingRule(0.8, 20, patience_seconds=120, shrinkage=0.3)
    staffed, _totals = staff_forecast(rows, 1800, rule)
    assert [s.interval for s in staffed] == [r.interval for r in rows]
    for row, result in zip(rows, staffed, strict=True):
        alone = required_staffing(Workload(row.calls, 1800, row.aht_seconds), rule)
        assert result.staffing == alone


def test_forecast_totals_aggregate_the_intervals_exactly() -> None:
    rows = parse_forecast("interval,calls,aht\n08:00,360,240\n08:30,100,180\n09:00,0,0\n")
    staffed, totals = staff_forecast(rows, 1800, StaffingRule(0.8, 20, shrinkage=0.3))
    first, second, closed = (s.staffing for s in staffed)
    assert (first.agents, second.agents, closed.agents) == (54, 14, 0)
    assert totals.calls == 460
    assert totals.peak_agents == 54
    assert totals.agent_hours == pytest.approx((54 + 14) * 0.5)
    assert totals.scheduled_agent_hours == pytest.approx((78 + 20) * 0.5)  # ceil(54/0.7) = 78
    # No abandonment: every call counts, so the day's SL and ASA are call-weighted means.
    sl = (360 * first.figures.service_level + 100 * second.figures.service_level) / 460
    assert totals.service_level == pytest.approx(sl, rel=1e-12)
    asa = (360 * first.figures.asa + 100 * second.figures.asa) / 460
    assert totals.asa_seconds == pytest.approx(asa, rel=1e-12)
    busy = 54 * first.figures.occupancy + 14 * second.figures.occupancy
    assert totals.occupancy == pytest.approx(busy / 68, rel=1e-12)
    assert math.isclose(totals.p_abandon, 0.0)
