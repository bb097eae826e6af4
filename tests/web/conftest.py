"""Fixtures of the web tests: a live server, and headless Chromium driven by Playwright."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import IN_CI, require
from web.live_server import LiveServer, run_server

# Browser test modules import Playwright at their top, so without it they cannot even be
# collected: on a user's machine they are left out (as the `browser` fixture would skip
# them); in CI (CI=true) they are collected and fail.
if importlib.util.find_spec("playwright") is None and not IN_CI:
    collect_ignore_glob = ["*_browser.py"]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from run_server(tmp_path)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one module: Playwright's sync API keeps an event loop running on this
    thread until it stops, so a session-wide browser broke every later test that runs its
    own loop (asyncio.run) when such a module came after the browser tests."""
    require(shutil.which("chromium") is not None, "Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright is not installed (pip install playwright)")
        raise
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def screenshot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
