"""Intraday charts of a simulated day: service level and queue length per interval."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any


def clock_label(seconds: float, origin: float) -> str:
    """ "HH:MM" of a time `seconds` after the simulation's start at clock `origin`."""
    minutes = round((origin + seconds) / 60.0) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def plot_intervals(
    intervals: dict[str, list[dict[str, Any]]],
    path: Path,
    title: str,
    origin: float = 0.0,
    duration: float | None = None,
    thresholds: dict[str, float] | None = None,
) -> None:
    """Write a PNG with one line per queue: service level (top), queue length (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter, MultipleLocator, PercentFormatter

    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(10, 6.5), dpi=100)
    span = 0.0
    for queue, rows in intervals.items():
        if duration is not None:
            rows = [r for r in rows if r["start_seconds"] < duration]
        starts = [r["start_seconds"] for r in rows]
        levels = [
            math.nan if r["service_level"] is None else r["service_level"] * 100 for r in rows
        ]
        label = queue
        if thresholds and queue in thresholds:
            label = f"{queue} (within {thresholds[queue]:g} s)"
        lengths = [r["queue_length"] for r in rows]
        if rows:  # draw the last interval to its end
            starts.append(starts[-1] + (starts[1] - starts[0] if len(starts) > 1 else 3600.0))
            levels.append(levels[-1])
            lengths.append(lengths[-1])
        top.step(starts, levels, where="post", label=label)
        bottom.step(starts, lengths, where="post", label=queue)
        span = max(span, starts[-1] if starts else 0.0)
    top.set_ylabel("service level")
    top.yaxis.set_major_formatter(PercentFormatter())
    top.set_ylim(0, 105)
    top.grid(alpha=0.3)
    top.legend(loc="lower left", fontsize="small")
    top.set_title(title)
    bottom.set_ylabel("calls waiting (mean)")
    bottom.set_xlabel("interval start")
    bottom.grid(alpha=0.3)
    hours = max(1, math.ceil(span / 3600.0 / 12))  # at most about 12 labels
    bottom.xaxis.set_major_locator(MultipleLocator(3600.0 * hours))
    bottom.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: clock_label(x, origin)))
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)
