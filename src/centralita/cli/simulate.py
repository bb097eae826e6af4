"""`centralita simulate`: a simulated day of the center, on the real routing core.

With `--store` the simulated days are written into a tenant's event log and interactions,
as the live center would have written them (`centralita.app.history`).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from centralita.cli.common import ConfigOption, clear_errors, settings_from, share_bar
from centralita.errors import Invalid
from centralita.sim.replications import Report, run_scenario
from centralita.sim.scenario import Scenario, clock_seconds, load_scenario

ROWS = (
    ("Offered", "offered", "{:.0f}"),
    ("Answered", "answered", "{:.0f}"),
    ("Abandoned (after short-abandon threshold)", "abandoned", "{:.0f}"),
    ("Short abandons", "short_abandoned", "{:.0f}"),
    ("Overflowed", "overflowed", "{:.0f}"),
    ("Rejected", "rejected", "{:.0f}"),
    ("Service level", "service_level", "{:.1%}"),
    ("Service level (of answered)", "service_level_answered", "{:.1%}"),
    ("ASA", "asa_seconds", "{:.1f} s"),
    ("Waited at all", "p_wait", "{:.1%}"),
    ("Abandon rate", "abandon_rate", "{:.1%}"),
    ("Average abandon time", "average_abandon_seconds", "{:.1f} s"),
)


ScenarioArgument = typer.Argument(..., help="Scenario file (YAML), see docs/simulation.md.")
PlotOption = typer.Option(
    None, "--plot", help="Write a PNG of intraday service level and queue length."
)
StoreOption = typer.Option(
    False,
    "--store",
    help="Write the simulated days into --tenant's event log and interactions, as the live "
    "center would (day k is replication k of the seed); each day is stored once.",
)
TenantOption = typer.Option(None, "--tenant", help="With --store: the tenant's slug.")
StartOption = typer.Option(
    None, "--start", help="With --store: the first day, YYYY-MM-DD in the center's time zone."
)
DaysOption = typer.Option(None, "--days", min=1, help="With --store: how many days (default 1).")
DatabaseOption = typer.Option(
    None, "--database-url", help="With --store: the database (default: the configured one)."
)


def simulate(
    scenario: Path = ScenarioArgument,
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object."),
    replications: int = typer.Option(
        1, "--replications", "-n", min=1, help="Independent runs; figures are their means."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed (default: the scenario's)."),
    plot: Path | None = PlotOption,
    store: bool = StoreOption,
    tenant: str | None = TenantOption,
    start: str | None = StartOption,
    days: int | None = DaysOption,
    database_url: str | None = DatabaseOption,
    config: Path | None = ConfigOption,
) -> None:
    """Simulate the scenario's day with the live routing core and print its figures.

    Service level = answered within T ÷ (answered + abandoned after the short-abandon
    threshold); with --replications each figure is a mean with its 95% half-width.

    With --store --tenant SLUG --start YYYY-MM-DD [--days N], the days are written into
    the tenant's event log so reports can read them like real days.
    """
    if store or tenant or start or days or database_url:
        with clear_errors():
            options = _StoreOptions(store, tenant, start, days, database_url, replications, plot)
            _store(scenario, options, seed, config, json_output)
        return
    with clear_errors():
        spec = load_scenario(scenario)
        report = _run(spec, scenario, replications, seed, show_progress=not json_output)
        document = report.to_dict()
        if plot is not None:
            _plot(document, spec, plot)
    if json_output:
        typer.echo(json.dumps(_finite(document), indent=2))
        return
    _print(document, spec, replications)
    if plot is not None:
        typer.echo(f"Chart written to {plot}")


def _run(
    spec: Scenario, path: Path, replications: int, seed: int | None, show_progress: bool
) -> Report:
    with share_bar("simulating", spec.name, show=show_progress) as progress:
        return run_scenario(
            spec, path.parent, replications, seed, source=str(path), progress=progress
        )


class _StoreOptions:
    """The --store options, checked before anything is read or written."""

    def __init__(
        self,
        store: bool,
        tenant: str | None,
        start: str | None,
        days: int | None,
        database_url: str | None,
        replications: int,
        plot: Path | None,
    ) -> None:
        if not store:
            raise Invalid(
                "--tenant, --start, --days and --database-url go with --store", field="store"
            )
        if not tenant:
            raise Invalid("--store needs --tenant SLUG (the tenant to write into)", field="tenant")
        if not start:
            raise Invalid("--store needs --start YYYY-MM-DD (the first day)", field="start")
        if replications != 1 or plot is not None:
            raise Invalid(
                "--store writes days, one replication each: use --days, not --replications "
                "or --plot",
                field="store",
            )
        try:
            self.first = date.fromisoformat(start)
        except ValueError:
            raise Invalid(
                f"--start: {start!r} is not a date (YYYY-MM-DD)", field="start", value=start
            ) from None
        self.tenant = tenant
        self.days = days or 1
        self.database_url = database_url


def _store(
    path: Path, options: _StoreOptions, seed: int | None, config: Path | None, as_json: bool
) -> None:
    from centralita.app.history import store_days
    from centralita.cli.serve import ready_store

    spec = load_scenario(path)
    settings = settings_from(config, database_url=options.database_url)
    plan = [(options.first + timedelta(days=k), spec) for k in range(options.days)]
    store = ready_store(settings)
    try:
        with share_bar("storing", f"{spec.name}, {options.days} days", show=not as_json) as bar:
            history = store_days(
                store,
                options.tenant,
                plan,
                base=path.parent,
                timezone=settings.timezone,
                seed=seed,
                source=str(path),
                progress=bar,
            )
    finally:
        store.dispose()
    for note in history.ids.notes:
        typer.echo(f"note: {note}", err=True)
    if as_json:
        document = {
            "scenario": spec.name,
            "tenant": options.tenant,
            "days": [
                {
                    "date": d.day.isoformat(),
                    "calls": d.run.calls,
                    "queues": {q: asdict(m) for q, m in d.run.measures.queues.items()},
                }
                for d in history.days
            ],
            "events": history.events,
            "interactions": history.interactions,
            "wall_seconds": history.wall_seconds,
            "events_per_second": history.events_per_second,
        }
        typer.echo(json.dumps(_finite(document), indent=2))
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, caption="offered calls · service level")
    table.add_column("Day", no_wrap=True)
    for queue in spec.queues:
        table.add_column(queue.id, justify="right", no_wrap=True)
    for d in history.days:
        cells = []
        for queue in spec.queues:
            figures = d.run.measures.queues[queue.id]
            cells.append(f"{figures.offered:,} · {figures.service_level:.0%}")
        table.add_row(f"{d.day:%a %Y-%m-%d}", *cells)
    last = plan[-1][0]
    typer.echo(
        f"Stored {options.days} simulated day{'s' if options.days > 1 else ''} of "
        f"{spec.name!r} in tenant {options.tenant!r} ({options.first} to {last}, "
        f"{settings.timezone}):"
    )
    Console(soft_wrap=True).print(table)
    typer.echo(
        f"{history.interactions:,} interactions, {history.events:,} events written in "
        f"{history.wall_seconds:.1f} s ({history.events_per_second:,.0f} events/s)"
    )


def _plot(document: dict[str, Any], spec: Scenario, path: Path) -> None:
    from centralita.sim.plot import plot_intervals

    try:
        plot_intervals(
            document["intervals"],
            path,
            title=f"{spec.name}: intraday service level and queue",
            origin=clock_seconds(spec.start_time),
            duration=spec.duration_hours * 3600.0,
            thresholds={q.id: q.service_level_seconds for q in spec.queues},
        )
    except OSError as exc:
        raise Invalid(f"--plot: cannot write {path}: {exc.strerror}", field="plot") from None


def _print(document: dict[str, Any], spec: Scenario, replications: int) -> None:
    console = Console(soft_wrap=True)
    runs = "1 run" if replications == 1 else f"mean of {replications} runs ± 95% half-width"
    typer.echo(
        f"{spec.name}: {spec.duration_hours:g} h from {spec.start_time}, "
        f"calls after the first {spec.warmup_minutes:g} min counted ({runs}, seed "
        f"{document['seed']})"
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Queue")
    queues = document["queues"]
    for queue in queues:
        table.add_column(queue, justify="right")
    for label, key, fmt in ROWS:
        cells = []
        for figures in queues.values():
            text = fmt.format(figures[key])
            if replications > 1:
                text += " ± " + fmt.format(figures["ci95"][key]).replace(" s", "")
            cells.append(text)
        table.add_row(label, *cells)
    console.print(table)
    groups = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    groups.add_column("Agent group")
    groups.add_column("Occupancy", justify="right")
    groups.add_column("Utilization", justify="right")
    for group, figures in document["agent_groups"].items():
        cells = [f"{figures[k]:.1%}" for k in ("occupancy", "utilization")]
        if replications > 1:
            cells = [
                f"{c} ± {figures['ci95'][k]:.1%}"
                for c, k in zip(cells, ("occupancy", "utilization"), strict=True)
            ]
        groups.add_row(group, *cells)
    console.print(groups)
    typer.echo(
        f"{document['events']:,} events in {document['wall_seconds']:.1f} s "
        f"({document['events_per_second']:,.0f} events/s); "
        f"{document['calls']:,.0f} calls per day"
        + (f", {document['unfinished']:g} unfinished" if document["unfinished"] else "")
    )


def _finite(value: Any) -> Any:
    """The document with NaN (no calls in an interval) as null, so it stays valid JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
