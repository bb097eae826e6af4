"""Where each recorded leg lands in a recording: a pure plan of pieces per channel.

The engine records each leg into its own mono WAV from the moment it is asked until the
leg ends (a "take"). A recording is a span of the call's time, with paused spans inside
it; each channel of it is the takes of that side (caller, or the agents one after the
other) placed at their start, cut to the span, silent where nothing was taken or where
recording was paused.

    plan = channel_plan([Take("agent", "a1.wav", start=3.0, frames=48000)],
                        side="agent", span=(2.0, 7.0), pauses=[(4.0, 5.0)], rate=16000)
    # [Piece(None, 0, 16000), Piece("a1.wav", 0, 16000), Piece(None, 0, 16000),
    #  Piece("a1.wav", 32000, 16000)]

Times are seconds on one clock (the service uses the event loop's monotonic time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Take:
    side: str  # "caller" or "agent"
    path: str
    start: float
    frames: int


@dataclass(frozen=True, slots=True)
class Piece:
    """`frames` samples taken from `source` at `offset`, or silence if `source` is None."""

    source: str | None
    offset: int
    frames: int


def frames_between(a: float, b: float, rate: int) -> int:
    return max(0, round((b - a) * rate))


def channel_plan(
    takes: Iterable[Take],
    *,
    side: str,
    span: tuple[float, float],
    pauses: Sequence[tuple[float, float]] = (),
    rate: int,
) -> list[Piece]:
    """The pieces that make `side`'s channel of the recording `span`, in order; their
    frames add up to the span's length exactly."""
    start, stop = span
    total = frames_between(start, stop, rate)
    # segments: (from, to, source, source offset at `from`)
    segments: list[tuple[int, int, str | None, int]] = [(0, total, None, 0)]

    def paint(a: int, b: int, source: str | None, source_at_a: int) -> None:
        a, b = max(a, 0), min(b, total)
        if a >= b:
            return
        out: list[tuple[int, int, str | None, int]] = []
        for s, e, src, off in segments:
            if e <= a or s >= b:
                out.append((s, e, src, off))
                continue
            if s < a:
                out.append((s, a, src, off))
            if e > b:
                out.append((b, e, src, off + (b - s) if src is not None else 0))
        out.append((a, b, source, source_at_a if source is not None else 0))
        out.sort(key=lambda seg: seg[0])
        segments[:] = out

    for take in sorted((t for t in takes if t.side == side), key=lambda t: t.start):
        at = round((take.start - start) * rate)
        a = max(at, 0)
        paint(a, at + take.frames, take.path, a - at)
    for p0, p1 in pauses:
        paint(round((p0 - start) * rate), round((p1 - start) * rate), None, 0)

    pieces: list[Piece] = []
    for s, e, src, off in segments:
        if pieces and src is None and pieces[-1].source is None:
            pieces[-1] = Piece(None, 0, pieces[-1].frames + e - s)
        else:
            pieces.append(Piece(src, off, e - s))
    return [p for p in pieces if p.frames > 0]


def clip_pauses(
    pauses: Iterable[tuple[float, float | None]], span: tuple[float, float]
) -> list[tuple[float, float]]:
    """Paused spans inside `span` (one still open ends with it), as offsets from its start
    (what the metadata keeps)."""
    start, stop = span
    out: list[tuple[float, float]] = []
    for p0, p1 in pauses:
        a, b = max(p0, start), min(stop if p1 is None else p1, stop)
        if b > a:
            out.append((round(a - start, 3), round(b - start, 3)))
    return out


def hold_spans(marks: Iterable[tuple[bool, float]], duration: float) -> list[tuple[float, float]]:
    """The call's holds inside a recording, as offsets from its start: `marks` are
    (held?, seconds from the recording's start) in time order — True when the caller was
    put on hold, False when taken back; a hold still on at the end ends with it, one
    begun before the start begins with it."""
    out: list[tuple[float, float]] = []
    since: float | None = None
    for held, at in marks:
        if held and since is None:
            since = at
        elif not held and since is not None:
            a, b = max(since, 0.0), min(at, duration)
            if b > a:
                out.append((round(a, 3), round(b, 3)))
            since = None
    if since is not None and since < duration:
        out.append((round(max(since, 0.0), 3), round(duration, 3)))
    return out
