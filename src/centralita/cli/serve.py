"""`centralita serve`, `centralita demo` and `centralita config`: run the center."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from centralita.cli.common import ConfigOption, clear_errors, settings_from
from centralita.config import ConfigError, Settings
from centralita.errors import CentralitaError, Invalid
from centralita.store import migrate
from centralita.store.db import Store, check_connection


class SchemaOutOfDate(CentralitaError):
    code = "schema-out-of-date"


MediaOption = typer.Option(
    "worker",
    "--media",
    help="where the SIP/RTP engine runs with --sip-port: 'worker' (a `centralita media` "
    "process started and restarted by this one), 'in-process', or a running worker at "
    "'unix:PATH' or 'tcp:HOST:PORT'",
)


def _media_spec(spec: str) -> str:
    from centralita.telephony.worker_process import check_media_spec

    try:
        return check_media_spec(spec)
    except ValueError as exc:
        raise Invalid(str(exc), field="media") from None


def ready_store(settings: Settings) -> Store:
    """The configured store, refused (its connections closed) unless at the newest schema."""
    url = settings.database_url_plain
    store = Store.from_url(url)
    try:
        check_connection(store.engine)
        have, want = migrate.current(url), migrate.head()
        if have != want:
            raise SchemaOutOfDate(
                f"the database is at schema revision {have or 'empty'} and this Centralita "
                f"needs {want}: run `centralita db upgrade`",
                have=have,
                want=want,
            )
    except BaseException:
        store.dispose()
        raise
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
    sip_port: int | None = typer.Option(
        None, help="also answer calls: SIP on this UDP port, stations register on the next"
    ),
    media: str = MediaOption,
    media_token: str | None = typer.Option(
        None,
        envvar="CENTRALITA_MEDIA_TOKEN",
        help="token for a media worker at tcp:HOST:PORT",
        show_default=False,
    ),
) -> None:
    """Run the contact center: web pages and API (the database must be upgraded first)."""
    from centralita.app.recording_recover import recover_data_dir
    from centralita.app.voice import voice_service
    from centralita.telephony.worker_process import MediaOptions

    with clear_errors():
        media = _media_spec(media)
        settings = settings_from(config, host=host, port=port)
        flows = settings.ivr_flows_dir
        if sip_port is not None and flows is not None and not flows.is_dir():
            raise ConfigError(f"ivr_flows_dir: {flows} is not a directory", field="ivr_flows_dir")
        store = ready_store(settings)
    recover_data_dir(store, settings.data_dir)  # recordings a stopped worker left half-made
    typer.echo(f"Centralita serving on http://{settings.host}:{settings.port}/ (API docs: /docs)")
    voice = (
        ()
        if sip_port is None
        else (
            voice_service(
                host=settings.host,
                sip_port=sip_port,
                data_dir=settings.data_dir,
                ivr_flows=flows,
                vosk_model=settings.ivr_vosk_model,
                media=media,
                media_token=media_token,
                media_options=MediaOptions(
                    host=settings.host,
                    sip_port=sip_port,
                    clock_rate=settings.media_clock_rate,
                ),
            ),
        )
    )
    if sip_port is not None:
        typer.echo(
            f"Calls: sip:{settings.host}:{sip_port}; stations register on {sip_port + 1}; "
            f"media engine: {media}, bridge at {settings.media_clock_rate} Hz"
        )
    _run(settings, store, extras=voice)


def demo(
    host: str | None = typer.Option(None, help="address to listen on (default 127.0.0.1)"),
    port: int | None = typer.Option(None, help="port to listen on (default 8080)"),
    config: Path | None = ConfigOption,
    history_days: int = typer.Option(
        21,
        "--history-days",
        min=0,
        help="days of simulated history written before today on first set-up (0: none)",
    ),
    sip_port: int | None = typer.Option(
        None,
        help="real SIP traffic: callers and the robot agents' phones through the engine on "
        "this UDP port; softphones register on the next (see the README)",
    ),
    media: str = MediaOption,
) -> None:
    """Set up the database, seed the demo company and run the center with live traffic."""
    from centralita.app.demo_traffic import HUMAN_AGENTS, demo_traffic
    from centralita.demo import DEMO_PASSWORD, DEMO_TENANT, DEMO_USERS, seed_demo

    with clear_errors():
        media = _media_spec(media)
        settings = settings_from(config, host=host, port=port)
        migrate.upgrade(settings.database_url_plain)
        store = ready_store(settings)
        created = seed_demo(store)
    typer.echo(f"Demo company '{DEMO_TENANT}' {'created' if created else 'already there'}.")
    with clear_errors():
        _demo_history(store, settings, history_days)
    url = f"http://{settings.host}:{settings.port}"
    typer.echo(f"Open {url}/ and sign in; {url}/docs is the API.")
    typer.echo(f"Demo users (password '{DEMO_PASSWORD}'):")
    for user in DEMO_USERS:
        note = ""
        if user.role == "agent":
            note = " - yours to drive" if user.username in HUMAN_AGENTS else " - answers by itself"
        typer.echo(f"  {user.username:<12} {user.role}{note}")
    typer.echo("Simulated callers are ringing the campaigns' numbers; Ctrl+C stops the demo.")
    if sip_port is None:
        _run(settings, store, extras=(demo_traffic(DEMO_TENANT),))
        return
    from centralita.app.voice_demo import voice_demo_service
    from centralita.telephony.worker_process import MediaOptions

    typer.echo(
        f"Calls over SIP: dial sip:6015550100@{settings.host}:{sip_port}; softphones register "
        f"at {settings.host}:{sip_port + 1} as 1001 (ana) or 1002 (carlos), "
        f"password '{DEMO_PASSWORD}'"
    )
    voice = voice_demo_service(
        DEMO_TENANT,
        human_password=DEMO_PASSWORD,
        host=settings.host,
        sip_port=sip_port,
        media=media,
        media_options=MediaOptions(
            host=settings.host, sip_port=sip_port, clock_rate=settings.media_clock_rate
        ),
    )
    _run(settings, store, extras=(voice,))


def _demo_history(store: Store, settings: Settings, days: int) -> None:
    """The demo's simulated past days, on first set-up only, with a progress bar."""
    from centralita.cli.common import share_bar
    from centralita.demo_history import has_history, seed_demo_history

    if days <= 0 or has_history(store):
        return
    with share_bar("simulating", f"{days} days of history") as bar:
        history = seed_demo_history(store, timezone=settings.timezone, days=days, progress=bar)
    if history is not None:
        first, last = history.days[0].day, history.days[-1].day
        typer.echo(
            f"History: {len(history.days)} simulated days ({first} to {last}), "
            f"{history.interactions:,} calls, {history.events:,} events in "
            f"{history.wall_seconds:.1f} s ({history.events_per_second:,.0f} events/s)."
        )


def config(config: Path | None = ConfigOption) -> None:
    """Check the configuration and print it (secrets masked)."""
    with clear_errors():
        settings = settings_from(config)
    for key, value in settings.public_dict().items():
        typer.echo(f"{key} = {value}")
