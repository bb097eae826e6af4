"""The `centralita` command: one entry point for operators, planners and developers."""

from __future__ import annotations

import typer

from centralita import __version__
from centralita.cli import db, serve

app = typer.Typer(
    name="centralita",
    help=(
        "Centralita, an open-source contact center.\n\n"
        "Quick start: `centralita db upgrade` creates or updates the database, "
        "`centralita demo` seeds a demo company and serves it, "
        "`centralita serve` runs the center."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def version() -> None:
    """Print Centralita's version."""
    typer.echo(__version__)


app.command()(serve.serve)
app.command()(serve.demo)
app.command()(serve.config)
app.add_typer(db.app, name="db")


# --- sub-commands registered by feature modules (one line each) -------------------------
# (keep this block sorted; each feature owns its own module under centralita.cli)
from centralita.cli import bench  # noqa: E402

app.add_typer(bench.app, name="bench")
from centralita.cli import ivr  # noqa: E402

app.add_typer(ivr.app, name="ivr")
from centralita.cli import media  # noqa: E402

app.command("media")(media.media)
from centralita.cli import recordings  # noqa: E402

app.add_typer(recordings.app, name="recordings")
from centralita.cli import reports  # noqa: E402

app.add_typer(reports.app, name="reports")
from centralita.cli import simulate  # noqa: E402

app.command("simulate")(simulate.simulate)
from centralita.cli import staff  # noqa: E402

app.command("staff")(staff.staff)
# --- end of sub-commands ----------------------------------------------------------------


if __name__ == "__main__":  # pragma: no cover
    app()
