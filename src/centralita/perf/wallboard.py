"""Wallboard benchmark: 500 agents, 100 interactions a second, time from event to screen.

A synthetic company (agents spread over queues by skill, no wrap-up) is created in a fresh
SQLite database; the live center runs on an asyncio loop under a `Runner`, exactly as in
`centralita serve`. Simulated callers arrive as a Poisson stream; every offer is accepted
after a ring and ended after an exponential talk time, all through `runner.handle`. One
subscriber stands for a supervisor's wallboard showing every queue and every agent: it
takes each update from its inbox and serialises it to JSON as the WebSocket would.

Latency of an update = time it reaches the wallboard (serialised) − time the first event
it carries was committed. The handle time (router + event-log write, before the commit)
is reported apart, so event-to-screen ≤ handle p99 + latency p99. The process's CPU time
per interaction (journal, view, serialisation: everything) gives the rate one whole core
sustains, which does not depend on what else the machine is running; `achieved_rate`
does (on a busy machine the loop falls behind and the run takes longer than planned).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from centralita.app.center import LiveCenter
from centralita.app.live import LiveView
from centralita.app.runner import Runner
from centralita.clock import utcnow
from centralita.core.commands import OfferToAgent
from centralita.core.events import AgentLoggedIn, InteractionEnded, OfferAccepted
from centralita.errors import CentralitaError
from centralita.schemas import QueueSpec
from centralita.store import actions, migrate
from centralita.store.db import Store


@dataclass
class WallboardResult:
    agents: int
    queues: int
    target_rate: float
    achieved_rate: float
    events_per_second: float
    seconds: float
    updates: int
    mean_update_bytes: float
    handle_ms_p50: float
    handle_ms_p99: float
    latency_ms_p50: float
    latency_ms_p95: float
    latency_ms_p99: float
    latency_ms_max: float
    event_to_screen_ms_p99: float
    under_one_second: bool
    cpu_share: float  # CPU seconds this process got per wall second (1.0 = a whole core)
    cpu_ms_per_interaction: float
    capacity_per_core: float  # interactions/s one whole core sustains at this cost


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def build_company(store: Store, agents: int, queues: int) -> int:
    """A tenant with `queues` queues (one skill each) and `agents` agents (two skills)."""
    at = utcnow()
    kw: dict[str, Any] = {"at": at, "actor": "bench"}
    with store.transaction() as tx:
        tenant = actions.do_create_tenant(tx, slug="bench", name="Bench", **kw)
        skills: list[int] = []
        for q in range(queues):
            skill = actions.do_create_skill(tx, tenant_id=tenant.id, name=f"s{q}", **kw)
            skills.append(skill.id)
            actions.do_create_queue(
                tx,
                tenant_id=tenant.id,
                spec=QueueSpec(
                    name=f"Q{q}",
                    wrapup_seconds=0,
                    ring_timeout_seconds=30,
                    settings={"skills": {f"s{q}": 1}},
                ),
                **kw,
            )
        for a in range(agents):
            user = actions.do_create_user(
                tx,
                tenant_id=tenant.id,
                username=f"agent{a}",
                display_name=f"Agent {a}",
                role="agent",
                password=None,
                **kw,
            )
            for skill_id in (skills[a % queues], skills[(a + 1) % queues]):
                actions.do_set_agent_skill(tx, user_id=user.id, skill_id=skill_id, level=3, **kw)
    return int(tenant.id)


async def _drive(
    runner: Runner,
    tenant_id: int,
    queues: int,
    rate: float,
    seconds: float,
    seed: int,
    ready: threading.Event | None = None,
) -> tuple[list[float], list[float], int, int, float, int, float]:
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    handle_times: list[float] = []
    latencies: list[float] = []
    sizes = 0
    events = 0

    def timed(fn: Any, *args: Any, **kwargs: Any) -> None:
        start = time.perf_counter()
        with contextlib.suppress(CentralitaError):  # the world moved on (offer cancelled...)
            fn(*args, **kwargs)
        handle_times.append(time.perf_counter() - start)

    def on_commands(commands: list[Any]) -> None:
        for c in commands:
            if isinstance(c, OfferToAgent):
                loop.call_later(
                    rng.uniform(0.2, 0.8),
                    timed,
                    runner.handle,
                    OfferAccepted(c.interaction_id, c.agent_id),
                )
                loop.call_later(
                    1.0 + rng.expovariate(1 / 2.5),
                    timed,
                    runner.handle,
                    InteractionEnded(c.interaction_id),
                )

    runner.on_commands(on_commands)
    view = runner.view
    sub = runner.subscribe(
        queues=list(view.queue_info),
        agents=list(view.agent_info),
        tenants={tenant_id},
        all_agents=True,
    )
    for agent in sorted(view.agent_info, key=int):
        runner.handle(AgentLoggedIn(agent))
    runner.flush()
    while not sub.inbox.empty():
        sub.inbox.get_nowait()

    async def wallboard() -> None:
        nonlocal sizes, events
        while True:
            message = await sub.inbox.get()
            text = json.dumps(message)
            arrived = time.time()
            sizes += len(text)
            if "first_event_at" in message:
                latencies.append(arrived - message["first_event_at"])
                events += message["events"]

    await asyncio.sleep(1.0)  # let pages draw the 500 log-ins before measuring
    if ready is not None:
        ready.set()
    screen = asyncio.create_task(wallboard())
    cpu_start = time.process_time()
    start = time.perf_counter()
    arrived = 0
    next_at = 0.0
    while True:
        next_at += rng.expovariate(rate)
        if next_at >= seconds:
            break
        # always yield: a driver running behind must not starve the loop's other work
        await asyncio.sleep(max(0.0, start + next_at - time.perf_counter()))
        arrived += 1
        timed(
            runner.arrive,
            interaction_id=f"b{arrived}",
            tenant_id=tenant_id,
            queue=f"Q{rng.randrange(queues)}",
        )
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    await asyncio.sleep(0.5)
    screen.cancel()
    return handle_times, latencies, arrived, sizes, elapsed, events, cpu


def run_wallboard(
    agents: int = 500, queues: int = 10, rate: float = 100.0, seconds: float = 20.0, seed: int = 7
) -> WallboardResult:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        store = Store.from_url(url)
        try:
            tenant_id = build_company(store, agents, queues)
            center = LiveCenter.from_store(store)
            runner = Runner(center, LiveView(center))

            async def main() -> Any:
                await runner.start()
                try:
                    return await _drive(runner, tenant_id, queues, rate, seconds, seed)
                finally:
                    await runner.stop()

            handles, latencies, arrived, sizes, elapsed, events, cpu = asyncio.run(main())
        finally:
            store.dispose()
    updates = len(latencies)
    p99 = _percentile(latencies, 0.99) * 1000
    handle_p99 = _percentile(handles, 0.99) * 1000
    return WallboardResult(
        agents=agents,
        queues=queues,
        target_rate=rate,
        achieved_rate=round(arrived / elapsed, 1),
        events_per_second=round(events / elapsed, 1),
        seconds=round(elapsed, 1),
        updates=updates,
        mean_update_bytes=round(sizes / max(1, updates), 1),
        handle_ms_p50=round(statistics.median(handles) * 1000, 2) if handles else 0.0,
        handle_ms_p99=round(handle_p99, 2),
        latency_ms_p50=round(_percentile(latencies, 0.5) * 1000, 1),
        latency_ms_p95=round(_percentile(latencies, 0.95) * 1000, 1),
        latency_ms_p99=round(p99, 1),
        latency_ms_max=round(max(latencies, default=0.0) * 1000, 1),
        event_to_screen_ms_p99=round(p99 + handle_p99, 1),
        under_one_second=p99 + handle_p99 < 1000,
        cpu_share=round(cpu / elapsed, 2),
        cpu_ms_per_interaction=round(cpu / max(1, arrived) * 1000, 2),
        capacity_per_core=round(arrived / cpu, 1) if cpu else 0.0,
    )


def run_wallboard_in_browser(
    chromium: str,
    args: list[str],
    agents: int = 500,
    rate: float = 100.0,
    seconds: float = 20.0,
    seed: int = 7,
) -> dict[str, Any]:
    """The same traffic with the real server and a wallboard open in headless Chromium:
    event-to-screen measured by the page itself (the oldest event of each redraw, once the
    DOM is updated; `window.centralitaLatency`)."""
    import uvicorn
    from playwright.sync_api import sync_playwright

    from centralita.config import load_settings
    from centralita.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        store = Store.from_url(url)
        tenant_id = build_company(store, agents, 10)
        with store.transaction() as tx:
            actions.do_create_user(
                tx,
                tenant_id=tenant_id,
                username="boss",
                display_name="Boss",
                role="administrator",
                password="bench-password",
                at=utcnow(),
                actor="bench",
            )
        app = create_app(load_settings(environ={"CENTRALITA_SECRET_KEY": "bench"}), store)
        server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=0, log_level="warning", ws="websockets-sansio"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=args)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(f"http://127.0.0.1:{port}/login")
                page.fill("input[name=username]", "boss")
                page.fill("input[name=password]", "bench-password")
                page.locator("#login button.primary").click()
                page.wait_for_selector(".live.on")
                runner: Runner = app.state.runner
                ready = threading.Event()
                loop = runner._loop
                assert loop is not None
                done = asyncio.run_coroutine_threadsafe(
                    _drive(runner, tenant_id, 10, rate, seconds, seed, ready), loop
                )
                while not ready.is_set():
                    page.wait_for_timeout(100)
                page.evaluate("() => { window.centralitaLatency.length = 0; }")
                while not done.done():
                    page.wait_for_timeout(250)
                _h, _l, arrived, _s, elapsed, _e, _c = done.result()
                page.wait_for_timeout(1000)
                seen: list[float] = page.evaluate("() => window.centralitaLatency")
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            store.dispose()
    return {
        "agents": agents,
        "target_rate": rate,
        "achieved_rate": round(arrived / elapsed, 1),
        "redraws": len(seen),
        "screen_ms_p50": round(_percentile(seen, 0.5) * 1000, 1),
        "screen_ms_p95": round(_percentile(seen, 0.95) * 1000, 1),
        "screen_ms_p99": round(_percentile(seen, 0.99) * 1000, 1),
        "screen_ms_max": round(max(seen, default=0.0) * 1000, 1),
        "under_one_second": _percentile(seen, 0.99) < 1.0,
    }
