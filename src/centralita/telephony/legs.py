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

from centralita.telephony.dtmf import RFC4733, SIP_INFO, answer_info, digit_of_info
from centralita.telephony.errors import pj_errors
from centralita.telephony.sipmsg import parse_request

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


class Player(pj.AudioMediaPlayer):  # type: ignore[misc]
    """A WAV player that calls `on_end()` once when a non-looping file ends.

    PJSIP calls `onEof2` on its media clock thread, so `on_end` must only hand the news
    to another thread (the engine's `_emit` does) and never touch PJSIP objects.
    """

    def __init__(self, on_end: Callable[[], None] | None) -> None:
        super().__init__()
        self._on_end = on_end

    @guarded
    def onEof2(self) -> None:
        on_end, self._on_end = self._on_end, None
        if on_end is not None:
            on_end()


_DTMF_METHODS = {pj.PJSUA_DTMF_METHOD_RFC2833: RFC4733, pj.PJSUA_DTMF_METHOD_SIP_INFO: SIP_INFO}


class Leg(pj.Call):  # type: ignore[misc]
    """A call leg. `on_state(leg, info)` and `on_digit(call_id, digit, method)` are the
    engine's hooks; `on_digit` may run on PJSIP's media thread (RFC 4733 events)."""

    def __init__(
        self,
        account: pj.Account,
        call_id: str,
        on_state: Callable[[Leg, Any], None],
        pj_call_id: int = pj.PJSUA_INVALID_ID,
        on_digit: Callable[[str, str, str], None] | None = None,
    ) -> None:
        super().__init__(account, pj_call_id)
        self.call_id = call_id
        self._on_state = on_state
        self._on_digit = on_digit
        #: Media sources played to the caller (ToneGenerator, AudioMediaPlayer).
        self.sources: list[Any] = []
        #: Sinks recording what the caller says (AudioMediaRecorder).
        self.sinks: list[Any] = []
        #: Legs whose audio this one hears, and legs that hear this one (a two-way
        #: bridge is both; a supervisor listening is only the first, from their side).
        self.hears: list[Leg] = []
        self.heard_by: list[Leg] = []
        self.ended = False

    @guarded
    def onCallState(self, prm: Any) -> None:
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.ended = True
        self._on_state(self, info)

    @guarded
    def onDtmfDigit(self, prm: Any) -> None:
        if self._on_digit is not None:
            self._on_digit(self.call_id, prm.digit.upper(), _DTMF_METHODS.get(prm.method, ""))

    @guarded
    def onCallTsxState(self, prm: Any) -> None:
        """An `application/dtmf` INFO: report its digit and answer it (PJSIP itself
        reports and answers `application/dtmf-relay`, through `onDtmfDigit`)."""
        event = prm.e
        if event.type != pj.PJSIP_EVENT_TSX_STATE:
            return
        state = event.body.tsxState
        tsx = state.tsx
        if not (
            state.type == pj.PJSIP_EVENT_RX_MSG
            and tsx.role == pj.PJSIP_ROLE_UAS
            and tsx.method == "INFO"
            and tsx.state == pj.PJSIP_TSX_STATE_TRYING
        ):
            return
        rdata = state.src.rdata
        raw = rdata.wholeMsg
        _method, _uri, headers = parse_request(raw)
        content_type = (headers.get("content-type") or [""])[0]
        if content_type.split(";", 1)[0].strip().lower() != "application/dtmf":
            return
        body = raw.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in raw else ""
        digit = digit_of_info(content_type, body)
        if not answer_info(rdata, 200 if digit else 400):
            log.warning("could not answer the DTMF INFO of call %s", self.call_id)
        if digit and self._on_digit is not None:
            self._on_digit(self.call_id, digit, SIP_INFO)

    @guarded
    def onCallMediaState(self, prm: Any) -> None:
        self.connect_media()

    def audio_index(self) -> int | None:
        """Index of the leg's active audio stream, or None."""
        info = self.getInfo()
        for i, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status in (
                pj.PJSUA_CALL_MEDIA_ACTIVE,
                pj.PJSUA_CALL_MEDIA_REMOTE_HOLD,
            ):
                return i
        return None

    def audio(self) -> Any | None:
        """The leg's active audio stream as a conference-bridge port, or None."""
        index = self.audio_index()
        return None if index is None else self.getAudioMedia(index)

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
            for source in self.hears:
                source_audio = None if source.ended else source.audio()
                if source_audio is not None:
                    source_audio.startTransmit(audio)
            for listener in self.heard_by:
                listener_audio = None if listener.ended else listener.audio()
                if listener_audio is not None:
                    audio.startTransmit(listener_audio)

    def bridge(self, other: Leg) -> None:
        """Connect this leg and `other` both ways in the conference bridge (now, and
        again whenever either's media changes)."""
        self.listen_to(other)
        other.listen_to(self)

    def listen_to(self, source: Leg) -> None:
        """This leg hears `source` (one way; `source` hears nothing of it)."""
        if source is self:
            raise ValueError("a call cannot hear itself")
        if source not in self.hears:
            self.hears.append(source)
        if self not in source.heard_by:
            source.heard_by.append(self)
        self.connect_media()

    def stop_listening_to(self, source: Leg) -> None:
        """This leg no longer hears `source` (the other direction is left as it is)."""
        if source in self.hears:
            self.hears.remove(source)
        if self in source.heard_by:
            source.heard_by.remove(self)
        audio = None if self.ended else self.audio()
        source_audio = None if source.ended else source.audio()
        if audio is not None and source_audio is not None:
            with pj_errors("disconnect", call_id=self.call_id):
                source_audio.stopTransmit(audio)

    def unbridge(self) -> None:
        """Disconnect this leg from every leg it hears or is heard by; they stay up."""
        for source in list(self.hears):
            self.stop_listening_to(source)
        for listener in list(self.heard_by):
            listener.stop_listening_to(self)

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

    def stop_sinks(self) -> None:
        """Stop recording the leg: its recorders are disconnected and dropped (PJSIP
        closes their files, writing the WAV sizes); the leg stays up."""
        audio = None if self.ended else self.audio()
        for sink in self.sinks:
            if audio is not None:
                with pj_errors("stop-record", call_id=self.call_id):
                    audio.stopTransmit(sink)
        self.sinks.clear()

    def release(self) -> None:
        """Drop media references after the leg ended (PJSIP removed the stream)."""
        self.sources.clear()
        self.sinks.clear()
        self.hears.clear()
        self.heard_by.clear()
