"""The embedded SIP engine: one PJSIP endpoint driven by one dedicated thread.

PJSIP runs with no worker threads of its own (`threadCnt=0`) and `mainThreadOnly`, so
every pjsua2 callback runs on the engine thread, inside `libHandleEvents`. Commands from
asyncio are queued to that thread and awaited as futures; events go back to the
caller's loop through `events` (an `asyncio.Queue`). The binding is built with SWIG
`-threads`, so the GIL is released while PJSIP waits for packets.

Only one engine can run per process (PJSIP's endpoint is a singleton).

    async with Engine(EngineConfig(port=0)) as engine:
        event = await engine.events.get()          # CallArrived(call_id, ani, dnis)
        await engine.answer(event.call_id)
        await engine.play_file(event.call_id, "welcome.wav")   # then PlaybackFinished
        await engine.send_digits(event.call_id, "1#")          # RFC 4733
        # the caller's keys arrive as DigitReceived(call_id, digit, "rfc4733"|"sip-info")
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import itertools
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from centralita.errors import CentralitaError
from centralita.telephony.dtmf import check_digits
from centralita.telephony.errors import EngineAlreadyRunning, TelephonyUnavailable
from centralita.telephony.events import TelephonyEvent

log = logging.getLogger(__name__)
T = TypeVar("T")

_running_lock = threading.Lock()
_running: Engine | None = None


@dataclass(frozen=True)
class Registration:
    """Register the engine's account with a registrar (an agent's phone in tests, a
    carrier trunk that wants registration), answering its digest challenge."""

    registrar: str  # e.g. "sip:127.0.0.1:5070"
    username: str
    password: str
    expires: int = 300


@dataclass(frozen=True)
class EngineConfig:
    host: str = "127.0.0.1"
    #: SIP UDP port; 0 picks a free one (see `Engine.port` once started).
    port: int = 5060
    max_calls: int = 500
    #: Codecs offered and accepted, in order of preference; all others are disabled.
    codecs: tuple[str, ...] = ("PCMU", "PCMA", "G722")
    #: Conference-bridge clock rate; recordings are written at this rate.
    clock_rate: int = 16000
    #: PJSUA media quality 1-10; it picks the bridge's resampler (and codec effort):
    #: 3-4 a small-filter resampler, below 3 linear, above 4 the large filter. Every
    #: G.711 call is resampled 8↔16 kHz; with 300 calls each playing a tone, one worker
    #: used 0.98 of a core at PJSUA's default 8, 0.53 at 4, 0.35 at 2 (bench voice).
    media_quality: int = 4
    #: PJSIP log level sent to Python logging ("centralita.telephony.pjsip").
    log_level: int = 1
    #: Longest wait inside libHandleEvents when idle; bounds the latency of a command
    #: that follows a quiet spell (busy spells poll every millisecond).
    poll_ms: int = 10
    user_agent: str = "Centralita"
    #: Register with a registrar (see `Registration`); `RegistrationChanged` reports it.
    registration: Registration | None = None
    #: More accounts registering from the same endpoint (a bank of phones, e.g. the
    #: demo's agents); their `RegistrationChanged` carry the user name.
    registrations: tuple[Registration, ...] = ()
    #: Prefix of the call ids this engine gives legs ("c1", "c2", ...). A media worker
    #: makes it unique per run, so a restarted worker never reuses an id of the last.
    call_id_prefix: str = "c"


@dataclass(frozen=True, slots=True)
class MediaStats:
    """RTP counters of a call's audio stream since it started."""

    rx_packets: int
    tx_packets: int
    rx_lost: int


def _pj() -> Any:
    try:
        import pjsua2
    except ImportError as exc:
        raise TelephonyUnavailable(
            "the pjsua2 binding is not installed (run scripts/pjsua2/install.sh VENV)",
            reason=str(exc),
        ) from None
    return pjsua2


