"""Scenario files: validation errors name the file, the field and what is accepted."""

from __future__ import annotations

from pathlib import Path
from random import Random
from typing import Any

import pytest

from centralita.errors import Invalid
from centralita.sim.scenario import load_scenario, parse_scenario
from centralita.sim.world import build_world

EXAMPLES = Path(__file__).parents[2] / "examples" / "scenarios"
EXPO = {"distribution": "exponential", "mean_seconds": 240}


def minimal() -> dict[str, Any]:
    return {
        "duration_hours": 1,
        "queues": [{"id": "sales"}],
        "agent_groups": [{"id": "g", "agents": 2, "skills": {"sales": 1}}],
        "arrivals": [{"queue": "sales", "calls_per_hour": 10, "handle_time": dict(EXPO)}],
    }


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(Invalid) as caught:
        parse_scenario(data, "day.yaml")
    return caught.value.message


def test_the_issue_example_is_accepted_with_its_defaults() -> None:
    s = load_scenario(EXAMPLES / "single_queue.yaml")
    assert (s.duration_hours, s.warmup_minutes, s.seed) == (8, 30, 7)
    assert s.queues[0].service_level_seconds == 20
    assert s.arrivals[0].patience is not None
    assert s.group_queues(s.agent_groups[0]) == ["sales"]


def test_an_unknown_distribution_names_the_field_and_the_accepted_ones() -> None:
    data = minimal()
    data["arrivals"][0]["handle_time"]["distribution"] = "expo"
    assert error_of(data) == (
        "day.yaml: arrivals[0].handle_time.distribution: 'expo' is not one of "
        "exponential, lognormal, gamma, deterministic, empirical"
    )


def test_an_unknown_field_lists_the_accepted_fields() -> None:
    data = minimal()
    data["agent_groups"][0]["agent"] = 3
    message = error_of(data)
    assert message.startswith("day.yaml: agent_groups[0].agent: unknown field (accepted: id, ")
    assert "agents" in message


def test_a_missing_field_is_named() -> None:
    data = minimal()
    del data["duration_hours"]
    assert error_of(data) == "day.yaml: duration_hours: required"


def test_an_arrival_needs_a_handle_time_unless_a_forecast_gives_it() -> None:
    data = minimal()
    del data["arrivals"][0]["handle_time"]
    assert error_of(data) == (
        "day.yaml: arrivals[0]: 'handle_time' is required (without a forecast_file)"
    )
    data["arrivals"][0]["forecast_file"] = "day.csv"
    assert error_of(data) == (
        "day.yaml: arrivals[0]: give either 'calls_per_hour' or 'forecast_file'"
    )


def test_a_distribution_without_its_parameters_says_which() -> None:
    data = minimal()
    data["arrivals"][0]["patience"] = {"distribution": "lognormal", "mean_seconds": 60}
    assert error_of(data) == (
        "day.yaml: arrivals[0].patience: lognormal needs 'sd_seconds' (standard deviation)"
    )


def test_a_bad_rate_says_what_is_accepted() -> None:
    data = minimal()
    data["arrivals"][0]["calls_per_hour"] = "many"
    assert error_of(data) == (
        "day.yaml: arrivals[0].calls_per_hour: expected a number >= 0 or a list of them "
        "(one rate per interval), got 'many'"
    )


def test_a_rate_profile_must_cover_the_day() -> None:
    data = minimal()
    data["arrivals"][0]["calls_per_hour"] = [10]
    data["arrivals"][0]["interval_minutes"] = 30
    assert "does not cover 1 hours" in error_of(data)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"arrivals": [{"queue": "nope", "calls_per_hour": 1, "handle_time": EXPO}]}, "'nope'"),
        ({"warmup_minutes": 60}, "warmup_minutes must be shorter than the duration"),
        ({"start_time": "8h"}, "start_time: expected a time of day HH:MM, got '8h'"),
        ({"queues": [{"id": "sales", "strategy": "best"}]}, "'best' is not one of longest_idle"),
        ({"queues": [{"id": "sales"}, {"id": "sales"}]}, "id 'sales' is used twice"),
    ],
)
def test_inconsistent_scenarios_are_refused(change: dict[str, Any], expected: str) -> None:
    data = minimal()
    data.update(change)
    assert expected in error_of(data)


def test_the_core_refuses_what_only_it_checks_and_the_message_names_the_queue() -> None:
    data = minimal()
    data["queues"][0]["max_wait_seconds"] = 30  # needs an overflow target
    spec = parse_scenario(data, "day.yaml")
    with pytest.raises(Invalid) as caught:
        build_world(spec, Path("."), Random(0), "day.yaml")
    assert caught.value.message.startswith("day.yaml: queue 'sales': overflow_queue")


def test_an_unreadable_empirical_file_is_named(tmp_path: Path) -> None:
    data = minimal()
    data["arrivals"][0]["handle_time"] = {"distribution": "empirical", "file": "missing.csv"}
    spec = parse_scenario(data)
    with pytest.raises(Invalid, match=r"arrivals\[0\]\.handle_time\.file: cannot read"):
        build_world(spec, tmp_path, Random(0))


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("queues: [\n")
    with pytest.raises(Invalid, match=r"bad\.yaml: not valid YAML"):
        load_scenario(path)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_scenario_builds(path: Path) -> None:
    spec = load_scenario(path)
    world = build_world(spec, path.parent, Random(0), str(path))
    assert world.router.agent_ids()
