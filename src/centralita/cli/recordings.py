"""`centralita recordings ...`: the retention purge of call recordings."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from centralita.app.recording_purge import purge
from centralita.cli.common import ConfigOption, clear_errors, settings_from
from centralita.clock import utcnow
from centralita.errors import Invalid
from centralita.recording.storage import LocalStorage
from centralita.store.db import Store

app = typer.Typer(help="Call recordings.", no_args_is_help=True)


@app.command("purge")
def purge_command(
    config: Path | None = ConfigOption,
    now: str | None = typer.Option(
        None, help="purge as of this instant (ISO 8601 with offset; default: now)"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="list what would go, delete nothing"),
) -> None:
    """Delete the audio of recordings past their retention (never under legal hold).

    Each purged recording keeps its metadata and gets a `recording.purged` event."""
    with clear_errors():
        settings = settings_from(config)
        at = utcnow()
        if now is not None:
            try:
                at = datetime.fromisoformat(now)
            except ValueError:
                raise Invalid(f"--now: {now!r} is not an ISO 8601 instant", field="now") from None
            if at.tzinfo is None:
                raise Invalid("--now: give the UTC offset, e.g. 2026-03-02T13:00:00+00:00")
        store = Store.from_url(settings.database_url_plain)
        try:
            storage = LocalStorage(settings.data_dir / "recordings")
            result = purge(store, storage, now=at, actor="cli", dry_run=dry_run)
        finally:
            store.dispose()
        verb = "would purge" if dry_run else "purged"
        typer.echo(
            f"{verb} {len(result.purged)} recording(s); {len(result.held)} expired but "
            f"under legal hold kept; {len(result.errors)} error(s)"
        )
        for row_id, error in result.errors.items():
            typer.echo(f"recording {row_id}: {error}", err=True)
        if result.errors:
            raise typer.Exit(1)
