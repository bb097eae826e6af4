"""`centralita reports ...`: rebuild the report projections from the event log."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from centralita.cli.common import ConfigOption, clear_errors, settings_from
from centralita.reports.projection import Follower, rebuild
from centralita.store.db import Store

app = typer.Typer(help="Report projections and scheduled reports.", no_args_is_help=True)


@app.command("rebuild")
def rebuild_command(config: Path | None = ConfigOption) -> None:
    """Empty the report tables and replay the whole event log into them.

    Safe to run while the center is live: its follower waits for the rebuild and resumes
    from it. If the rebuild fails, the previous projection is kept as it was.
    """
    with clear_errors():
        settings = settings_from(config)
        store = Store.from_url(settings.database_url_plain)
        try:
            with Progress(
                TextColumn("[bold]replaying the event log"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                transient=True,
            ) as bar:
                task = bar.add_task("events", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                result = rebuild(store, progress=progress)
        finally:
            store.engine.dispose()
        typer.echo(
            f"rebuilt the reports from {result.events:,} events ({result.calls:,} calls) "
            f"in {result.seconds:.1f} s: {result.events_per_second:,.0f} events/s"
        )


@app.command("update")
def update_command(config: Path | None = ConfigOption) -> None:
    """Bring the report tables up to date with the events written since the last update
    (`centralita serve` does this every few seconds by itself)."""
    with clear_errors():
        settings = settings_from(config)
        store = Store.from_url(settings.database_url_plain)
        try:
            read = Follower(store).catch_up()
        finally:
            store.engine.dispose()
        typer.echo(f"projected {read:,} new events")
