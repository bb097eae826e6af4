"""Prompts synthesised with espeak-ng, converted to the line's format and cached."""

from __future__ import annotations

import array
import itertools
import math
import shutil

import pytest

from centralita.tts import PromptCache, TtsError, read_wav, resample_pcm16
from support import require

TEXT = "Pulse uno para conocer su saldo"


@pytest.fixture
def cache(tmp_path):
    require(shutil.which("espeak-ng") is not None, "espeak-ng is not installed")
    require(shutil.which("sox") is not None, "sox is not installed")
    return PromptCache(tmp_path / "prompts")


def rms(pcm: bytes) -> float:
    samples = array.array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def tone(freq: float, rate: int, seconds: float = 0.5, amplitude: int = 10000) -> bytes:
    n = int(rate * seconds)
    return array.array(
        "h", (int(amplitude * math.sin(2 * math.pi * freq * i / rate)) for i in range(n))
    ).tobytes()


def crossings(pcm: bytes) -> int:
    samples = array.array("h", pcm)
    return sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))


def test_a_prompt_is_8khz_mono_16bit_speech_of_plausible_length(cache):
    path = cache.prompt(TEXT, language="es")
    pcm, rate = read_wav(path)
    assert rate == 8000
    seconds = len(pcm) / 2 / rate
    assert 1.0 < seconds < 5.0
    assert rms(pcm) > 500  # speech, not silence


def test_16khz_for_g722_lasts_as_long(cache):
    narrow, _ = read_wav(cache.prompt(TEXT, language="es"))
    wide, rate = read_wav(cache.prompt(TEXT, language="es", sample_rate=16000))
    assert rate == 16000
    assert len(wide) / 2 / 16000 == pytest.approx(len(narrow) / 2 / 8000, rel=0.01)


def test_a_second_request_hits_the_cache(cache, tmp_path):
    first = cache.prompt(TEXT, language="es")
    stamp = first.stat().st_mtime_ns
    assert (cache.hits, cache.misses) == (0, 1)
    again = cache.prompt(TEXT, language="es")
    assert again == first
    assert again.stat().st_mtime_ns == stamp
    assert (cache.hits, cache.misses) == (1, 1)
    other_worker = PromptCache(tmp_path / "prompts")
    assert other_worker.prompt(TEXT, language="es") == first
    assert (other_worker.hits, other_worker.misses) == (1, 0)
    assert list((tmp_path / "prompts").rglob("*.tmp")) == []


def test_text_voice_speed_and_rate_each_make_a_different_prompt(cache):
    paths = {
        cache.prompt(TEXT, language="es"),
        cache.prompt(TEXT + ".", language="es"),
        cache.prompt(TEXT, language="en"),
        cache.prompt(TEXT, language="es", speed=120),
        cache.prompt(TEXT, language="es", sample_rate=16000),
    }
    assert len(paths) == 5


def test_english_prompts_use_an_english_voice(cache):
    pcm, rate = read_wav(cache.prompt("Press one for your balance", language="en"))
    assert rate == 8000 and rms(pcm) > 500


def test_without_sox_the_python_resampler_gives_the_same_prompt(cache, tmp_path):
    with_sox, _ = read_wav(cache.prompt(TEXT, language="es"))
    plain = PromptCache(tmp_path / "plain", sox=None)
    without, rate = read_wav(plain.prompt(TEXT, language="es"))
    assert rate == 8000
    assert len(without) == pytest.approx(len(with_sox), rel=0.01)
    assert rms(without) == pytest.approx(rms(with_sox), rel=0.15)


def test_resampling_keeps_a_tone_and_removes_what_the_line_cannot_carry():
    kept = resample_pcm16(tone(1000, 22050), 22050, 8000)
    assert len(kept) // 2 == 4000
    assert crossings(kept) == pytest.approx(1000, rel=0.02)  # 1 kHz: 2 crossings a period
    assert rms(kept) == pytest.approx(10000 / math.sqrt(2), rel=0.05)
    aliased = resample_pcm16(tone(6000, 22050), 22050, 8000)  # above 4 kHz Nyquist
    assert rms(aliased) < 0.1 * 10000 / math.sqrt(2)
    up = resample_pcm16(tone(440, 8000), 8000, 16000)
    assert len(up) // 2 == 8000
    assert crossings(up) == pytest.approx(440, rel=0.02)


def test_bad_requests_and_a_missing_synthesiser_are_clear_errors(tmp_path):
    cache = PromptCache(tmp_path, espeak="no-such-espeak")
    with pytest.raises(TtsError, match="not installed") as caught:
        cache.prompt("hola")
    assert caught.value.code == "tts-failed"
    with pytest.raises(TtsError, match="sample rate"):
        cache.prompt("hola", sample_rate=44100)
    with pytest.raises(TtsError, match="empty"):
        cache.prompt("   ")
