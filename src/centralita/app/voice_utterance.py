"""One utterance of a caller, cut out of the recording of their leg (endpointing).

The engine records what a leg sends to a WAV file until the leg ends
(`Engine.record`); PJSIP writes it in blocks of a few kilobytes as the call goes on.
`Utterance.capture(start)` follows that file from `start`, finds where speech begins
(a few 20 ms frames above a speech level) and where it ends (a pause), and returns the
samples from a little before the start to the end, with their rate, for the
recogniser (`centralita.speech`). It does not guess words, only where they are.

    listener = Utterance(path)
    start = listener.position()                    # now: ignore what came before
    pcm16, rate = await listener.capture(start, on_speech=stop_the_prompt)
"""

from __future__ import annotations

import asyncio
import math
import sys
from array import array
from collections.abc import Callable
from pathlib import Path

HEADER = 44  # PJSIP's WAV writer: RIFF + fmt (16 bytes) + data, PCM only
FRAME_MS = 20


def _rms(frame: bytes) -> float:
    samples = array("h")
    samples.frombytes(frame)
    if sys.byteorder == "big":
        samples.byteswap()
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


class Utterance:
    def __init__(
        self,
        path: Path,
        *,
        speech_rms: float = 300.0,
        start_frames: int = 3,
        end_silence: float = 0.7,
        lead: float = 0.25,
        longest: float = 6.0,
        poll: float = 0.05,
    ) -> None:
        """`speech_rms`: a frame louder than this (of 32768; about -40 dBFS) is speech;
        speech starts after `start_frames` of them in a row and ends after `end_silence`
        seconds below it, or `longest` seconds after it started."""
        self.path = path
        self.speech_rms = speech_rms
        self.start_frames = start_frames
        self.end_silence = end_silence
        self.lead = lead
        self.longest = longest
        self.poll = poll

    def rate(self) -> int | None:
        try:
            with self.path.open("rb") as wav:
                head = wav.read(HEADER)
        except OSError:
            return None
        if len(head) < HEADER or head[:4] != b"RIFF":
            return None
        return int.from_bytes(head[24:28], "little")

    def position(self) -> int:
        """Where the recording ends now (a byte offset on a sample boundary)."""
        try:
            size = self.path.stat().st_size
        except OSError:
            return HEADER
        return HEADER + max(0, size - HEADER) // 2 * 2

    async def capture(
        self, start: int, *, on_speech: Callable[[], None] | None = None
    ) -> tuple[bytes, int]:
        """Wait for one utterance after byte `start`; (mono 16-bit PCM, rate). Runs until
        it has one (cancel it to stop listening)."""
        rate = self.rate()
        while rate is None:
            await asyncio.sleep(self.poll)
            rate = self.rate()
        frame = rate * FRAME_MS // 1000 * 2
        audio = bytearray()
        offset = max(start, HEADER)
        loud = quiet = 0
        begun: int | None = None  # byte index in `audio` where speech started
        scanned = 0
        while True:
            with self.path.open("rb") as wav:
                wav.seek(offset)
                chunk = wav.read()
            chunk = chunk[: len(chunk) // 2 * 2]
            offset += len(chunk)
            audio += chunk
            while scanned + frame <= len(audio):
                level = _rms(bytes(audio[scanned : scanned + frame]))
                scanned += frame
                if begun is None:
                    loud = loud + 1 if level >= self.speech_rms else 0
                    if loud >= self.start_frames:
                        begun = scanned - loud * frame
                        if on_speech is not None:
                            on_speech()
                    continue
                quiet = quiet + 1 if level < self.speech_rms else 0
                long_enough = scanned - begun >= self.longest * rate * 2
                if quiet * FRAME_MS >= self.end_silence * 1000 or long_enough:
                    first = max(0, begun - int(self.lead * rate) * 2)
                    return bytes(audio[first:scanned]), rate
            if begun is None and len(audio) > 2 * rate * 2:
                keep = int(self.lead * rate) * 2 + frame * self.start_frames
                cut = (len(audio) - keep) // frame * frame
                del audio[:cut]
                scanned -= cut
            await asyncio.sleep(self.poll)
