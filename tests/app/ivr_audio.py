"""Was a given prompt heard? Compare the loudness envelope (20 ms frames) of the prompt's
WAV with every stretch of a recording: the best correlation is about 1 where the prompt
was played (through G.711 and the conference bridge), clearly lower for other speech."""

from __future__ import annotations

import math
from pathlib import Path

from telephony.tel_helpers import read_wav

FRAME_MS = 20


def envelope(path: Path) -> list[float]:
    rate, samples = read_wav(path)
    size = rate * FRAME_MS // 1000
    return [
        math.sqrt(sum(s * s for s in samples[i : i + size]) / size)
        for i in range(0, len(samples) - size + 1, size)
    ]


def _correlation(a: list[float], b: list[float]) -> float:
    n = len(a)
    mean_a, mean_b = sum(a) / n, sum(b) / n
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    var_a = sum((x - mean_a) ** 2 for x in a)
    var_b = sum((y - mean_b) ** 2 for y in b)
    return cov / math.sqrt(var_a * var_b) if var_a > 0 and var_b > 0 else 0.0


def _best(part: list[float], rec: list[float], first: int, last: int) -> tuple[float, int]:
    last = min(last, len(rec) - len(part))
    return max(
        ((_correlation(part, rec[i : i + len(part)]), i) for i in range(max(0, first), last + 1)),
        default=(0.0, first),
    )


def heard(recording: Path, prompt: Path, chunk: int = 50, slack: int = 15) -> float:
    """How surely `prompt` was heard in `recording`: the mean correlation of its 1 s
    pieces with the recording, each looked for where the previous one ended (± `slack`
    frames: a call may drop or stretch a few frames of audio)."""
    ref = envelope(prompt)
    # trim the prompt's leading and trailing silence: only its speech is compared
    loud = [i for i, level in enumerate(ref) if level > 200]
    if not loud:
        return 0.0
    ref = ref[loud[0] : loud[-1] + 1]
    rec = envelope(recording)
    pieces = [ref[i : i + chunk] for i in range(0, len(ref) - chunk // 2, chunk)]
    if len(rec) < len(ref) or not pieces:
        return 0.0
    scores = []
    score, at = _best(pieces[0], rec, 0, len(rec))
    scores.append(score)
    for piece in pieces[1:]:
        score, at = _best(piece, rec, at + chunk - slack, at + chunk + slack)
        scores.append(score)
    return sum(scores) / len(scores)
