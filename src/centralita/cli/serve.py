"""`centralita serve`, `centralita demo` and `centralita config`: run the center."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from centralita.cli.common import ConfigOption, clear_errors, settings_from
from centralita.config import Settings
from centralita.errors import CentralitaError
from centralita.store import migrate
from centralita.store.db import Store, check_connection


class SchemaOutOfDate(CentralitaError):
    code = "schema-out-of-date"


def _ready_store(settings: Settings) -> Store:
    store = Store.from_url(settings.database_url_plain)
    check_connection(store.engine)
    have = migrate.current(settings.database_url_plain)
    want = migrate.head()
    if have != want:
        raise SchemaOutOfDate(
            f"the database is at schema revision {have or 'empty'} and this Centralita needs "
            f"{want}: run `centralita db upgrade`",
            have=have,
            want=want,
        )
    return store


def _run(settings: Settings, store: Store, extras: tuple[Any, ...] = ()) -> None:
    import uvicorn

    from centralita.web.app import create_app

    uvicorn.run(
        create_app(settings, store, extras=extras),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws="websockets-sansio",
    )


def serve(
    host: str | None = typer.Option(None, help="address to listen on (default 127.0.0.1)"),
    port: int | None = typer.Option(None, help="port to listen on (default 8080)"),
    config: Path | None = ConfigOption,
) -> None:
    """Run the contact center: web pages and API (the database must be upgraded first)."""
    with clear_errors():
        settings = settings_from(config, host=host, port=port)
        store = _ready_store(settings)
    typer.echo(f"Centralita serving on http://{settings.host}:{settings.port}/ (API docs: /docs)")
    _run(settings, store)


def demo(
    host: str | None = typer.Option(None, help="address to listen on (default 127.0.0.1)"),
    port: int | None = typer.Option(None, help="port to listen on (default 8080)"),
    config: Path | None = ConfigOption,
) -> None:
    """Set up the database, seed the demo company and run the center with live traffic."""
    from centralita.app.demo_traffic import HUMAN_AGENTS, demo_traffic
    from centralita.demo import DEMO_PASSWORD, DEMO_TENANT, DEMO_USERS, seed_demo

    with clear_errors():
        settings = settings_from(config, host=host, port=port)
        migrate.upgrade(settings.database_url_plain)
        store = _ready_store(settings)
        created = seed_demo(store)
    url = f"http://{settings.host}:{settings.port}"
    typer.echo(f"Demo company '{DEMO_TENANT}' {'created' if created else 'already there'}.")
    typer.echo(f"Open {url}/ and sign in; {url}/docs is the API.")
    typer.echo(f"Demo users (password '{DEMO_PASSWORD}'):")
    for user in DEMO_USERS:
        note = ""
        if user.role == "agent":
            note = " - yours to drive" if user.username in HUMAN_AGENTS else " - answers by itself"
        typer.echo(f"  {user.username:<12} {user.role}{note}")
    typer.echo("Simulated callers are ringing the campaigns' numbers; Ctrl+C stops the demo.")
    _run(settings, store, extras=(demo_traffic(DEMO_TENANT),))


def config(config: Path | None = ConfigOption) -> None:
    """Check the configuration and print it (secrets masked)."""
    with clear_errors():
        settings = settings_from(config)
    for key, value in settings.public_dict().items():
        typer.echo(f"{key} = {value}")
