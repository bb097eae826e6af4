"""One SIP call leg: a `pjsua2.Call` subclass plus the media we attached to it.

Runs only on the engine's PJSIP thread. PJSIP calls back into these objects, so the
engine keeps a Python reference to every leg, player, tone generator and recorder until
the leg has ended and PJSIP no longer uses them (see `Leg.release`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from centralita.telephony.errors import pj_errors

log = logging.getLogger(__name__)


def guarded(method: Callable[..., None]) -> Callable[..., None]:
    """Wrap a PJSIP callback: an exception escaping into C++ would abort the process."""

    def wrapper(self: Any, *args: Any) -> None:
        try:
            method(self, *args)
        except Exception:
            log.exception("error in PJSIP callback %s", method.__name__)

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class Leg(pj.Call):  # type: ignore[misc]
    """A call leg. `on_state(leg, info)` and `on_media(leg)` are the engine's hooks."""

    def __init__(
        self,
        account: pj.Account,
        call_id: str,
        on_state: Callable[[Leg, Any], None],
        pj_call_id: int = pj.PJSUA_INVALID_ID,
    ) -> None:
        super().__init__(account, pj_call_id)
        self.call_id = call_id
        self._on_state = on_state
        #: Media sources played to the caller (ToneGenerator, AudioMediaPlayer).
        self.sources: list[Any] = []
        #: Sinks recording what the caller says (AudioMediaRecorder).
        self.sinks: list[Any] = []
        self.ended = False

    @guarded
    def onCallState(self, prm: Any) -> None:
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.ended = True
        self._on_state(self, info)

    @guarded
    def onCallMediaState(self, prm: Any) -> None:
        self.connect_media()

    def audio(self) -> Any | None:
        """The leg's active audio stream as a conference-bridge port, or None."""
        info = self.getInfo()
        for i, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status in (
                pj.PJSUA_CALL_MEDIA_ACTIVE,
                pj.PJSUA_CALL_MEDIA_REMOTE_HOLD,
            ):
                return self.getAudioMedia(i)
        return None

    def connect_media(self) -> None:
        """(Re)connect every source and sink to the current audio stream, if any.

        Called when media becomes active or changes (re-INVITE); connecting an already
        connected pair is harmless in the conference bridge.
        """
        if self.ended:
            return
        with pj_errors("connect-media", call_id=self.call_id):
            audio = self.audio()
            if audio is None:
                return
            for source in self.sources:
                source.startTransmit(audio)
            for sink in self.sinks:
                audio.startTransmit(sink)

    def add_source(self, source: Any) -> None:
        self.sources.append(source)
        self.connect_media()

    def add_sink(self, sink: Any) -> None:
        self.sinks.append(sink)
        self.connect_media()

    def stop_sources(self) -> None:
        """Stop playing to the caller; the sources are dropped (PJSIP frees them)."""
        audio = None if self.ended else self.audio()
        for source in self.sources:
            if audio is not None:
                with pj_errors("stop-playback", call_id=self.call_id):
                    source.stopTransmit(audio)
        self.sources.clear()

    def release(self) -> None:
        """Drop media references after the leg ended (PJSIP removed the stream)."""
        self.sources.clear()
        self.sinks.clear()
