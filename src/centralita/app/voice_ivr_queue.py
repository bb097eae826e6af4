"""The queue node's own wait on the phone line: its music, its announcements and its
callback offer (`music`, `announce_*`, `callback: {after, key}`).

    music: FILE         ─► that WAV (next to the flow file) loops instead of the center's
    announce_position / announce_wait ─► every `announce_every` seconds, "you are
        number N" and/or "your estimated wait is M minutes" instead of the center's
        announcements (a node that asks for neither gets the center's: both, at its
        times); either way in the call's language, which the center does not know
    callback: {after, key}:
    the call waits `after` seconds in the queue ─► "press 1 to be called back" (es/en,
        espeak-ng; the music on hold comes back after it)
    the key, any time after the offer while still waiting ─► CallbackRequested to the
        core (the interaction closes as `callback_requested`; an agent ringing for it
        is cancelled) ─► "we will call you back" ─► the call is hung up

Keys pressed before the offer, other keys, and keys once an agent took the call are
ignored. The caller is called back at the number they called from (the interaction's
ANI); nothing dials it yet: the request shows in the event log and the reports.
"""

from __future__ import annotations

import asyncio
import logging
import wave
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from centralita.app.voice_prompts import WAIT, position_text, said
from centralita.core.events import CallbackRequested
from centralita.core.ivr import commands as cmd

if TYPE_CHECKING:
    from centralita.app.voice import VoiceCall, VoiceSettings
    from centralita.app.voice_ivr import VoiceIvr
    from centralita.app.voice_ivr_line import IvrCall

Announcer = Callable[["VoiceCall"], Coroutine[Any, Any, None]]

log = logging.getLogger(__name__)

OFFER = {
    "es": "Si prefiere que le devolvamos la llamada, pulse {key}.",
    "en": "If you would rather we call you back, press {key}.",
}
CONFIRMED = {
    "es": "Gracias. Le devolveremos la llamada al número desde el que nos llama. Hasta pronto.",
    "en": "Thank you. We will call you back at the number you are calling from. Goodbye.",
}
KEY_NAMES = {"es": {"*": "asterisco", "#": "numeral"}, "en": {"*": "star", "#": "pound"}}
PLEASE_HOLD = {"es": "Por favor, espere en línea.", "en": "Please hold."}


def node_music(call: IvrCall, music: str | None) -> Path | None:
    """The queue node's music (a WAV file next to the flow file), or None for the
    center's; a file that is missing is logged and the center's plays."""
    if music is None:
        return None
    path = Path(call.session.flow.source).parent / music
    if not path.is_file():
        log.error(
            "ivr: flow %s: music %s does not exist; %s hears the center's",
            call.session.flow.id,
            path,
            call.interaction_id,
        )
        return None
    return path


def announcement_text(position: int | None, minutes: int | None, language: str) -> str | None:
    """What an announcement says: the position and/or the expected wait (None: nothing
    to say, e.g. only the wait was asked for and there is no estimate)."""
    language = language if language in PLEASE_HOLD else "es"
    if position is not None:
        return position_text(position, language, minutes)
    if minutes is None:
        return None
    return WAIT[language][min(minutes, 2)].format(m=minutes) + PLEASE_HOLD[language]


@dataclass(frozen=True)
class Announcements:
    """When and what a queued IVR caller is told: first after `first` seconds, then
    every `every`; the position and/or the expected wait; in `language`."""

    first: float
    every: float
    position: bool
    wait: bool
    language: str


def announcements(enqueue: cmd.Enqueue, settings: VoiceSettings) -> Announcements:
    """The queue node's (`announce_position` / `announce_wait` every `announce_every`
    seconds), or, if it asks for neither, the center's (both, at its times): always in
    the call's language, which the center's own announcer does not know."""
    language = enqueue.language if enqueue.language in PLEASE_HOLD else "es"
    if enqueue.announce_position or enqueue.announce_wait:
        every = enqueue.announce_every
        return Announcements(
            every, every, enqueue.announce_position, enqueue.announce_wait, language
        )
    return Announcements(settings.announce_first, settings.announce_every, True, True, language)


