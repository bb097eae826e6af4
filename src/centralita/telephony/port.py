"""The media port: what the voice adapter asks of a SIP/RTP engine, and nothing more.

Shaped like Asterisk's ARI: commands on call ids (answer, play, record, bridge, dial,
hang up, ...) and events carrying call ids (`CallArrived`, `CallAnswered`, `CallEnded`,
...). The engine keeps no routing state: the core decides, the engine executes.

Two implementations: `Engine` (PJSIP in this process) and `RemoteEngine` (a media
worker process, `centralita media`, over a socket: `telephony/remote.py`). They raise
the same `CentralitaError` codes (`no-such-call`, `telephony-failed`,
`telephony-unavailable`) and report a bad argument as `ValueError`, so their users
cannot tell them apart. A later adapter for an existing PBX would be a third.

Events are read from `events`, one consumer (the voice adapter), which may put back an
event it took too early (the IVR hands a leg over this way).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from centralita.telephony.engine import MediaStats
from centralita.telephony.events import TelephonyEvent

#: `CallEnded.reason` of each leg a media worker had when the center lost it (the
#: worker died or its connection broke); `status` is 0 (no SIP answer).
WORKER_LOST = "worker-lost"


@runtime_checkable
class MediaPort(Protocol):
    events: asyncio.Queue[TelephonyEvent]
    #: Times the engine was lost and its legs reported ended (`WORKER_LOST`): a media
    #: worker's connection broke; always 0 in process.
    losses: int

    @property
    def host(self) -> str:
        """The address SIP and RTP are bound to."""
        ...

    @property
    def port(self) -> int | None:
        """The SIP UDP port (None before the engine started)."""
        ...

    @property
    def uri(self) -> str:
        """sip:host:port of the engine's transport."""
        ...

    async def answer(self, call_id: str) -> None: ...

    async def hangup(self, call_id: str, status: int | None = None) -> None:
        """BYE if established; reject with `status` (default 603) if not; CANCEL a call
        we placed that was not answered yet."""
        ...

    async def play_tone(self, call_id: str, freq_hz: int, *, volume: int = 0) -> None: ...

    async def play_file(self, call_id: str, path: str | Path, *, loop: bool = False) -> None:
        """A WAV (16-bit PCM mono) on this machine; `PlaybackFinished` at its end
        unless looping."""
        ...

    async def stop_playback(self, call_id: str) -> None: ...

    async def record(self, call_id: str, path: str | Path) -> None: ...

    async def stop_record(self, call_id: str) -> None: ...

    async def dial(
        self,
        uri: str,
        headers: Mapping[str, str] | None = None,
        *,
        from_uri: str | None = None,
    ) -> str:
        """Place a call; the new leg's call id. No event of that leg is read from
        `events` before this returns, so a caller that registers the leg before its next
        `await` sees every event of it (a station that answers at once included)."""
        ...

    async def bridge(self, call_a: str, call_b: str) -> None: ...

    async def unbridge(self, call_id: str) -> None: ...

    async def connect(self, source: str, listener: str) -> None:
        """One way: `listener` hears `source`."""
        ...

    async def disconnect(self, source: str, listener: str) -> None: ...

    async def media_stats(self, call_id: str) -> MediaStats: ...

    async def call_count(self) -> int:
        """Legs the engine holds (ended legs are gone once this answers)."""
        ...
