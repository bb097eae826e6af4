"""Prompts from text: synthesised with espeak-ng, converted to the line's format, cached.

    cache = PromptCache(Path("var/prompts"))
    path = cache.prompt("Pulse 1 para conocer su saldo", language="es")      # 8 kHz WAV
    path = cache.prompt("Press 1 for your balance", language="en", sample_rate=16000)

The line's format is mono 16-bit PCM WAV at 8 kHz (G.711 calls) or 16 kHz (G.722).
espeak-ng speaks at 22,050 Hz; sox resamples when installed, otherwise a windowed-sinc
resampler in plain Python does it (slower, same result within a few percent). Files
are named by the SHA-256 of (text, voice, speed, rate, converter version), so a changed
prompt gets a new file and an unchanged one is never synthesised twice. Writes are
atomic (temporary file + rename): two workers may race, neither sees half a file.
"""

from __future__ import annotations

import array
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from centralita.errors import CentralitaError

#: espeak-ng voices per language: Latin American Spanish and American English.
VOICES = {"es": "es-419", "en": "en-us"}
RATES = (8000, 16000)
#: Raise when the output of the same inputs changes (new espeak options, resampler...).
FORMAT_VERSION = 1


class TtsError(CentralitaError):
    """Speech synthesis or conversion failed; `reason` says why."""

    code = "tts-failed"
    http_status = 500


def read_wav(path_or_bytes: Path | bytes) -> tuple[bytes, int]:
    """(mono 16-bit PCM samples, sample rate) of a WAV file."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    with wave.open(source, "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise TtsError(reason="expected mono 16-bit PCM WAV")
        return wav.readframes(wav.getnframes()), wav.getframerate()


def write_wav(path: Path, pcm16: bytes, rate: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm16)


def resample_pcm16(pcm16: bytes, from_rate: int, to_rate: int, taps: int = 8) -> bytes:
    """Resample mono 16-bit PCM with a Hann-windowed sinc (low-passed below both Nyquists)."""
    if from_rate == to_rate or not pcm16:
        return pcm16
    samples = array.array("h")
    samples.frombytes(pcm16)
    if sys.byteorder == "big":
        samples.byteswap()
    n_in = len(samples)
    n_out = max(1, round(n_in * to_rate / from_rate))
    ratio = from_rate / to_rate
    cutoff = min(1.0, to_rate / from_rate)  # fraction of the input Nyquist to keep
    half = math.ceil(taps / cutoff)
    out = array.array("h", bytes(2 * n_out))
    for i in range(n_out):
        centre = i * ratio
        first = max(0, math.floor(centre) - half + 1)
        last = min(n_in - 1, math.floor(centre) + half)
        total = 0.0
        norm = 0.0
        for j in range(first, last + 1):
            x = j - centre
            window = 0.5 + 0.5 * math.cos(math.pi * x / (half + 1))
            arg = math.pi * x * cutoff
            weight = (math.sin(arg) / arg if arg else 1.0) * window
            total += samples[j] * weight
            norm += weight
        value = round(total / norm) if norm else 0
        out[i] = max(-32768, min(32767, value))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


class PromptCache:
    """Synthesised prompts under `directory`, one WAV per distinct input."""

    def __init__(
        self,
        directory: Path,
        *,
        espeak: str = "espeak-ng",
        sox: str | None = "sox",
        voices: dict[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.espeak = espeak
        self.sox = sox if sox and shutil.which(sox) else None
        self.voices = {**VOICES, **(voices or {})}
        self.hits = 0
        self.misses = 0

    def key(self, text: str, voice: str, speed: int, sample_rate: int) -> str:
        data = json.dumps([FORMAT_VERSION, text, voice, speed, sample_rate], ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    def prompt(
        self,
        text: str,
        *,
        language: str = "es",
        voice: str | None = None,
        speed: int = 150,
        sample_rate: int = 8000,
    ) -> Path:
        """The WAV file saying `text` at `sample_rate`, synthesised on first use."""
        if sample_rate not in RATES:
            raise TtsError(reason=f"sample rate {sample_rate} (use {' or '.join(map(str, RATES))})")
        if not text.strip():
            raise TtsError(reason="empty text")
        voice = voice or self.voices.get(language.split("-")[0], language)
        key = self.key(text, voice, speed, sample_rate)
        path = self.directory / key[:2] / f"{key}.wav"
        if path.exists():
            self.hits += 1
            return path
        self.misses += 1
        path.parent.mkdir(parents=True, exist_ok=True)
        speech = self._espeak(text, voice, speed)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            self._convert(speech, tmp, sample_rate)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def _espeak(self, text: str, voice: str, speed: int) -> bytes:
        try:
            done = subprocess.run(
                [self.espeak, "-v", voice, "-s", str(speed), "--stdout"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=60,
                check=False,
            )
        except FileNotFoundError:
            raise TtsError(reason=f"{self.espeak} is not installed") from None
        if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
            detail = done.stderr.decode("utf-8", "replace").strip()[:200]
            raise TtsError(reason=f"{self.espeak} -v {voice} failed: {detail or done.returncode}")
        return done.stdout

    def _convert(self, speech: bytes, target: Path, sample_rate: int) -> None:
        # espeak-ng writes a streaming WAV header (sizes 0xFFFFFFFF): fix it before parsing.
        speech = _fix_header(speech)
        if self.sox is not None:
            done = subprocess.run(
                [self.sox, "-t", "wav", "-", "-r", str(sample_rate), "-c", "1", "-b", "16",
                 "-e", "signed-integer", "-t", "wav", str(target)],
                input=speech,
                capture_output=True,
                timeout=60,
                check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise TtsError(reason=f"sox failed: {done.stderr.decode('utf-8', 'replace')[:200]}")
            return
        pcm, rate = read_wav(speech)
        write_wav(target, resample_pcm16(pcm, rate, sample_rate), sample_rate)


def _fix_header(wav_bytes: bytes) -> bytes:
    """Set the RIFF and data chunk sizes from the real length (espeak-ng streams them)."""
    if not wav_bytes.startswith(b"RIFF") or wav_bytes[8:12] != b"WAVE":
        return wav_bytes
    data = bytearray(wav_bytes)
    data[4:8] = (len(data) - 8).to_bytes(4, "little")
    offset = 12
    while offset + 8 <= len(data):
        chunk, size = (
            bytes(data[offset : offset + 4]),
            int.from_bytes(data[offset + 4 : offset + 8], "little"),
        )
        if chunk == b"data":
            data[offset + 4 : offset + 8] = (len(data) - offset - 8).to_bytes(4, "little")
            break
        offset += 8 + size + (size & 1)
    return bytes(data)