class Engine:
    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        self.events: asyncio.Queue[TelephonyEvent] = asyncio.Queue()
        self.port: int | None = None
        self.losses = 0  # in this process: never lost (see `MediaPort.losses`)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._commands: queue.SimpleQueue[tuple[Callable[[], Any], concurrent.futures.Future[Any]]]
        self._commands = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._accepting = threading.Lock()
        self._ids = itertools.count(1)
        # Touched only on the engine thread:
        self._core: Any = None

    # --- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        global _running
        _pj()  # fail fast, on the caller's thread, if the binding is missing
        with _running_lock:
            if _running is not None:
                raise EngineAlreadyRunning(host=self.config.host, port=self.config.port)
            _running = self
        self._loop = asyncio.get_running_loop()
        ready: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="centralita-pjsip", daemon=True
        )
        self._thread.start()
        try:
            self.port = await asyncio.wrap_future(ready)
        except BaseException:
            self._stopping.set()
            self._thread.join(5)
            self._thread = None
            self._release_singleton()
            raise

    async def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        await asyncio.to_thread(self._thread.join, 30)
        if self._thread.is_alive():
            log.error("PJSIP thread did not stop within 30 s")
        self._thread = None
        self._release_singleton()

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def host(self) -> str:
        """The address SIP and RTP are bound to."""
        return self.config.host

    @property
    def uri(self) -> str:
        """SIP URI of this engine's transport, e.g. sip:127.0.0.1:5080."""
        return f"sip:{self.config.host}:{self.port}"

    def _release_singleton(self) -> None:
        global _running
        with _running_lock:
            if _running is self:
                _running = None

    # --- commands ----------------------------------------------------------------
    async def answer(self, call_id: str) -> None:
        await self._submit(lambda: self._core.answer(call_id))

    async def hangup(self, call_id: str, status: int | None = None) -> None:
        """Hang up (BYE if established; reject with `status`, default 603, if not)."""
        await self._submit(lambda: self._core.hangup(call_id, status))

    async def ring(self, call_id: str) -> None:
        await self._submit(lambda: self._core.provisional(call_id, 180))

    async def play_tone(self, call_id: str, freq_hz: int, *, volume: int = 0) -> None:
        """Play a continuous tone to the caller until `stop_playback` or hang-up."""
        await self._submit(lambda: self._core.play_tone(call_id, freq_hz, volume))

    async def play_file(self, call_id: str, path: str | Path, *, loop: bool = False) -> None:
        """Play a WAV file (16-bit PCM mono) to the caller; without `loop`, a
        `PlaybackFinished` event follows when it ends (not after `stop_playback`)."""
        await self._submit(lambda: self._core.play_file(call_id, str(path), loop))

    async def stop_playback(self, call_id: str) -> None:
        await self._submit(lambda: self._core.stop_playback(call_id))

    async def send_digits(self, call_id: str, digits: str) -> None:
        """Send DTMF digits (0-9 * # A-D) to the peer as RFC 4733 telephone-events.

        A ValueError names a bad digit before anything is sent."""
        check_digits(digits)
        await self._submit(lambda: self._core.send_digits(call_id, digits))

    async def record(self, call_id: str, path: str | Path) -> None:
        """Record what the caller sends to a WAV file until the leg ends."""
        await self._submit(lambda: self._core.record(call_id, str(path)))

    async def stop_record(self, call_id: str) -> None:
        """Stop every recording of the leg now (their WAV files are closed); the leg
        stays up and may be recorded again into a new file."""
        await self._submit(lambda: self._core.stop_record(call_id))

    async def dial(
        self,
        uri: str,
        headers: Mapping[str, str] | None = None,
        *,
        from_uri: str | None = None,
    ) -> str:
        """Place a call to `uri` (with extra SIP `headers`, and `from_uri` as its From,
        e.g. a trunk's caller ID); returns the new leg's call_id. `CallRinging` follows
        the first 180/183, `CallAnswered` the 200, `CallEnded` (with the status) the end;
        `hangup` before the answer sends CANCEL."""
        extra = tuple((headers or {}).items())
        return await self._submit(lambda: self._core.dial(uri, extra, from_uri))

    async def bridge(self, call_a: str, call_b: str) -> None:
        """Stop what each leg plays and connect their audio both ways."""
        await self._submit(lambda: self._core.bridge(call_a, call_b))

    async def unbridge(self, call_id: str) -> None:
        """Disconnect the leg's audio from every leg it hears or is heard by."""
        await self._submit(lambda: self._core.unbridge(call_id))

    async def connect(self, source: str, listener: str) -> None:
        """One way: `listener` hears `source` (mixed with whatever else it hears);
        `source` hears nothing more. Supervisors listen and whisper with this."""
        await self._submit(lambda: self._core.connect(source, listener))

    async def disconnect(self, source: str, listener: str) -> None:
        """`listener` stops hearing `source` (the other direction is untouched)."""
        await self._submit(lambda: self._core.disconnect(source, listener))

    async def media_stats(self, call_id: str) -> MediaStats:
        rx, tx, lost = await self._submit(lambda: self._core.media_stats(call_id))
        return MediaStats(rx_packets=rx, tx_packets=tx, rx_lost=lost)

    async def call_count(self) -> int:
        return await self._submit(lambda: len(self._core.legs))

    async def hangup_all(self) -> int:
        """Hang up every leg (BYE, or 603 to one not answered); how many there were."""
        return await self._submit(self._core.hangup_all)

    async def _submit(self, fn: Callable[[], T]) -> T:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._accepting:  # no command slips in after the engine thread's last drain
            if self._thread is None or self._stopping.is_set():
                raise TelephonyUnavailable("the SIP engine is not running")
            self._commands.put((fn, future))
        return await asyncio.wrap_future(future)

    # --- engine thread -----------------------------------------------------------
    def _emit(self, event: TelephonyEvent) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed since the check
            loop.call_soon_threadsafe(self.events.put_nowait, event)

    def _new_call_id(self) -> str:
        return f"{self.config.call_id_prefix}{next(self._ids)}"

    def _run(self, ready: concurrent.futures.Future[int]) -> None:
        from centralita.telephony.endpoint import EndpointCore

        try:
            self._core = EndpointCore(self.config, self._emit, self._new_call_id)
            port = self._core.start()
        except BaseException as exc:
            error = _detached(exc)
            del exc
            self._shutdown_core()
            ready.set_exception(error)
            return
        ready.set_result(port)
        # Poll briefly while SIP traffic or commands flow (the answer to an event usually
        # follows within a millisecond or two), and for up to poll_ms when idle.
        busy_until = 0.0
        try:
            while not self._stopping.is_set():
                busy = time.monotonic() < busy_until
                handled = self._core.poll(1 if busy else self.config.poll_ms)
                if self._run_commands() or handled > 0:
                    busy_until = time.monotonic() + 0.1
        except BaseException:
            log.exception("PJSIP engine loop failed")
        finally:
            with self._accepting:
                self._stopping.set()
            self._run_commands()  # run what was queued before the stop
            self._shutdown_core()

    def _run_commands(self) -> int:
        ran = 0
        while True:
            try:
                fn, future = self._commands.get_nowait()
            except queue.Empty:
                return ran
            if not future.set_running_or_notify_cancel():
                continue
            ran += 1
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(_detached(exc))

    def _shutdown_core(self) -> None:
        core, self._core = self._core, None
        if core is not None:
            try:
                core.destroy()
            except Exception:
                log.exception("PJSIP shutdown failed")
        gc.collect()
        # Fail commands that raced with shutdown.
        while True:
            try:
                _fn, future = self._commands.get_nowait()
            except queue.Empty:
                break
            if future.set_running_or_notify_cancel():
                future.set_exception(TelephonyUnavailable("the SIP engine stopped"))


def _detached(exc: BaseException) -> BaseException:
    """`exc` without tracebacks, ready to cross to another thread.

    A traceback keeps the engine thread's frames alive, and with them any `pj.Call`,
    player or recorder they held; freed on another thread, those abort the process
    (PJSIP objects must die on the thread registered with pjlib, before libDestroy).
    The formatted traceback is kept as a note for debugging.
    """
    seen: set[int] = set()
    link: BaseException | None = exc
    notes = "".join(traceback.format_exception(exc)).rstrip()
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
    if not isinstance(exc, CentralitaError):
        exc.add_note(f"on the PJSIP engine thread:\n{notes}")
    return exc
