"""`centralita db ...`: create, upgrade and inspect the database schema."""

from __future__ import annotations

from pathlib import Path

import typer

from centralita.cli.common import ConfigOption, clear_errors, settings_from
from centralita.store import migrate

app = typer.Typer(help="Create, upgrade and inspect the database schema.", no_args_is_help=True)


@app.command()
def upgrade(
    config: Path | None = ConfigOption,
    revision: str = typer.Argument("head", help="target revision"),
) -> None:
    """Create the database or bring it up to date (safe to run at every start)."""
    with clear_errors():
        settings = settings_from(config)
        migrate.upgrade(settings.database_url_plain, revision)
        typer.echo(f"database at revision {migrate.current(settings.database_url_plain)}")


@app.command()
def downgrade(
    config: Path | None = ConfigOption,
    revision: str = typer.Argument("-1", help="target revision (default one step)"),
) -> None:
    """Step the schema back (to undo an upgrade; data in removed tables is lost)."""
    with clear_errors():
        settings = settings_from(config)
        migrate.downgrade(settings.database_url_plain, revision)
        typer.echo(f"database at revision {migrate.current(settings.database_url_plain)}")


@app.command()
def current(config: Path | None = ConfigOption) -> None:
    """Print the schema revision of the database and the newest one known."""
    with clear_errors():
        settings = settings_from(config)
        typer.echo(
            f"database: {migrate.current(settings.database_url_plain) or 'empty'}; "
            f"newest: {migrate.head()}"
        )
