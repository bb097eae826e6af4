"""`centralita bench`: benchmarks that print figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from centralita.config import MEDIA_CLOCK_RATE

app = typer.Typer(help="Benchmarks that print figures.", no_args_is_help=True)


def _print(figures: dict[str, Any], as_json: bool) -> None:
    """One JSON object, or one aligned `name: value` line per figure."""
    if as_json:
        typer.echo(json.dumps(figures))
        return
    for key, value in figures.items():
        typer.echo(f"{key:>24}: {value}")


@app.command()
def routing(
    agents: int = typer.Option(5000, help="Number of agents (1–3 skills each)."),
    queues: int = typer.Option(100, help="Number of queues (one skill each)."),
    seconds: float = typer.Option(10.0, help="Wall-clock seconds to run the load."),
    seed: int = typer.Option(1, help="Seed of the random load."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Route a sustained load near 97% utilisation and time each routing decision."""
    from centralita.perf.routing import run

    figures = run(agents=agents, queues=queues, seconds=seconds, seed=seed)
    _print(figures, as_json)


@app.command()
def simulation(
    agents: int = typer.Option(1000, help="Agents in the simulated center."),
    calls: int = typer.Option(300_000, help="Calls in the simulated day."),
    seed: int = typer.Option(1, help="Seed of the simulation."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Simulate one day of a large center on the real router; print events per second."""
    from centralita.perf.simulation import run

    figures = run(agents=agents, calls=calls, seed=seed)
    _print(figures, as_json)


KeepOption = typer.Option(
    None, help="Run in this directory and keep its logs (default: a temporary one)."
)


@app.command()
def voice(
    calls: int = typer.Option(
        300, help="Calls sipp places, one agent each (bridged at once if rate × hold ≥ calls)."
    ),
    rate: float = typer.Option(50.0, help="New calls per second."),
    hold: float = typer.Option(15.0, help="Seconds each call is held before sipp hangs up."),
    clock_rate: int = typer.Option(
        MEDIA_CLOCK_RATE,
        help="Media worker's conference-bridge rate (8000, serve's default, or 16000).",
    ),
    keep: Path | None = KeepOption,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """sipp calls a center on 127.0.0.1 (the center process: registrar, queue, core; its
    media worker process: the SIP/RTP engine, as `serve` runs them); each call is offered
    to an agent whose PJSIP phone (registered, auto-answer) answers, and is bridged.
    Prints bridged calls at once, set-up rate, the media worker's and the center's CPU
    and memory, failures."""
    from centralita.perf.voice import run

    figures = run(calls=calls, rate=rate, hold_seconds=hold, clock_rate=clock_rate, keep=keep)
    _print(figures, as_json)
