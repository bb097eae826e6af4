"""A real Centralita server (uvicorn in a thread) on a fresh SQLite database with the demo
company, for browser and WebSocket tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

from centralita.app.runner import Runner
from centralita.config import load_settings
from centralita.demo import seed_demo
from centralita.store import migrate
from centralita.store.db import Store
from centralita.web.app import create_app
from support import free_port, wait_for

T = TypeVar("T")


@dataclass
class LiveServer:
    url: str
    store: Store
    app: FastAPI
    server: uvicorn.Server

    @property
    def runner(self) -> Runner:
        runner: Runner = self.app.state.runner
        return runner

    def on_loop(self, fn: Callable[[Runner], T]) -> T:
        """Run `fn(runner)` on the server's event loop (where the live center lives)."""
        return self.runner.call(lambda: fn(self.runner)).result(timeout=10)


def run_server(
    tmp_path: Any, prepare: Callable[[Store], None] | None = None, **env: str
) -> Iterator[LiveServer]:
    """Serve a fresh demo company; `prepare(store)` may add to it before the center starts."""
    url = f"sqlite:///{tmp_path}/centralita.db"
    migrate.upgrade(url)
    store = Store.from_url(url)
    seed_demo(store)
    if prepare is not None:
        prepare(store)
    try:
        yield from serve(store, **env)
    finally:
        store.dispose()


def serve(store: Store, **env: str) -> Iterator[LiveServer]:
    """The app on `store`, served by uvicorn on a free port in a thread."""
    settings = load_settings(environ={"CENTRALITA_SECRET_KEY": "test-secret", **env})
    app = create_app(settings, store)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, timeout=20, what="the server to start")
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", store, app, server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
