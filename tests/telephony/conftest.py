"""Fixtures for the telephony tests: the pjsua2 binding and sipp, required in CI.

A missing dependency skips the test on a developer's machine and fails it when CI=true
(see `require_dependency`). Install them with `scripts/pjsua2/install.sh .venv` and
`scripts/install-test-deps.sh`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from types import ModuleType

import pytest


def require_dependency(available: bool, what: str, how: str) -> None:
    """Skip if `what` is missing, unless CI is "true": then the test fails."""
    if available:
        return
    message = f"{what} is not available ({how})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pjsua2() -> ModuleType:
    try:
        import pjsua2 as module
    except ImportError:
        module = None
    require_dependency(
        module is not None, "the pjsua2 binding", "run scripts/pjsua2/install.sh .venv"
    )
    assert module is not None
    return module


@pytest.fixture(scope="session")
def sipp() -> str:
    path = shutil.which("sipp")
    require_dependency(path is not None, "sipp", "run scripts/install-test-deps.sh")
    assert path is not None
    return path


@pytest.fixture(autouse=True)
def no_call_leg_outlives_the_engine(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A pj.Call freed after libDestroy aborts the process; the engine logs any it sees."""
    yield
    leaked = [r.getMessage() for r in caplog.records if "still referenced" in r.getMessage()]
    assert not leaked, leaked
