"""`centralita demo --sip-port`: the demo's traffic as real SIP on 127.0.0.1 — the
engine calls its own number as customers, a bank of PJSIP phones (a subprocess)
registers the robot agents' stations with digest and answers, and the live center
routes, rings, bridges and closes the calls as it would real ones."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from centralita.app.center import LiveCenter
from centralita.app.directory import load_directory
from centralita.app.live import LiveView
from centralita.app.runner import Runner
from centralita.app.voice import VoiceSettings
from centralita.app.voice_demo import voice_demo_service
from centralita.demo import DEMO_PASSWORD, DEMO_TENANT
from centralita.store import events
from centralita.store.db import Store
from centralita.store.models import User
from telephony import voice_harness
from telephony.tel_helpers import until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]
ROBOTS = {"diana", "esteban", "felipe", "gloria"}


sip_tools = voice_harness.sip_tools("espeak-ng")
db_file = voice_harness.db_file


def test_given_voice_demo_then_sip_callers_are_answered_by_the_robots_registered_phones(
    db_file: Path, tmp_path: Path
) -> None:
    store = Store.from_url(f"sqlite:///{db_file}")

    def stored(kind: str) -> list[Any]:
        with store.read() as session:
            return [e for e in events.read(session, limit=10**6) if e.kind == kind]

    async def scenario() -> None:
        with store.read() as session:
            directory = load_directory(session)
            robots = {str(u.id) for u in session.scalars(select(User)) if u.username in ROBOTS}
        center = LiveCenter(store, directory)
        runner = Runner(center, LiveView(center))
        await runner.start()
        settings = VoiceSettings(
            announce_first=5, announce_every=20, prompts_dir=tmp_path / "prompts"
        )
        start = voice_demo_service(
            DEMO_TENANT, human_password=DEMO_PASSWORD, sip_port=0, registrar_port=0,
            settings=settings, calls_per_minute=40, talk=(2.0, 4.0), patience=(90, 90), seed=7,
            media="worker",  # as `make demo` runs it
        )  # fmt: skip
        stop = await start(runner)
        try:
            await until(lambda: len(stored("station.registered")) >= len(robots), 30, "phones")
            await until(
                lambda: len([e for e in stored("acd.interaction_closed")
                             if e.payload["outcome"] == "answered"]) >= 3,
                90,
                "three calls answered, talked and hung up",
            )  # fmt: skip
        finally:
            await stop()
            await runner.stop()
        registered = {e.payload["extension"] for e in stored("station.registered")}
        assert {"2001", "2002", "2003", "2004"} <= registered
        answered_by = {str(e.agent_id) for e in stored("acd.interaction_answered")}
        assert answered_by <= robots, answered_by  # ana and carlos are left to people
        assert stored("station.registration_refused") == []

    try:
        asyncio.run(asyncio.wait_for(scenario(), 140))
    finally:
        store.dispose()