def announcer(ivr: VoiceIvr, plan: Announcements) -> Announcer:
    """The announcer of a call the IVR queued (`VoiceCall.announce`)."""
    voice, language = ivr.voice, plan.language

    async def announce(call: VoiceCall) -> None:
        await asyncio.sleep(plan.first)
        while queued(call):
            position = voice.queue_position(call.interaction_id)
            minutes = voice.wait_minutes(call.interaction_id, position) if position else None
            text = announcement_text(
                position if plan.position else None, minutes if plan.wait else None, language
            )
            if position and text is not None:
                prompt = await said(voice.prompts, text, language)
                if prompt is not None and queued(call):
                    await voice.quietly(voice.engine.stop_playback(call.caller))
                    await voice.quietly(voice.engine.play_file(call.caller, prompt))
                    voice.announced.append((call.interaction_id, position))
                    voice.announced_waits.append((call.interaction_id, minutes))
            await asyncio.sleep(plan.every)

    return announce


def offer_text(key: str, language: str) -> str:
    language = language if language in OFFER else "es"
    return OFFER[language].format(key=KEY_NAMES[language].get(key, key))


def confirmed_text(language: str) -> str:
    return CONFIRMED[language if language in CONFIRMED else "es"]


def queued(call: VoiceCall) -> bool:
    """Still waiting for an agent (`VoiceCenter`'s own test)."""
    return not (call.bridged or call.caller_gone or call.closed)


class CallbackOffer:
    """One queued call's offer: `start()` after admission."""

    def __init__(
        self, ivr: VoiceIvr, call: VoiceCall, *, after: float, key: str, language: str
    ) -> None:
        self.ivr, self.voice = ivr, ivr.voice
        self.call, self.after, self.key = call, after, key
        self.language = language if language in OFFER else "es"
        self.offered = False
        self.requested = False

    def start(self) -> None:
        self.call.on_digit = self.pressed
        self.ivr.spawn(self._offer_later())

    async def _offer_later(self) -> None:
        await asyncio.sleep(self.after)
        if not queued(self.call):
            return
        prompt = await self._prompt(offer_text(self.key, self.language))
        if prompt is None or not queued(self.call):
            return
        engine, leg = self.voice.engine, self.call.caller
        await self.voice.quietly(engine.stop_playback(leg))
        await self.voice.quietly(engine.play_file(leg, prompt))  # then the music again
        self.offered = True
        self.ivr.callbacks_offered = [*self.ivr.callbacks_offered[-49:], self.call.interaction_id]
        log.info("ivr: offered %s a callback (key %s)", self.call.interaction_id, self.key)

    def pressed(self, digit: str) -> None:
        if digit != self.key or not self.offered or self.requested or not queued(self.call):
            return
        if not self.voice.tell_core(CallbackRequested(self.call.interaction_id)):
            return  # the core says otherwise (an agent just took it)
        self.requested = True
        self.call.closed = True  # the core knows: its hang-up is not an abandon
        if self.call.announcer is not None:
            self.call.announcer.cancel()
        log.info("ivr: %s asked to be called back", self.call.interaction_id)
        self.ivr.spawn(self._goodbye())

    async def _goodbye(self) -> None:
        engine, leg = self.voice.engine, self.call.caller
        await self.voice.quietly(engine.stop_playback(leg))
        prompt = await self._prompt(confirmed_text(self.language))
        if prompt is not None:
            await self.voice.quietly(engine.play_file(leg, prompt))
            await asyncio.sleep(_seconds(prompt) + 0.3)
        await self.voice.quietly(engine.hangup(leg))

    async def _prompt(self, text: str) -> Path | None:
        return await said(self.voice.prompts, text, self.language)


def offer_callback(
    ivr: VoiceIvr, call: VoiceCall, *, after: float, key: str, language: str
) -> CallbackOffer:
    offer = CallbackOffer(ivr, call, after=after, key=key, language=language)
    offer.start()
    return offer


def _seconds(wav: Path) -> float:
    with wave.open(str(wav), "rb") as data:
        return data.getnframes() / data.getframerate()
