"""The media worker's server: one `Engine` served over a socket (`centralita media`).

Each connection sends requests (`wire.py`) that run as engine commands, in the order
they came; replies go back as each command finishes. A connection that said `hello`
(with the token, over TCP) also receives every engine event. The worker keeps no
routing state, only its engine's legs:

- a call that arrives while no center is connected is refused (`503`): nobody would
  drive it;
- when the last center disconnects, every leg is hung up: the center has reported them
  ended (`worker-lost`), so keeping them would leak calls nobody drives;
- bad input gets an error reply naming what is wrong and the connection carries on.

    server = MediaServer(engine, token=None)
    await server.listen_unix(Path("var/media.sock"))
    await server.run(stop)   # until `stop` is set; then connections close
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import socket
from dataclasses import asdict
from pathlib import Path
from typing import Any

from centralita.errors import CentralitaError, Conflict
from centralita.telephony.engine import Engine, MediaStats
from centralita.telephony.events import CallArrived, TelephonyEvent
from centralita.telephony.wire import (
    MAX_LINE,
    InvalidRequest,
    Request,
    TokenRefused,
    encode,
    error_reply,
    event_to_wire,
    parse_request,
    reply,
)

log = logging.getLogger(__name__)
#: Messages waiting for a client that does not read; beyond this it is disconnected.
MAX_BACKLOG = 100_000


class SocketInUse(Conflict):
    """Another worker answers on the socket path."""

    code = "media-socket-in-use"


class _Client:
    def __init__(self, writer: asyncio.StreamWriter, name: str, *, trusted: bool) -> None:
        self.writer = writer
        self.name = name
        self.trusted = trusted  # Unix socket: the file's permissions are the guard
        self.subscribed = False
        self.outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.tasks: set[asyncio.Task[None]] = set()

    def send(self, message: dict[str, Any]) -> None:
        if self.outbox.qsize() > MAX_BACKLOG:
            log.warning("media: %s reads nothing; disconnecting it", self.name)
            self.close()
            return
        self.outbox.put_nowait(encode(message))

    def close(self) -> None:
        self.outbox.put_nowait(None)

    async def write_out(self) -> None:
        while (line := await self.outbox.get()) is not None:
            self.writer.write(line)
            if self.outbox.empty():
                await self.writer.drain()


class MediaServer:
    def __init__(self, engine: Engine, *, token: str | None = None) -> None:
        self.engine = engine
        self.token = token
        #: This run of the worker (call ids start with it, see `EngineConfig`).
        self.instance = engine.config.call_id_prefix.removesuffix("-c")
        self._servers: list[asyncio.Server] = []
        self._clients: set[_Client] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._unix_path: Path | None = None
        self._closing = False

    # --- listening -------------------------------------------------------------------
    async def listen_unix(self, path: Path) -> None:
        """Listen on a Unix socket at `path` (mode 0600); a stale file is replaced, a
        live worker's is not (`SocketInUse`)."""
        if path.exists():
            if await _answers(path):
                raise SocketInUse(f"another media worker is serving {path}", path=str(path))
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        old_mask = os.umask(0o177)
        try:
            server = await asyncio.start_unix_server(
                lambda r, w: self._serve(r, w, trusted=True), path, limit=MAX_LINE
            )
        finally:
            os.umask(old_mask)
        self._unix_path = path
        self._servers.append(server)

    async def listen_tcp(self, host: str, port: int) -> int:
        """Listen on TCP (clients must open with `hello` and the token); the port."""
        if not self.token:
            raise ValueError("a TCP listener needs a token")
        server = await asyncio.start_server(
            lambda r, w: self._serve(r, w, trusted=False), host, port, limit=MAX_LINE
        )
        self._servers.append(server)
        bound: int = server.sockets[0].getsockname()[1]
        return bound

    async def run(self, stop: asyncio.Event) -> None:
        """Forward engine events to the centers until `stop` is set, then close."""
        pump = asyncio.create_task(self._pump_events())
        try:
            await stop.wait()
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            await self.close()

    async def close(self) -> None:
        self._closing = True  # the engine's own stop hangs up what is left
        for server in self._servers:
            server.close()
        for client in list(self._clients):
            client.close()
        for task in list(self._handlers):
            task.cancel()
        for task in list(self._handlers):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        if self._unix_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self._unix_path.unlink()

    # --- events ----------------------------------------------------------------------
    async def _pump_events(self) -> None:
        while True:
            event = await self.engine.events.get()
            centers = [c for c in self._clients if c.subscribed]
            if isinstance(event, CallArrived) and not centers:
                log.warning("media: call %s arrived with no center connected; 503", event.call_id)
                await self._quietly(self.engine.hangup(event.call_id, 503))
                continue
            self._broadcast(event, centers)

    def _broadcast(self, event: TelephonyEvent, centers: list[_Client]) -> None:
        message = event_to_wire(event)
        for client in centers:
            client.send(message)

    # --- one connection --------------------------------------------------------------
    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, trusted: bool
    ) -> None:
        # Cancelled when the server closes; Python 3.11's stream callback would log it.
        with contextlib.suppress(asyncio.CancelledError):
            await self._connection(reader, writer, trusted=trusted)

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, trusted: bool
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        peer = writer.get_extra_info("peername") or "unix"
        client = _Client(writer, f"client {peer}", trusted=trusted)
        self._clients.add(client)
        writing = asyncio.create_task(client.write_out())
        log.info("media: %s connected", client.name)
        try:
            await self._read_requests(reader, client)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._clients.discard(client)
            self._handlers.discard(task)
            client.close()
            for pending in list(client.tasks):
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await pending
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(writing, 5)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            log.info("media: %s disconnected", client.name)
            alone = not any(c.subscribed for c in self._clients)
            if client.subscribed and alone and not self._closing:
                await self._release_calls()

    async def _read_requests(self, reader: asyncio.StreamReader, client: _Client) -> None:
        while True:
            try:
                line = await reader.readline()
            except ValueError:  # longer than MAX_LINE: the reader dropped it
                client.send(
                    error_reply(
                        None, InvalidRequest(f"a line is at most {MAX_LINE} bytes", field="line")
                    )
                )
                continue
            if not line:
                return
            if not line.strip():
                continue
            try:
                request = parse_request(line)
            except InvalidRequest as exc:
                client.send(error_reply(exc.fields.get("request_id"), exc))
                continue
            if request.op == "hello":
                if not self._hello(client, request):
                    return
                continue
            if not client.trusted and not client.subscribed:
                client.send(error_reply(request.id, TokenRefused("say hello with the token first")))
                return
            # Started in order, each command reaches the engine thread in order.
            task = asyncio.create_task(self._run(client, request))
            client.tasks.add(task)
            task.add_done_callback(client.tasks.discard)

    def _hello(self, client: _Client, request: Request) -> bool:
        token = request.args.get("token") or ""
        if not client.trusted and not hmac.compare_digest(
            token.encode(), (self.token or "").encode()
        ):
            log.warning("media: %s gave a wrong token", client.name)
            client.send(error_reply(request.id, TokenRefused("wrong token")))
            return False
        client.subscribed = True
        client.send(reply(request.id, self.info()))
        return True

    def info(self) -> dict[str, Any]:
        return {
            "worker": self.instance,
            "pid": os.getpid(),
            "host": self.engine.host,
            "port": self.engine.port,
            "uri": self.engine.uri,
        }

    async def _run(self, client: _Client, request: Request) -> None:
        method = getattr(self.engine, request.op)
        try:
            result = await method(**request.args)
        except Exception as exc:
            if not isinstance(exc, CentralitaError | ValueError):
                log.exception("media: %s failed", request.op)
            client.send(error_reply(request.id, exc))
            return
        if isinstance(result, MediaStats):
            result = asdict(result)
        client.send(reply(request.id, result))

    async def _release_calls(self) -> None:
        try:
            count = await self.engine.hangup_all()
        except Exception:
            log.exception("media: could not hang up the calls left")
            return
        if count:
            log.warning("media: no center connected; hung up its %d legs", count)

    @staticmethod
    async def _quietly(command: Any) -> None:
        with contextlib.suppress(Exception):
            await command


async def _answers(path: Path) -> bool:
    """Whether something accepts connections on the Unix socket `path`."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, str(path))
    except OSError:
        return False
    finally:
        sock.close()
    return True
