"""`centralita media`: the SIP/RTP engine as a worker process, served over a socket.

`centralita serve --sip-port N` starts one itself (and restarts it); run it by hand to
put the media on another machine (`--tcp` with a token) and point `serve --media` at it.
The protocol is in `centralita.telephony.wire`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
from pathlib import Path

import typer

from centralita.cli.common import clear_errors
from centralita.config import MEDIA_CLOCK_RATE, MEDIA_CLOCK_RATES
from centralita.errors import Invalid
from centralita.telephony.engine import Engine, EngineConfig
from centralita.telephony.remote import parse_address

log = logging.getLogger(__name__)
CODECS = ("PCMU", "PCMA", "G722")
SocketOption = typer.Option(
    Path("var/media.sock"), "--socket", help="Unix socket to serve the engine on (mode 0600)"
)


def media(
    socket: Path = SocketOption,
    tcp: str | None = typer.Option(
        None,
        help="also serve on TCP at HOST:PORT, for a center on another machine (needs --token)",
    ),
    token: str | None = typer.Option(
        None,
        envvar="CENTRALITA_MEDIA_TOKEN",
        help="shared secret TCP clients must say hello with",
        show_default=False,
    ),
    sip_host: str = typer.Option("127.0.0.1", help="address for SIP and RTP"),
    sip_port: int = typer.Option(5060, help="SIP UDP port (0: any free port)"),
    clock_rate: int = typer.Option(
        MEDIA_CLOCK_RATE,
        help="conference-bridge clock rate in Hz: 8000 (G.711, serve's default) or 16000",
    ),
    max_calls: int = typer.Option(EngineConfig.max_calls, help="most call legs at once"),
    codecs: str = typer.Option(
        ",".join(EngineConfig.codecs), help=f"codecs offered, in order (of {', '.join(CODECS)})"
    ),
    media_quality: int = typer.Option(
        EngineConfig.media_quality, min=1, max=10, help="PJSIP media quality 1-10 (resampler)"
    ),
    exit_with_parent: bool = typer.Option(
        False, help="stop when the process that started this one is gone (serve uses it)"
    ),
) -> None:
    """Run the SIP/RTP engine as a worker: no routing state, commands and events over
    a socket (JSON lines)."""
    with clear_errors():
        wanted = tuple(c.strip().upper() for c in codecs.split(",") if c.strip())
        unknown = [c for c in wanted if c not in CODECS]
        if not wanted or unknown:
            raise Invalid(
                f"--codecs: {', '.join(unknown) or 'none given'}; accepted: {', '.join(CODECS)}",
                field="codecs",
                accepted=list(CODECS),
            )
        if clock_rate not in MEDIA_CLOCK_RATES:
            raise Invalid("--clock-rate must be 8000 or 16000", field="clock_rate")
        address = _tcp_address(tcp) if tcp else None
        if address is not None and not token:
            raise Invalid("--tcp needs --token (or CENTRALITA_MEDIA_TOKEN)", field="token")
        config = EngineConfig(
            host=sip_host,
            port=sip_port,
            clock_rate=clock_rate,
            max_calls=max_calls,
            codecs=wanted,
            media_quality=media_quality,
            # Unique per run: a restarted worker never reuses the last run's call ids.
            call_id_prefix=f"w{secrets.token_hex(3)}-c",
        )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s media %(message)s")
        asyncio.run(_serve(config, socket, address, token, exit_with_parent))


def _tcp_address(text: str) -> tuple[str, int]:
    """HOST:PORT as the center's `tcp:HOST:PORT` reads it (port 0: any free one)."""
    try:
        _kind, host, port = parse_address(f"tcp:{text}", any_port=True)
    except ValueError:
        raise Invalid(f"--tcp is HOST:PORT, not {text!r}", field="tcp") from None
    return host, port


async def _serve(
    config: EngineConfig,
    socket: Path,
    tcp: tuple[str, int] | None,
    token: str | None,
    exit_with_parent: bool,
) -> None:
    from centralita.telephony.worker import MediaServer

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with Engine(config) as engine:
        server = MediaServer(engine, token=token)
        await server.listen_unix(socket)
        where = [f"unix:{socket}"]
        if tcp is not None:
            port = await server.listen_tcp(*tcp)
            where.append(f"tcp:{tcp[0]}:{port}")
        log.info(
            "worker %s: SIP on %s, bridge at %d Hz, serving %s",
            server.instance,
            engine.uri,
            config.clock_rate,
            ", ".join(where),
        )
        watcher = asyncio.create_task(_watch_parent(stop)) if exit_with_parent else None
        await server.run(stop)
        if watcher is not None:
            watcher.cancel()
        log.info("worker %s: stopping (hanging up every call)", server.instance)


async def _watch_parent(stop: asyncio.Event) -> None:
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(1.0)
    log.warning("the process that started this worker is gone; stopping")
    stop.set()
