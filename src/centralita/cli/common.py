"""What every command shares: loading settings and turning errors into one clear line."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

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


@contextlib.contextmanager
def share_bar(
    verb: str, description: str, *, show: bool = True
) -> Iterator[Callable[[float], None] | None]:
    """A transient progress bar on stderr for work that reports its share done (0 to 1):
    yields that callback, or None when there is no bar (`show` false, or stderr is not a
    terminal)."""
    console = Console(stderr=True)
    if not (show and console.is_terminal):
        yield None
        return
    with Progress(
        TextColumn(f"[bold]{verb}[/bold] {{task.description}}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=1.0)
        yield lambda share: progress.update(task, completed=share)
