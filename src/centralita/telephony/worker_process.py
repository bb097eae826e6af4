"""Choosing and running the media engine: in this process, a worker we start and
restart, or a worker already running elsewhere.

    media = await open_media("worker", MediaOptions(host="127.0.0.1", sip_port=5060))
    media.port            # the MediaPort to drive (Engine or RemoteEngine)
    await media.stop()

`spec` is one of:

- `in-process`: an `Engine` in this process (one per process: PJSIP's endpoint);
- `worker`: `centralita media` as a child process on a private Unix socket, restarted
  when it exits (back-off from 0.5 s doubling to 30 s, back to 0.5 s once a run lasted
  a minute; each restart logged); the client reconnects to each new run;
- `unix:PATH` or `tcp:HOST:PORT`: a worker someone else runs (TCP needs its token).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from centralita.telephony.engine import Engine, EngineConfig
from centralita.telephony.errors import TelephonyUnavailable
from centralita.telephony.port import MediaPort
from centralita.telephony.remote import RemoteEngine, parse_address

log = logging.getLogger(__name__)
MEDIA_CHOICES = "in-process, worker, unix:PATH or tcp:HOST:PORT"


@dataclass(frozen=True)
class MediaOptions:
    """The engine's SIP side (ignored when connecting to a running worker)."""

    host: str = "127.0.0.1"
    sip_port: int = 5060
    clock_rate: int = EngineConfig.clock_rate
    max_calls: int = EngineConfig.max_calls
    codecs: tuple[str, ...] = EngineConfig.codecs
    media_quality: int = EngineConfig.media_quality

    def engine_config(self, **more: object) -> EngineConfig:
        return EngineConfig(
            host=self.host,
            port=self.sip_port,
            clock_rate=self.clock_rate,
            max_calls=self.max_calls,
            codecs=self.codecs,
            media_quality=self.media_quality,
            **more,  # type: ignore[arg-type]
        )


def check_media_spec(spec: str) -> str:
    """`spec` if it names a way to run the engine, else ValueError naming the choices."""
    if spec in ("in-process", "worker"):
        return spec
    try:
        parse_address(spec)
    except ValueError:
        raise ValueError(f"--media must be {MEDIA_CHOICES}, not {spec!r}") from None
    return spec


class WorkerProcess:
    """`centralita media` as a child process, restarted whenever it exits."""

    def __init__(
        self,
        socket_path: Path,
        options: MediaOptions,
        *,
        first_delay: float = 0.5,
        longest_delay: float = 30.0,
        stable_after: float = 60.0,
    ) -> None:
        self.socket_path = socket_path
        self.options = options
        self.first_delay, self.longest_delay = first_delay, longest_delay
        self.stable_after = stable_after
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        #: Set when the first run exited (a worker that cannot start at all).
        self.first_exit: asyncio.Future[int] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def argv(self) -> list[str]:
        o = self.options
        return [
            sys.executable, "-m", "centralita.cli.main", "media",
            "--socket", str(self.socket_path),
            "--sip-host", o.host, "--sip-port", str(o.sip_port),
            "--clock-rate", str(o.clock_rate), "--max-calls", str(o.max_calls),
            "--codecs", ",".join(o.codecs), "--media-quality", str(o.media_quality),
            "--exit-with-parent",
        ]  # fmt: skip

    async def _spawn(self) -> asyncio.subprocess.Process:
        # A session of its own: a Ctrl+C at the terminal reaches serve, which stops the
        # worker in order, not the worker directly (that would look like a crash).
        return await asyncio.create_subprocess_exec(*self.argv(), start_new_session=True)

    async def start(self) -> None:
        self.first_exit = asyncio.get_running_loop().create_future()
        self.process = await self._spawn()
        log.info("media: worker started (pid %d)", self.process.pid)
        self._task = asyncio.create_task(self._supervise(self.process))

    async def _supervise(self, process: asyncio.subprocess.Process) -> None:
        loop = asyncio.get_running_loop()
        delay = self.first_delay
        while True:
            started = loop.time()
            status = await process.wait()
            if self.first_exit is not None and not self.first_exit.done():
                self.first_exit.set_result(status)
            if self._stopping:
                return
            if loop.time() - started >= self.stable_after:
                delay = self.first_delay
            log.error(
                "media: worker (pid %d) exited with status %s; restarting it in %.1f s",
                process.pid,
                status,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.longest_delay)
            if self._stopping:
                return
            process = self.process = await self._spawn()
            self.restarts += 1
            log.warning("media: worker restarted (pid %d)", process.pid)

    async def stop(self) -> None:
        self._stopping = True
        process = self.process
        if process is not None and process.returncode is None:
            process.terminate()  # the worker hangs up its calls and exits
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                log.error("media: worker (pid %d) did not stop in 30 s; killed", process.pid)
                process.kill()
                await process.wait()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


@dataclass
class Media:
    """The media port to drive, how to stop it, and the worker process if we run one."""

    port: MediaPort
    stop: Callable[[], Awaitable[None]]
    worker: WorkerProcess | None = None


async def open_media(spec: str, options: MediaOptions, *, token: str | None = None) -> Media:
    """Start the media engine as `spec` says (see the module's docstring)."""
    check_media_spec(spec)
    if spec == "in-process":
        engine = Engine(options.engine_config())
        await engine.start()
        return Media(engine, engine.stop)
    if spec != "worker":
        remote = RemoteEngine(spec, token=token)
        await remote.start()
        return Media(remote, remote.stop)
    folder = Path(tempfile.mkdtemp(prefix="centralita-media-"))  # mode 0700
    worker = WorkerProcess(folder / "media.sock", options)
    remote = RemoteEngine(f"unix:{worker.socket_path}", connect_timeout=60)

    async def stop() -> None:
        await remote.stop()
        await worker.stop()
        shutil.rmtree(folder, ignore_errors=True)

    try:
        await worker.start()
        assert worker.first_exit is not None
        connecting: asyncio.Future[None] = asyncio.ensure_future(remote.start())
        exited: asyncio.Future[Any] = worker.first_exit
        await asyncio.wait({connecting, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not connecting.done():
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelephonyUnavailable):
                await connecting
            raise TelephonyUnavailable(
                f"the media worker exited at start (status {worker.first_exit.result()}); "
                "its log says why",
                status=worker.first_exit.result(),
            )
        connecting.result()
    except BaseException:
        await stop()
        raise
    return Media(remote, stop, worker)
