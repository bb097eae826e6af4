"""Speech input: the recogniser port and its two offline implementations.

    recognizer = PocketsphinxRecognizer()          # English, small vocabularies
    text, confidence = recognizer.recognize(pcm16, 8000, ["one", "two", "three"])

A `Recognizer` hears one utterance (mono 16-bit PCM at any rate) and picks the best of
the `words` the current question accepts, with a confidence from 0 to 1; `("", 0.0)`
means nothing usable was said. The IVR treats an answer below its flow's
`min_confidence` as a wrong answer and asks again; keys always work too.

- `PocketsphinxRecognizer` ships with an English model (PyPI `pocketsphinx`). It is
  constrained by a grammar of exactly the accepted words (words missing from its
  dictionary are left out), and hears 8 kHz telephone audio upsampled to 16 kHz.
  pocketsphinx gives no usable confidence in grammar mode, so the confidence here is a
  heuristic: silence (low energy) and audio that matches no word score 0; otherwise
  the word's acoustic score per frame and how much of the speech the word covers
  lower it from 0.9. In a menu of digit names the grammar also holds the other digits,
  so "four" said to a one-two-three menu is heard as "four" and rejected.
- `VoskRecognizer` uses a Vosk model directory the administrator downloads (e.g. a
  small Spanish model); `vosk` is imported only then, and its own per-word confidence
  is used.
"""

from __future__ import annotations

import array
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from centralita.errors import CentralitaError
from centralita.tts import resample_pcm16

DIGIT_DECOYS = (
    "zero",
    "oh",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
)
#: Below this RMS (of 32768) an utterance is silence: about -44 dBFS.
SILENCE_RMS = 200.0


class SpeechError(CentralitaError):
    """The recogniser cannot run (no model, missing package); `reason` says why."""

    code = "speech-unavailable"
    http_status = 500


class Recognizer(Protocol):
    def recognize(self, pcm16: bytes, rate: int, words: Sequence[str]) -> tuple[str, float]:
        """The best of `words` heard in `pcm16` and a confidence 0..1; ("", 0.0) if none."""
        ...


def _samples(pcm16: bytes) -> array.array[int]:
    samples = array.array("h")
    samples.frombytes(pcm16[: len(pcm16) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def rms(pcm16: bytes) -> float:
    samples = _samples(pcm16)
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def speech_frames(pcm16: bytes, rate: int, frame_ms: int = 10) -> int:
    """How many 10 ms frames carry speech (energy above a tenth of the loudest frame's)."""
    samples = _samples(pcm16)
    size = max(1, rate * frame_ms // 1000)
    energies = [
        math.sqrt(sum(s * s for s in samples[i : i + size]) / size)
        for i in range(0, len(samples) - size + 1, size)
    ]
    if not energies:
        return 0
    floor = max(max(energies) * 0.1, SILENCE_RMS)
    return sum(1 for e in energies if e >= floor)


class PocketsphinxRecognizer:
    """Grammar-constrained English recognition with pocketsphinx's bundled model."""

    def __init__(self, model_dir: Path | None = None) -> None:
        try:
            import pocketsphinx
        except ImportError:
            raise SpeechError(reason="the pocketsphinx package is not installed") from None
        base = Path(model_dir) if model_dir else Path(pocketsphinx.get_model_path()) / "en-us"
        self._decoder: Any = pocketsphinx.Decoder(
            hmm=str(base / "en-us"),
            dict=str(base / "cmudict-en-us.dict"),
            lm=None,
            logfn="/dev/null",
        )
        self._grammars: dict[tuple[str, ...], str] = {}

    def _grammar(self, words: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
        lookup = self._decoder.lookup_word
        known = tuple(sorted({w.lower() for w in words if lookup(w.lower()) is not None}))
        if not known:
            return None
        if known not in self._grammars:
            name = f"g{len(self._grammars)}"
            # Digit menus also listen for the other digits, so a caller who says "four"
            # in a one-two-three menu is heard as "four" (rejected), not as "one".
            sounds = {lookup(w) for w in known}
            decoys = (
                [d for d in DIGIT_DECOYS if d not in known and lookup(d) not in sounds]
                if set(known) & set(DIGIT_DECOYS)
                else []
            )
            rule = " | ".join((*known, *decoys))
            self._decoder.add_jsgf_string(
                name, f"#JSGF V1.0;\ngrammar menu;\npublic <choice> = {rule};\n"
            )
            self._grammars[known] = name
        return self._grammars[known], known

    def recognize(self, pcm16: bytes, rate: int, words: Sequence[str]) -> tuple[str, float]:
        if rms(pcm16) < SILENCE_RMS:
            return "", 0.0
        grammar = self._grammar(words)
        if grammar is None:
            return "", 0.0
        name, known = grammar
        audio = resample_pcm16(pcm16, rate, 16000) if rate != 16000 else pcm16
        decoder = self._decoder
        decoder.activate_search(name)
        decoder.start_utt()
        decoder.process_raw(audio, full_utt=True)
        decoder.end_utt()
        found = [s for s in decoder.seg() or () if s.word in known]
        if not found:
            return "", 0.0
        best = found[0]
        frames = max(1, best.end_frame - best.start_frame + 1)
        per_frame = math.log(best.ascore) / frames if best.ascore > 0 else -100.0
        confidence = 0.9 * min(1.0, math.exp((per_frame + 4.0) / 1.5))
        spoken = speech_frames(audio, 16000)
        coverage = sum(s.end_frame - s.start_frame + 1 for s in found) / max(1, spoken)
        if coverage < 0.6:
            confidence *= coverage
        return " ".join(s.word for s in found), round(confidence, 3)


class VoskRecognizer:
    """Vosk with a model directory (e.g. vosk-model-small-es-0.42), restricted to `words`."""

    def __init__(self, model_dir: Path) -> None:
        try:
            import vosk
        except ImportError:
            raise SpeechError(
                reason="the vosk package is not installed (pip install vosk)"
            ) from None
        if not Path(model_dir).is_dir():
            raise SpeechError(reason=f"no Vosk model directory at {model_dir}")
        vosk.SetLogLevel(-1)
        self._vosk: Any = vosk
        self._model = vosk.Model(str(model_dir))

    def recognize(self, pcm16: bytes, rate: int, words: Sequence[str]) -> tuple[str, float]:
        if rms(pcm16) < SILENCE_RMS:
            return "", 0.0
        grammar = json.dumps([w.lower() for w in words] + ["[unk]"], ensure_ascii=False)
        recognizer = self._vosk.KaldiRecognizer(self._model, rate, grammar)
        recognizer.SetWords(True)
        recognizer.AcceptWaveform(pcm16)
        result = json.loads(recognizer.FinalResult())
        heard = [w for w in result.get("result", []) if w.get("word") != "[unk]"]
        if not heard:
            return "", 0.0
        confidence = min(float(w.get("conf", 0.0)) for w in heard)
        return " ".join(w["word"] for w in heard), round(confidence, 3)


def make_recognizer(vosk_model_dir: Path | None = None) -> Recognizer:
    """Vosk when a model directory is configured, else pocketsphinx (English)."""
    if vosk_model_dir is not None:
        return VoskRecognizer(vosk_model_dir)
    return PocketsphinxRecognizer()
