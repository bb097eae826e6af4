"""What a waiting caller hears: music on hold and the announcements of position and
expected wait.

The music is generated (no recording to license): a slow G-major arpeggio of soft sine
notes, 8 s that loop, written once under the prompts directory. Its notes (392, 494,
587 Hz) stay clear of the tones the tests send through a bridged call. Announcements are
espeak-ng prompts (`centralita.tts.PromptCache`, cached by content) in Spanish or English.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
import tempfile
from array import array
from pathlib import Path

from centralita.tts import PromptCache, TtsError, write_wav

RATE = 16000
MOH_NOTES = (392.0, 494.0, 587.0, 494.0)
MOH_VERSION = 1

POSITION = {
    "es": "Su llamada es importante para nosotros. Usted es el número {n} en la fila. "
    "{wait}Por favor, espere en línea.",
    "en": "Your call is important to us. You are number {n} in the queue. {wait}Please hold.",
}
#: The expected wait (`centralita.core.waiting`), by whole minutes: 0, 1, more.
WAIT = {
    "es": (
        "El tiempo de espera estimado es de menos de un minuto. ",
        "El tiempo de espera estimado es de un minuto. ",
        "El tiempo de espera estimado es de {m} minutos. ",
    ),
    "en": (
        "Your estimated wait is less than a minute. ",
        "Your estimated wait is one minute. ",
        "Your estimated wait is {m} minutes. ",
    ),
}


def music_on_hold(directory: Path) -> Path:
    """The music-on-hold WAV (16 kHz mono), generated on first use."""
    path = Path(directory) / f"music-on-hold-v{MOH_VERSION}.wav"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = array("h")
    note_len = 2 * RATE
    fade = RATE // 10
    for freq in MOH_NOTES:
        for i in range(note_len):
            envelope = min(1.0, i / fade, (note_len - i) / fade)
            value = math.sin(2 * math.pi * freq * i / RATE) + 0.3 * math.sin(
                2 * math.pi * 2 * freq * i / RATE
            )
            samples.append(int(5000 * envelope * value))
    if sys.byteorder == "big":
        samples.byteswap()
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    write_wav(Path(tmp), samples.tobytes(), RATE)
    os.replace(tmp, path)
    return path


def position_text(position: int, language: str, minutes: int | None = None) -> str:
    """ "You are number N in the queue" and, with `minutes` (0 = less than a minute), "your
    estimated wait is M minutes", in `language` ("es" or "en"; others get Spanish)."""
    language = language if language in POSITION else "es"
    wait = ""
    if minutes is not None:
        wait = WAIT[language][min(minutes, 2)].format(m=minutes)
    return POSITION[language].format(n=position, wait=wait)


def position_prompt(
    cache: PromptCache, position: int, language: str, minutes: int | None = None
) -> Path:
    """`position_text` spoken (espeak-ng), synthesised once."""
    text = position_text(position, language, minutes)
    return cache.prompt(text, language=language if language in POSITION else "es", sample_rate=RATE)


async def said(cache: PromptCache, text: str, language: str) -> Path | None:
    """`text` as an 8 kHz prompt (synthesised on a thread, cached), or None if the voice
    cannot say it (logged): the call goes on without that prompt."""
    try:
        return await asyncio.to_thread(cache.prompt, text, language=language, sample_rate=8000)
    except TtsError as exc:
        logging.getLogger(__name__).error("ivr: cannot say %r: %s", text, exc)
        return None
