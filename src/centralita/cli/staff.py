"""`centralita staff`: the fewest agents that meet a service target (Erlang C or A)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from centralita.errors import Invalid
from centralita.sim.staffing import (
    ForecastTotals,
    IntervalStaffing,
    Staffing,
    StaffingRule,
    Workload,
    read_forecast,
    required_staffing,
    staff_forecast,
)

#: Which command-line option a domain field comes from, for error messages.
OPTIONS = {
    "calls": "--calls",
    "aht_seconds": "--aht",
    "interval_seconds": "--interval-minutes",
    "target_service_level": "--target-sl",
    "threshold_seconds": "--target-seconds",
    "patience_seconds": "--patience",
    "short_abandon_seconds": "--short-abandon-seconds",
    "max_occupancy": "--max-occupancy",
    "shrinkage": "--shrinkage",
}

IntervalFileOption = typer.Option(
    None, "--interval-file", help="Forecast CSV with columns interval,calls,aht (AHT in seconds)."
)


def staff(
    calls: float | None = typer.Option(None, "--calls", help="Calls forecast in the interval."),
    interval_minutes: float = typer.Option(30.0, "--interval-minutes", help="Interval length."),
    aht: float | None = typer.Option(None, "--aht", help="Average handle time, seconds."),
    target_sl: float = typer.Option(
        0.8, "--target-sl", help="Share of calls to answer within --target-seconds, in (0, 1]."
    ),
    target_seconds: float = typer.Option(20.0, "--target-seconds", help="Threshold T, seconds."),
    patience: float | None = typer.Option(
        None, "--patience", help="Mean caller patience, seconds: use Erlang A (else Erlang C)."
    ),
    short_abandon_seconds: float | None = typer.Option(
        None,
        "--short-abandon-seconds",
        help="Leave abandons within this many seconds out of the service level.",
    ),
    max_occupancy: float | None = typer.Option(
        None, "--max-occupancy", help="Highest acceptable occupancy, in (0, 1]."
    ),
    shrinkage: float = typer.Option(
        0.0, "--shrinkage", help="Share of paid time off the phones, in [0, 1)."
    ),
    interval_file: Path | None = IntervalFileOption,
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print the fewest agents meeting a service-level target, and what they achieve.

    Service level = answered within T ÷ (answered + abandoned after the short threshold).

    Erlang C assumes callers never hang up; --patience switches to Erlang A.
    """
    try:
        if not interval_minutes > 0:
            _fail(f"--interval-minutes must be > 0, got {interval_minutes}")
        rule = StaffingRule(
            target_service_level=target_sl,
            threshold_seconds=target_seconds,
            patience_seconds=patience,
            short_abandon_seconds=short_abandon_seconds,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
        )
        interval_seconds = interval_minutes * 60.0
        if interval_file is not None:
            if calls is not None or aht is not None:
                _fail("--interval-file takes the calls and AHT from the file; drop --calls/--aht")
            rows, totals = staff_forecast(read_forecast(interval_file), interval_seconds, rule)
            _print_forecast(rows, totals, rule, interval_minutes, json_output)
            return
        if calls is None or aht is None:
            _fail("give --calls and --aht (or --interval-file)")
        workload = Workload(calls=calls, interval_seconds=interval_seconds, aht_seconds=aht)
        staffing = required_staffing(workload, rule)
    except Invalid as error:
        _fail(_option_message(error))
    _print_one(workload, staffing, rule, interval_minutes, json_output)


def figures_json(staffing: Staffing) -> dict[str, Any]:
    """The JSON object of one staffing result (keys are part of the command's contract)."""
    f = staffing.figures
    return {
        "agents": staffing.agents,
        "scheduled_agents": staffing.scheduled_agents,
        "offered_load_erlangs": f.offered_load,
        "service_level": f.service_level,
        "service_level_answered": f.service_level_answered,
        "asa_seconds": f.asa,
        "p_wait": f.p_wait,
        "occupancy": f.occupancy,
        "p_abandon": f.p_abandon,
    }


