"""The wall clock, read only at the edges (web handlers, workers), never in the core."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
