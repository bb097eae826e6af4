"""The live center on an asyncio loop: serialized events, one timer, live page updates.

`Runner` owns the `LiveCenter` on the event loop it was started on. Every event goes
through `handle` (or `arrive`) on that loop, so the router sees one event at a time. After
each call it arms one timer for the router's `next_deadline()` and sends `Tick()` when it
fires. The events of one turn of the loop are journaled in one transaction (group
commit, `LiveCenter.batch`). Committed events (from the store's after-commit hook) are
batched for a few milliseconds, applied to the `LiveView`, and the changed rows are
pushed to each page subscribed to them (WebSocket handlers read `Subscription.inbox`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from centralita.app.center import LiveCenter
from centralita.app.live import Changes, LiveView
from centralita.core.events import DayStarted, Tick
from centralita.core.state import Output

if TYPE_CHECKING:
    from centralita.app.voice import VoiceCenter

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(eq=False)
class Subscription:
    """A page's interest: these queues and agents (`all_agents`: every agent of `tenants`,
    those who log in later included)."""

    queues: set[str]
    agents: set[str]
    inbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    tenants: set[int] = field(default_factory=set)
    all_agents: bool = False
    dropped: bool = False


class Runner:
    MAX_INBOX = 1000

    def __init__(self, center: LiveCenter, view: LiveView, *, flush_delay: float = 0.02) -> None:
        self.center = center
        self.view = view
        #: the voice adapter answering this center's calls, while one runs (`start_voice`)
        self.voice: VoiceCenter | None = None
        self.flush_delay = flush_delay
        self.subscriptions: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._day_timer: asyncio.TimerHandle | None = None
        self._flush_handle: asyncio.Handle | None = None
        self._pending: list[Any] = []
        self._pending_since = 0.0
        self._hooks: list[Callable[[list[Any]], None]] = []
        self._batch: contextlib.AbstractContextManager[None] | None = None
        self._unsubscribe_store = center.store.subscribe(self._on_commit)
        center.listen(self._on_commands)

    # --- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._arm()
        self._arm_day()

    async def stop(self) -> None:
        self.commit()
        for handle in (self._timer, self._day_timer, self._flush_handle):
            if handle is not None:
                handle.cancel()
        self._timer = self._day_timer = self._flush_handle = None
        for sub in list(self.subscriptions):
            self.unsubscribe(sub)
        self._unsubscribe_store()  # the store may outlive us
        self._loop = None

    def call(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Run `fn()` on the loop from another thread (tests, benchmarks); its result."""
        assert self._loop is not None, "the runner is not started"
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(fn())
            except Exception as exc:
                done.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return done

    def on_commands(self, hook: Callable[[list[Any]], None]) -> None:
        """Also call `hook(commands)` after each handled event (the demo's agents)."""
        self._hooks.append(hook)

    # --- events in ------------------------------------------------------------------

    def handle(self, event: Any, *, actor: str | None = None) -> list[Output]:
        """Apply one event to the router now (on the loop), then re-arm the timer."""
        self._check_thread()
        self._open_batch()
        try:
            return self.center.handle(event, actor=actor)
        finally:
            self._arm()

    def arrive(self, **kwargs: Any) -> list[Output]:
        self._check_thread()
        self._open_batch()
        try:
            return self.center.arrive(**kwargs)
        finally:
            self._arm()

    def _open_batch(self) -> None:
        """Group commit: events handled in one turn of the loop share one transaction,
        written (and their commands handed out) as soon as the turn ends. Under load more
        events share a turn, so the journal keeps up without adding delay when idle."""
        if self._batch is not None or self._loop is None:
            return
        self._batch = self.center.batch()
        self._batch.__enter__()
        self._loop.call_soon(self.commit)

    def commit(self) -> None:
        """Write the open batch now (the next turn of the loop does it anyway)."""
        batch, self._batch = self._batch, None
        if batch is not None:
            batch.__exit__(None, None, None)

    def _check_thread(self) -> None:
        if self._thread is not None and threading.get_ident() != self._thread:
            raise RuntimeError("the live center is driven from its event loop only")

    def _arm(self) -> None:
        if self._loop is None:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.center.next_deadline()
        if deadline is not None:
            delay = max(0.0, deadline - self.center.now())
            self._timer = self._loop.call_at(self._loop.time() + delay, self._tick)

    def _tick(self) -> None:
        self._timer = None
        try:
            self.handle(Tick())
        except Exception:  # a bug in a timer must not stop the center
            log.exception("tick failed")

    def _arm_day(self) -> None:
        assert self._loop is not None
        delay = max(1.0, self.view.day[1] - self.center.now())
        self._day_timer = self._loop.call_at(self._loop.time() + delay, self._new_day)

    def _new_day(self) -> None:
        self.handle(DayStarted())
        self.view.roll_day()
        for sub in self.subscriptions:
            self._send(sub, {"type": "reload"})
        self._arm_day()

    # --- updates out ----------------------------------------------------------------

    def subscribe(
        self,
        *,
        queues: Iterable[str] = (),
        agents: Iterable[str] = (),
        tenants: Iterable[int] = (),
        all_agents: bool = False,
    ) -> Subscription:
        sub = Subscription(set(queues), set(agents), tenants=set(tenants), all_agents=all_agents)
        self.subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self.subscriptions.discard(sub)
        sub.dropped = True

    def _on_commit(self, events: list[Any]) -> None:
        if self._loop is None:
            return
        if threading.get_ident() == self._thread:
            self._queue(events)
        else:  # an action committed in a worker thread (the administration API)
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._queue, events)

    def _queue(self, events: list[Any]) -> None:
        if not self._pending:
            self._pending_since = time.time()
        self._pending.extend(events)
        if self._flush_handle is None and self._loop is not None:
            self._flush_handle = self._loop.call_later(self.flush_delay, self.flush)

    def _on_commands(self, commands: list[Any]) -> None:
        for hook in self._hooks:
            hook(commands)

    def flush(self) -> Changes:
        """Apply the committed events to the view and push the changed rows."""
        self._flush_handle = None
        events, self._pending = self._pending, []
        first_event_at = self._pending_since
        changes = self.view.apply(events)
        if not changes:
            return changes
        queue_rows: dict[str, dict[str, Any]] = {}
        agent_rows: dict[str, dict[str, Any]] = {}
        sent_at = time.time()
        for sub in self.subscriptions:
            queues = changes.queues & sub.queues
            if sub.all_agents:
                agents = {
                    a
                    for a in changes.agents
                    if self.view.agent_info.get(a, {}).get("tenant_id") in sub.tenants
                }
            else:
                agents = changes.agents & sub.agents
            alerts = [a for a in changes.alerts if a["agent_id"] in sub.agents or sub.all_agents]
            if not (queues or agents or alerts):
                continue
            for q in queues:
                if q not in queue_rows:
                    queue_rows[q] = self.view.queue_row(q)
            for a in agents:
                if a not in agent_rows:
                    agent_rows[a] = self.view.agent_row(a)
            self._send(
                sub,
                {
                    "type": "patch",
                    "queues": {q: queue_rows[q] for q in queues},
                    "agents": {a: agent_rows[a] for a in agents},
                    "alerts": alerts,
                    "sent_at": sent_at,
                    "first_event_at": first_event_at,
                    "events": len(events),
                },
            )
        return changes

    def _send(self, sub: Subscription, message: dict[str, Any]) -> None:
        if sub.inbox.qsize() >= self.MAX_INBOX:
            # a page that cannot keep up reloads instead of falling further behind
            while not sub.inbox.empty():
                sub.inbox.get_nowait()
            message = {"type": "reload"}
        sub.inbox.put_nowait(message)