def _print_one(
    workload: Workload, staffing: Staffing, rule: StaffingRule, minutes: float, as_json: bool
) -> None:
    if as_json:
        typer.echo(json.dumps({"model": _model(rule), **figures_json(staffing)}, indent=2))
        return
    f = staffing.figures
    typer.echo(_title(rule))
    table = Table(show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("Calls", f"{workload.calls:g} in {minutes:g} min")
    table.add_row("Average handle time", f"{workload.aht_seconds:g} s")
    table.add_row("Offered load", f"{f.offered_load:.2f} erlangs")
    table.add_row("Agents on the phones", str(staffing.agents))
    if rule.shrinkage:
        table.add_row(
            f"Agents to schedule ({rule.shrinkage:.0%} shrinkage)", str(staffing.scheduled_agents)
        )
    table.add_row(
        f"Service level (answered within {rule.threshold_seconds:g} s)", f"{f.service_level:.1%}"
    )
    table.add_row("ASA", f"{f.asa:.1f} s")
    table.add_row("P(wait)", f"{f.p_wait:.1%}")
    table.add_row("Occupancy", f"{f.occupancy:.1%}")
    table.add_row("P(abandon)", f"{f.p_abandon:.1%}")
    Console(soft_wrap=True).print(table)


def _print_forecast(
    rows: list[IntervalStaffing],
    totals: ForecastTotals,
    rule: StaffingRule,
    minutes: float,
    as_json: bool,
) -> None:
    if as_json:
        document = {
            "model": _model(rule),
            "interval_minutes": minutes,
            "intervals": [
                {
                    "interval": r.interval,
                    "calls": r.calls,
                    "aht_seconds": r.aht_seconds,
                    **figures_json(r.staffing),
                }
                for r in rows
            ],
            "totals": {
                "calls": totals.calls,
                "peak_agents": totals.peak_agents,
                "peak_scheduled_agents": totals.peak_scheduled_agents,
                "agent_hours": totals.agent_hours,
                "scheduled_agent_hours": totals.scheduled_agent_hours,
                "service_level": totals.service_level,
                "asa_seconds": totals.asa_seconds,
                "p_wait": totals.p_wait,
                "occupancy": totals.occupancy,
                "p_abandon": totals.p_abandon,
            },
        }
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(f"{_title(rule)}, {minutes:g}-minute intervals")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("Time", "Calls", "AHT", "Erl", "Agents", "Sched", "SL", "ASA", "Occ", "Aband"):
        table.add_column(name, justify="left" if name == "Time" else "right")
    for r in rows:
        f = r.staffing.figures
        table.add_row(
            r.interval,
            f"{r.calls:g}",
            f"{r.aht_seconds:g}",
            f"{f.offered_load:.1f}",
            str(r.staffing.agents),
            str(r.staffing.scheduled_agents),
            f"{f.service_level:.1%}",
            f"{f.asa:.1f}",
            f"{f.occupancy:.1%}",
            f"{f.p_abandon:.1%}",
        )
    table.add_section()
    table.add_row(
        "Day",
        f"{totals.calls:g}",
        *[""] * 4,
        f"{totals.service_level:.1%}",
        f"{totals.asa_seconds:.1f}",
        f"{totals.occupancy:.1%}",
        f"{totals.p_abandon:.1%}",
    )
    Console(soft_wrap=True).print(table)
    typer.echo("AHT and ASA in seconds; Erl = offered load in erlangs; Sched = after shrinkage.")
    typer.echo(
        f"Agent-hours: {totals.agent_hours:g} on the phones, "
        f"{totals.scheduled_agent_hours:g} scheduled; "
        f"peak {totals.peak_agents} agents ({totals.peak_scheduled_agents} scheduled)"
    )


def _title(rule: StaffingRule) -> str:
    model = (
        f"Erlang A, mean patience {rule.patience_seconds:g} s"
        if rule.patience_seconds
        else ("Erlang C")
    )
    return (
        f"Staffing for {rule.target_service_level:.0%} answered within "
        f"{rule.threshold_seconds:g} s ({model})"
    )


def _model(rule: StaffingRule) -> str:
    return "erlang_c" if rule.patience_seconds is None else "erlang_a"


def _option_message(error: Invalid) -> str:
    field = error.fields.get("field")
    option = OPTIONS.get(field) if isinstance(field, str) else None
    if option is None or "reason" not in error.fields:
        return error.message
    return f"{option} {error.fields['reason']}, got {error.fields['value']:g}"


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    sys.exit(2)
