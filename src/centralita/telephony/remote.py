"""`RemoteEngine`: the media port (`port.MediaPort`) over a media worker's socket.

    engine = RemoteEngine("unix:var/media.sock")        # or "tcp:10.0.0.5:7000", token=...
    await engine.start()        # connects (retrying until `connect_timeout`), says hello
    leg = await engine.dial("sip:1001@10.0.0.9:5062")
    ... await engine.stop()

Commands raise what `Engine` raises for the same failure (`wire.error_from_wire`). If the
connection is lost (the worker died or was restarted), every leg this client knew is
reported as `CallEnded(call_id, 0, "worker-lost")` (callers' legs first, so the core sees
a caller hang up before the agent's leg goes), commands fail with
`telephony-unavailable` meanwhile, and the client reconnects with a bounded back-off.
A worker never gives a restarted run's legs the ids of the last one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from centralita.telephony.dtmf import check_digits
from centralita.telephony.engine import MediaStats
from centralita.telephony.errors import TelephonyUnavailable
from centralita.telephony.events import CallArrived, CallEnded, TelephonyEvent
from centralita.telephony.port import WORKER_LOST
from centralita.telephony.wire import (
    MAX_LINE,
    encode,
    error_from_wire,
    event_from_wire,
)

log = logging.getLogger(__name__)


def parse_address(address: str, *, any_port: bool = False) -> tuple[str, str, int]:
    """("unix", path, 0) or ("tcp", host, port) from "unix:PATH" or "tcp:HOST:PORT"
    (with `any_port`, port 0 too: a listener's "any free port")."""
    kind, _, rest = address.partition(":")
    if kind == "unix" and rest:
        return "unix", rest, 0
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        if host and port.isdigit() and (0 if any_port else 1) <= int(port) < 65536:
            return "tcp", host.strip("[]"), int(port)
    raise ValueError(f"a media worker address is unix:PATH or tcp:HOST:PORT, not {address!r}")


class RemoteEngine:
    def __init__(
        self,
        address: str,
        *,
        token: str | None = None,
        connect_timeout: float = 30.0,
        request_timeout: float = 30.0,
        retry_max: float = 2.0,
    ) -> None:
        self.address = address
        self._target = parse_address(address)
        self._token = token
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.retry_max = retry_max
        self.events: asyncio.Queue[TelephonyEvent] = asyncio.Queue()
        self.host = ""
        self.port: int | None = None
        #: The worker run this client is connected to ("" while disconnected).
        self.worker = ""
        self.worker_pid: int | None = None
        #: Times the connection was lost (and its legs reported ended).
        self.losses = 0
        self.connected = asyncio.Event()
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._reader: asyncio.StreamReader | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        #: Legs of this worker run not ended yet: call id → arrived (True) or dialled.
        self._legs: dict[str, bool] = {}
        #: Recently ended legs, so a dial's reply that comes after its leg's end does not
        #: bring it back.
        self._ended: OrderedDict[str, None] = OrderedDict()
        #: Dials awaiting their reply, and events meanwhile for legs not known yet: the
        #: worker may report a leg answered before the center has read the reply that
        #: names it, so such events wait for that reply (see `dial`).
        self._dialling = 0
        self._early: dict[str, list[TelephonyEvent]] = {}

    @property
    def uri(self) -> str:
        return f"sip:{self.host}:{self.port}"

    # --- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.connect_timeout
        delay = 0.05
        while True:
            try:
                await self._connect()
                break
            except OSError as exc:
                if loop.time() + delay > deadline:
                    raise TelephonyUnavailable(
                        f"no media worker at {self.address}: {exc}", address=self.address
                    ) from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._disconnect()
        pending, self._pending = self._pending, {}
        for future in pending.values():
            future.cancel()

    async def __aenter__(self) -> RemoteEngine:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _connect(self) -> None:
        kind, where, port = self._target
        if kind == "unix":
            reader, writer = await asyncio.open_unix_connection(where, limit=MAX_LINE)
        else:
            reader, writer = await asyncio.open_connection(where, port, limit=MAX_LINE)
        self._reader, self._writer = reader, writer
        hello = asyncio.create_task(self._request("hello", token=self._token))
        try:
            # The reply is read here, before the reader task runs.
            line = await asyncio.wait_for(reader.readline(), self.connect_timeout)
            if line:
                self._dispatch(line)
            info = await asyncio.wait_for(hello, 1)
        except BaseException as exc:
            hello.cancel()
            self._disconnect()
            if isinstance(exc, TimeoutError):
                raise OSError(f"the media worker at {self.address} did not say hello") from None
            raise
        self.worker = str(info["worker"])
        self.worker_pid = info.get("pid")
        self.host, self.port = str(info["host"]), int(info["port"])
        self._legs.clear()
        self._ended.clear()
        self.connected.set()
        log.info("media: connected to worker %s at %s (%s)", self.worker, self.address, self.uri)

    def _disconnect(self) -> None:
        self.connected.clear()
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()

    async def _run(self) -> None:
        while not self._stopping:
            reader = self._reader
            try:
                while reader is not None and (line := await reader.readline()):
                    self._dispatch(line)
            except (ConnectionError, ValueError) as exc:
                log.warning("media: reading from the worker failed: %s", exc)
            self._lost()
            await self._reconnect()

    def _lost(self) -> None:
        worker = self.worker
        self._disconnect()
        self.worker = ""
        self.losses += 1
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(
                    TelephonyUnavailable("the media worker was lost", worker=worker)
                )
        legs = sorted(self._legs.items(), key=lambda item: not item[1])  # callers first
        self._legs.clear()
        log.warning(
            "media: lost worker %s at %s; %d legs reported ended", worker, self.address, len(legs)
        )
        for call_id, _arrived in legs:
            self.events.put_nowait(CallEnded(call_id=call_id, status=0, reason=WORKER_LOST))

    async def _reconnect(self) -> None:
        delay = 0.1
        while not self._stopping:
            await asyncio.sleep(delay)
            try:
                await self._connect()
                return
            except OSError as exc:
                log.debug("media: worker at %s not back yet: %s", self.address, exc)
            except Exception as exc:  # a refused token, a worker that says nonsense
                log.error("media: the worker at %s refused the connection: %s", self.address, exc)
            delay = min(delay * 2, self.retry_max)

    def _dispatch(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            log.error("media: the worker sent a line that is not JSON: %r", line[:200])
            return
        if not isinstance(message, dict):
            return
        if "event" in message:
            event = event_from_wire(message)
            if event is None:
                log.debug("media: unknown event %r", message.get("event"))
                return
            call_id = getattr(event, "call_id", None)
            if (
                self._dialling
                and isinstance(call_id, str)
                and not isinstance(event, CallArrived)
                and call_id not in self._legs
            ):
                self._early.setdefault(call_id, []).append(event)  # a dial's leg, maybe
                return
            self._deliver(event)
            return
        future = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
        if future is None or future.done():
            return
        error = message.get("error")
        if isinstance(error, dict):
            future.set_exception(error_from_wire(error))
        else:
            future.set_result(message.get("result"))

    def _deliver(self, event: TelephonyEvent) -> None:
        if isinstance(event, CallArrived):
            self._legs[event.call_id] = True
        elif isinstance(event, CallEnded):
            self._legs.pop(event.call_id, None)
            self._ended[event.call_id] = None
            while len(self._ended) > 10_000:
                self._ended.popitem(last=False)
        self.events.put_nowait(event)

    async def _request(self, op: str, **args: Any) -> Any:
        writer = self._writer
        if writer is None or (op != "hello" and not self.connected.is_set()):
            raise TelephonyUnavailable("the media worker is not connected", address=self.address)
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        writer.write(encode({"id": request_id, "op": op, "args": args}))
        try:
            if writer.transport.get_write_buffer_size() > 1 << 20:
                await writer.drain()
            return await asyncio.wait_for(future, self.request_timeout)
        except TimeoutError:
            raise TelephonyUnavailable(
                f"the media worker did not answer {op} in {self.request_timeout:g} s", op=op
            ) from None
        except ConnectionError as exc:
            raise TelephonyUnavailable(f"the media worker connection broke: {exc}") from None
        finally:
            self._pending.pop(request_id, None)

    # --- the port --------------------------------------------------------------------
    async def answer(self, call_id: str) -> None:
        await self._request("answer", call_id=call_id)

    async def hangup(self, call_id: str, status: int | None = None) -> None:
        await self._request("hangup", call_id=call_id, status=status)

    async def ring(self, call_id: str) -> None:
        await self._request("ring", call_id=call_id)

    async def play_tone(self, call_id: str, freq_hz: int, *, volume: int = 0) -> None:
        await self._request("play_tone", call_id=call_id, freq_hz=freq_hz, volume=volume)

    async def play_file(self, call_id: str, path: str | Path, *, loop: bool = False) -> None:
        await self._request("play_file", call_id=call_id, path=os.path.abspath(path), loop=loop)

    async def stop_playback(self, call_id: str) -> None:
        await self._request("stop_playback", call_id=call_id)

    async def send_digits(self, call_id: str, digits: str) -> None:
        check_digits(digits)
        await self._request("send_digits", call_id=call_id, digits=digits)

    async def record(self, call_id: str, path: str | Path) -> None:
        await self._request("record", call_id=call_id, path=os.path.abspath(path))

    async def stop_record(self, call_id: str) -> None:
        await self._request("stop_record", call_id=call_id)

    async def dial(
        self,
        uri: str,
        headers: Mapping[str, str] | None = None,
        *,
        from_uri: str | None = None,
    ) -> str:
        """The new leg's id. Its events are queued only now, as this returns: the caller
        has registered the leg (without awaiting) before any of them is read, as with the
        in-process engine, whose events come from a later poll."""
        worker = self.worker
        self._dialling += 1
        try:
            call_id = str(
                await self._request("dial", uri=uri, headers=dict(headers or {}), from_uri=from_uri)
            )
        finally:
            self._dialling -= 1
            if not self._dialling:  # what no dial claims is someone else's: pass it on
                early, self._early = self._early, {}
                for events in early.values():
                    for event in events:
                        self._deliver(event)
        if worker == self.worker and call_id not in self._ended:
            self._legs[call_id] = False
        for event in self._early.pop(call_id, ()):
            self._deliver(event)
        return call_id

    async def bridge(self, call_a: str, call_b: str) -> None:
        await self._request("bridge", call_a=call_a, call_b=call_b)

    async def unbridge(self, call_id: str) -> None:
        await self._request("unbridge", call_id=call_id)

    async def connect(self, source: str, listener: str) -> None:
        await self._request("connect", source=source, listener=listener)

    async def disconnect(self, source: str, listener: str) -> None:
        await self._request("disconnect", source=source, listener=listener)

    async def media_stats(self, call_id: str) -> MediaStats:
        stats = await self._request("media_stats", call_id=call_id)
        return MediaStats(
            rx_packets=int(stats["rx_packets"]),
            tx_packets=int(stats["tx_packets"]),
            rx_lost=int(stats["rx_lost"]),
        )

    async def call_count(self) -> int:
        return int(await self._request("call_count"))

    async def hangup_all(self) -> int:
        return int(await self._request("hangup_all"))
