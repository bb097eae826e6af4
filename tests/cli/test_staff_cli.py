"""`centralita staff` through the real command (Typer's runner and a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from centralita.cli.main import app
from centralita.sim.staffing import StaffingRule, Workload, required_staffing

EXAMPLE_FORECAST = Path(__file__).parents[2] / "examples" / "forecast" / "weekday.csv"
CLASSIC = ["--calls", "360", "--interval-minutes", "30", "--aht", "240", "--target-sl", "0.8"]
KEYS = {"agents", "service_level", "asa_seconds", "p_wait", "occupancy", "p_abandon"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["staff", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_gives_the_staffing_and_figures_of_the_erlang_c_example() -> None:
    # 55 agents: see tests/sim/test_staffing.py (closed-form SL 0.8459 at 55, 0.7929 at 54).
    code, out, _ = run(*CLASSIC, "--target-seconds", "15", "--json")
    assert code == 0
    document = json.loads(out)
    assert document.keys() >= KEYS
    expected = required_staffing(Workload(360, 1800, 240), StaffingRule(0.8, 15))
    assert document["agents"] == 55
    assert document["model"] == "erlang_c"
    assert document["service_level"] == expected.figures.service_level
    assert document["asa_seconds"] == expected.figures.asa
    assert document["p_wait"] == expected.figures.p_wait
    assert document["occupancy"] == pytest.approx(48 / 55, rel=1e-12)
    assert document["p_abandon"] == 0.0


def test_patience_switches_to_erlang_a_with_every_option_applied() -> None:
    code, out, _ = run(
        *CLASSIC,
        "--target-seconds", "15",
        "--patience", "120",
        "--short-abandon-seconds", "5",
        "--max-occupancy", "0.85",
        "--shrinkage", "0.3",
        "--json",
    )  # fmt: skip
    assert code == 0
    document = json.loads(out)
    rule = StaffingRule(0.8, 15, 120, 5, 0.85, 0.3)
    expected = required_staffing(Workload(360, 1800, 240), rule)
    assert document["model"] == "erlang_a"
    assert document["agents"] == expected.agents
    assert document["scheduled_agents"] == expected.scheduled_agents
    assert document["p_abandon"] == expected.figures.p_abandon > 0
    assert document["occupancy"] <= 0.85


def test_without_json_a_readable_table_is_printed() -> None:
    code, out, _ = run(*CLASSIC, "--target-seconds", "15", "--shrinkage", "0.3")
    assert code == 0
    assert "Erlang C" in out
    assert "Agents on the phones" in out and "55" in out
    assert "79" in out  # ceil(55 / 0.7) agents to schedule
    assert "84.6%" in out  # the service level at 55 agents


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--calls", "-5", "--aht", "240"], "--calls"),
        (["--calls", "50", "--aht", "0"], "--aht"),
        (["--calls", "50", "--aht", "240", "--target-sl", "1.5"], "--target-sl"),
        (["--calls", "50", "--aht", "240", "--target-sl", "0"], "--target-sl"),
        (["--calls", "50", "--aht", "240", "--shrinkage", "1"], "--shrinkage"),
        (["--calls", "50", "--aht", "240", "--patience", "-1"], "--patience"),
        (["--calls", "50", "--aht", "240", "--max-occupancy", "2"], "--max-occupancy"),
        (["--calls", "50", "--aht", "240", "--interval-minutes", "0"], "--interval-minutes"),
        (["--aht", "240"], "--calls"),
    ],
)
def test_bad_options_give_one_error_line_naming_the_option(args: list[str], option: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ") and option in lines[0]


def test_an_unreadable_forecast_file_gives_one_error_line(tmp_path: Path) -> None:
    code, _, err = run("--interval-file", str(tmp_path / "nope.csv"))
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: {tmp_path / 'nope.csv'}: cannot read: " + ("No such file or directory")
    ]


def test_a_bad_forecast_row_is_named_by_line_and_field(tmp_path: Path) -> None:
    forecast = tmp_path / "day.csv"
    forecast.write_text("interval,calls,aht\n08:00,100,240\n08:30,lots,240\n")
    code, _, err = run("--interval-file", str(forecast))
    assert code == 2
    assert err.strip() == f"error: {forecast}: line 3: field 'calls' must be a number, got 'lots'"


def test_interval_file_json_lists_each_interval_and_day_totals() -> None:
    code, out, _ = run("--interval-file", str(EXAMPLE_FORECAST), "--patience", "120", "--json")
    assert code == 0
    document = json.loads(out)
    rows = EXAMPLE_FORECAST.read_text().splitlines()[1:]
    assert [i["interval"] for i in document["intervals"]] == [r.split(",")[0] for r in rows]
    rule = StaffingRule(0.8, 20, patience_seconds=120)
    for interval in document["intervals"]:
        assert interval.keys() >= KEYS
        workload = Workload(interval["calls"], 1800, interval["aht_seconds"])
        assert interval["agents"] == required_staffing(workload, rule).agents
    totals = document["totals"]
    assert totals["peak_agents"] == max(i["agents"] for i in document["intervals"])
    assert totals["calls"] == sum(i["calls"] for i in document["intervals"])
    assert totals["agent_hours"] == sum(i["agents"] for i in document["intervals"]) / 2


def test_interval_file_table_shows_every_interval() -> None:
    code, out, _ = run("--interval-file", str(EXAMPLE_FORECAST))
    assert code == 0
    for row in EXAMPLE_FORECAST.read_text().splitlines()[1:]:
        assert row.split(",")[0] in out
    assert "Agent-hours" in out


def test_interval_file_refuses_calls_given_on_the_command_line() -> None:
    code, _, err = run("--interval-file", str(EXAMPLE_FORECAST), "--calls", "10")
    assert code == 2
    assert "--interval-file" in err


def test_the_installed_command_prints_json() -> None:
    command = Path(sys.executable).parent / "centralita"
    result = subprocess.run(
        [str(command), "staff", *CLASSIC, "--target-seconds", "15", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["agents"] == 55
    assert document.keys() >= KEYS
