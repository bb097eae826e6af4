"""Pausing CPython's cycle collector while a report builds many small objects."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cycle collector off, then put it back as it was.

    Reports make tens of thousands to millions of small containers and no reference
    cycles; the collector's passes over them, triggered by the allocations alone, took a
    third of a month's interval report and half the rebuild's projecting. Threads that
    overlap may leave it to the last one out to switch it back on; it ends on either way."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
