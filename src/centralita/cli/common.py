"""What every command shares: loading settings and turning errors into one clear line."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from centralita.config import Settings, load_settings
from centralita.errors import CentralitaError

ConfigOption = typer.Option(
    None,
    "--config",
    "-c",
    help="TOML configuration file (default: $CENTRALITA_CONFIG)",
    exists=False,
    dir_okay=False,
)


@contextlib.contextmanager
def clear_errors() -> Iterator[None]:
    """Print a `CentralitaError` as one line `error: ...` on stderr and exit with status 2."""
    try:
        yield
    except CentralitaError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)


def settings_from(config: Path | None, **overrides: object) -> Settings:
    settings = load_settings(config)
    changes = {k: v for k, v in overrides.items() if v is not None}
    if changes:
        settings = Settings(**{**settings.model_dump(), **changes})
    return settings
