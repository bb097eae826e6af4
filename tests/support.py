"""Helpers shared by the test suite (importable as `support`)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import pytest

IN_CI = os.environ.get("CI") == "true"
#: A fixed instant for actions' `at` in tests (a Monday afternoon in Bogotá).
T0 = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)

T = TypeVar("T")


class SteppingClock:
    """Wall-clock stand-in that a test advances explicitly (seconds since the epoch)."""

    def __init__(self, start: float = 1_772_400_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def require(condition: bool, reason: str) -> None:
    """Skip when a real dependency is missing on a user's machine; fail in CI (CI=true)."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the machine must provide it)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(
    check: Callable[[], T | None],
    timeout: float = 10.0,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Poll `check` until it returns a truthy value, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as exc:
            last_error = exc
        else:
            if result:
                return result
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what}"
        + (f" (last error: {last_error!r})" if last_error else "")
    )
