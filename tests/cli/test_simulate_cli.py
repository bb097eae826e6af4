"""`centralita simulate` through the real command (Typer's runner)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from centralita.cli.main import app

SCENARIO = """\
name: small
duration_hours: 3
warmup_minutes: 20
start_time: "08:00"
seed: 7
queues:
  - id: sales
    service_level_seconds: 20
agent_groups:
  - id: g1
    agents: 6
    skills: {sales: 1}
arrivals:
  - queue: sales
    calls_per_hour: 72
    handle_time: {distribution: exponential, mean_seconds: 240}
    patience: {distribution: exponential, mean_seconds: 120}
"""
QUEUE_KEYS = {
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "service_level_answered",
    "asa_seconds",
    "p_wait",
    "abandon_rate",
    "average_abandon_seconds",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def scenario(tmp_path: Path, text: str = SCENARIO) -> Path:
    path = tmp_path / "day.yaml"
    path.write_text(text)
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["simulate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_has_the_figures_of_each_queue_and_group(tmp_path: Path) -> None:
    code, out, _ = run(str(scenario(tmp_path)), "--json")
    assert code == 0
    document = json.loads(out)
    sales = document["queues"]["sales"]
    assert sales.keys() >= QUEUE_KEYS
    assert sales["offered"] == sales["answered"] + sales["abandoned"] + sales["short_abandoned"]
    assert 0 < sales["service_level"] <= 1
    assert 0 < document["agent_groups"]["g1"]["occupancy"] < 1
    assert document["events_per_second"] > 0
    assert document["replications"] == 1


def test_replications_give_means_with_confidence_half_widths(tmp_path: Path) -> None:
    path = str(scenario(tmp_path))
    code, out, _ = run(path, "--json", "--replications", "3")
    assert code == 0
    three = json.loads(out)
    sales = three["queues"]["sales"]
    assert sales["ci95"].keys() >= QUEUE_KEYS
    assert sales["ci95"]["service_level"] > 0
    # a mean over three runs, not the single run of the same seed
    _, one, _ = run(path, "--json")
    assert json.loads(one)["queues"]["sales"]["offered"] != sales["offered"]


def test_the_same_seed_gives_the_same_figures(tmp_path: Path) -> None:
    path = str(scenario(tmp_path))
    first = json.loads(run(path, "--json", "--seed", "42")[1])["queues"]
    again = json.loads(run(path, "--json", "--seed", "42")[1])["queues"]
    other = json.loads(run(path, "--json", "--seed", "43")[1])["queues"]
    assert first == again
    assert first != other


def test_the_table_shows_the_figures(tmp_path: Path) -> None:
    code, out, _ = run(str(scenario(tmp_path)), "--replications", "2")
    assert code == 0
    assert "small: 3 h from 08:00" in out
    assert "Service level" in out and "±" in out
    assert "g1" in out and "events/s" in out


def test_plot_writes_a_png(tmp_path: Path) -> None:
    chart = tmp_path / "day.png"
    code, out, _ = run(str(scenario(tmp_path)), "--plot", str(chart))
    assert code == 0
    data = chart.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000
    assert f"Chart written to {chart}" in out


def test_a_bad_scenario_is_one_line_naming_the_field_and_exits_2(tmp_path: Path) -> None:
    path = scenario(
        tmp_path,
        SCENARIO.replace(
            "distribution: exponential, mean_seconds: 240", "distribution: expo, mean_seconds: 240"
        ),
    )
    code, out, err = run(str(path), "--json")
    assert code == 2
    assert out == ""
    assert err == (
        f"error: {path}: arrivals[0].handle_time.distribution: 'expo' is not one of "
        "exponential, lognormal, gamma, deterministic, empirical\n"
    )


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope.yaml"))
    assert code == 2
    assert err.startswith("error: ") and "nope.yaml: cannot read" in err


def test_the_example_scenarios_run(tmp_path: Path) -> None:
    examples = Path(__file__).parents[2] / "examples" / "scenarios"
    code, out, _ = run(str(examples / "single_queue.yaml"), "--json")
    assert code == 0
    assert json.loads(out)["queues"]["sales"]["offered"] > 5000
