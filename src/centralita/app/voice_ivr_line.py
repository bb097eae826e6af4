"""Prompts and answers on one IVR call: what `VoiceIvr` does for `Play`, `Say` and
`Collect` (`app/voice_ivr.py`).

A `Collect` plays its prompts one after the other; a key or the start of speech stops
them (barge-in); once they end, a timer on the loop runs the node's timeout, again after
each key. Keys end at `max_digits` or the terminator; for callers who speak, one
utterance is cut from the leg's recording (`voice_utterance.Utterance`) and given to the
recogniser, one at a time. Answers come back to the call's inbox as `(step, event)`:
an answer to a step that is over (a late timer, a late recognition) is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from centralita.app import intake
from centralita.app.voice_prompts import said
from centralita.app.voice_utterance import Utterance
from centralita.core.ivr import commands as cmd
from centralita.core.ivr import events as ev
from centralita.core.ivr.session import IvrSession
from centralita.errors import CentralitaError
from centralita.speech import Recognizer, SpeechError, make_recognizer
from centralita.telephony import PlaybackFinished as LegPlaybackFinished

if TYPE_CHECKING:
    from centralita.app.voice import VoiceCenter

log = logging.getLogger(__name__)
Spawn = Callable[[Coroutine[Any, Any, Any], "IvrCall | None"], "asyncio.Task[Any]"]


@dataclass(eq=False)
class IvrCall:
    """One call in the IVR, and what its current step is waiting for."""

    leg: str
    interaction_id: str
    session: IvrSession
    routing: intake.Routing
    ani: str
    dnis: str
    trunk: str | None
    arrived_at: float
    inbox: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    step: int = 0  # bumped by every command that waits: late answers to old ones are dropped
    playing: bool = False  # a Play/Say is on
    collect: cmd.Collect | None = None
    prompts: list[cmd.Prompt] = field(default_factory=list)  # of the Collect, still to play
    prompting: bool = False  # the Collect's prompts are still playing
    waiting: bool = False  # the Collect's prompts are done: its timeout runs
    keys: str = ""
    swallow: str = ""  # a terminator right after max_digits keys belongs to them
    speaking: bool = False  # an utterance started and is being heard
    timer: asyncio.TimerHandle | None = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    recording: Utterance | None = None
    gone: bool = False  # the caller hung up
    left: bool = False  # the call left the IVR (queued, transferred, hung up by us...)
    played: list[str] = field(default_factory=list)  # text of each prompt played


class CallLine:
    """Plays prompts and collects answers on IVR calls."""

    def __init__(
        self,
        voice: VoiceCenter,
        spawn: Spawn,
        work_dir: Path,
        recognizer: Recognizer | None = None,
        vosk_model_dir: Path | None = None,
    ) -> None:
        self.voice = voice
        self._spawn = spawn
        self.work_dir = work_dir
        self._recognizer = recognizer
        self._vosk = vosk_model_dir
        #: One decoder, one utterance at a time (pocketsphinx's is not thread-safe).
        self._speech = asyncio.Lock()
        self._no_speech = False

    # --- prompts -------------------------------------------------------------------------
    async def prompt_file(self, call: IvrCall, prompt: cmd.Prompt) -> Path | None:
        if prompt.file is not None:
            return Path(call.session.flow.source).parent / prompt.file
        text = prompt.text or ""
        if not text.strip():
            return None
        call.played.append(text)
        return await said(self.voice.prompts, text, prompt.language)

    async def start_playing(self, call: IvrCall, prompt: cmd.Prompt) -> bool:
        path = await self.prompt_file(call, prompt)
        if path is None or call.gone:
            return False
        await self.voice.quietly(self.voice.engine.stop_playback(call.leg))
        try:
            await self.voice.engine.play_file(call.leg, path)
        except CentralitaError as exc:
            log.info("ivr: could not play %s on %s: %s", path, call.leg, exc)
            return False
        return True

    async def play(self, call: IvrCall, prompt: cmd.Prompt) -> None:
        call.playing = await self.start_playing(call, prompt)
        if not call.playing and not call.gone:
            call.inbox.put_nowait(LegPlaybackFinished(call.leg))  # nothing to hear: go on
            call.playing = True

    # --- input ---------------------------------------------------------------------------
    async def collect(self, call: IvrCall, collect: cmd.Collect) -> None:
        self.quiet(call, keep_swallow=True)
        call.step += 1
        call.collect, call.keys, call.speaking = collect, "", False
        call.prompts, call.prompting, call.waiting = list(collect.prompts), True, False
        await self.next_prompt(call)
        if collect.words:  # after the first prompt starts: loading the recogniser takes a while
            await self._listen(call, call.step, collect.words)

    async def next_prompt(self, call: IvrCall) -> None:
        while call.prompts:
            if await self.start_playing(call, call.prompts.pop(0)):
                return
        call.prompting = False
        self.wait_for_answer(call)

    def wait_for_answer(self, call: IvrCall) -> None:
        assert call.collect is not None
        call.waiting = True
        if call.timer is not None:
            call.timer.cancel()
        step, loop = call.step, asyncio.get_running_loop()
        call.timer = loop.call_later(
            call.collect.timeout, call.inbox.put_nowait, (step, ev.InputTimedOut())
        )

    async def barge_in(self, call: IvrCall) -> None:
        if call.prompting:
            call.prompts.clear()
            call.prompting = False
            await self.voice.quietly(self.voice.engine.stop_playback(call.leg))
        if call.timer is not None:
            call.timer.cancel()
            call.timer = None

    async def key(self, call: IvrCall, digit: str) -> ev.IvrEvent | None:
        collect = call.collect
        assert collect is not None
        swallow, call.swallow = call.swallow, ""
        if swallow and digit == swallow:
            return None  # the terminator after a full answer, pressed out of habit
        await self.barge_in(call)
        if collect.terminator and digit == collect.terminator:
            return self.keys_done(call)
        call.keys += digit
        if len(call.keys) >= collect.max_digits:
            event = self.keys_done(call)
            call.swallow = collect.terminator
            return event
        self.wait_for_answer(call)  # the timeout runs again between keys
        return None

    def keys_done(self, call: IvrCall) -> ev.IvrEvent:
        return self.answered(call, ev.DigitsReceived(call.keys))

    def answered(self, call: IvrCall, event: ev.IvrEvent) -> ev.IvrEvent:
        """The current step got its answer: stop its timer, listener and prompts."""
        self.quiet(call, keep_swallow=True)
        call.step += 1
        return event

    def quiet(self, call: IvrCall, keep_swallow: bool = False) -> None:
        if call.timer is not None:
            call.timer.cancel()
            call.timer = None
        for task in list(call.tasks):
            if task is not asyncio.current_task():
                task.cancel()
        call.collect, call.prompts, call.prompting, call.waiting = None, [], False, False
        call.speaking = False
        if not keep_swallow:
            call.swallow = ""

    async def _listen(self, call: IvrCall, step: int, words: tuple[str, ...]) -> None:
        recognizer = await self._get_recognizer()
        if recognizer is None or step != call.step or call.left:
            return
        if call.recording is None:
            path = self.work_dir / "heard" / f"{call.interaction_id}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                await self.voice.engine.record(call.leg, path)
            except CentralitaError as exc:
                log.info("ivr: cannot listen to %s: %s", call.leg, exc)
                return
            call.recording = Utterance(path)
        self._spawn(self._hear(call, step, call.recording, recognizer, words), call)

    async def _hear(
        self,
        call: IvrCall,
        step: int,
        recording: Utterance,
        recognizer: Recognizer,
        words: tuple[str, ...],
    ) -> None:
        start = recording.position()
        pcm, rate = await recording.capture(
            start, on_speech=lambda: call.inbox.put_nowait((step, "speech"))
        )
        async with self._speech:
            text, confidence = await asyncio.to_thread(recognizer.recognize, pcm, rate, words)
        log.info("ivr: %s said %r (%.2f)", call.interaction_id, text, confidence)
        call.inbox.put_nowait((step, ev.SpeechRecognized(text, confidence)))

    async def _get_recognizer(self) -> Recognizer | None:
        async with self._speech:
            if self._recognizer is None and not self._no_speech:
                try:
                    self._recognizer = await asyncio.to_thread(make_recognizer, self._vosk)
                except SpeechError as exc:
                    log.error("ivr: no speech recogniser (%s); keys only", exc)
                    self._no_speech = True
        return self._recognizer
