"""Which carrier trunk a call came through: matched by the INVITE's source address and
kept on the interaction, so the lines report can count calls per trunk."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from centralita.app.voice import VoiceSettings
from centralita.app.voice_originate import Trunk
from centralita.core.events import AgentLoggedIn, AgentPaused
from centralita.store.models import Interaction
from support import require
from telephony import voice_harness
from telephony.tel_helpers import until, wait_process
from telephony.voice_harness import voice_center

db_file = voice_harness.db_file


@pytest.mark.parametrize(
    ("target", "source", "sent"),
    [
        ("10.0.0.5", "10.0.0.5:5060", True),
        ("10.0.0.5:5080", "10.0.0.5:5060", False),
        ("sip:10.0.0.5:5080", "10.0.0.5:5080", True),
        ("sip:gw@10.0.0.5;transport=udp", "10.0.0.5:5062", True),
        ("10.0.0.5", "10.0.0.6:5060", False),
        ("10.0.0.5", "", False),
    ],
)
def test_a_trunk_knows_the_requests_its_carrier_sent(target, source, sent):
    assert Trunk("carrier", target, "6015550000").sent(source) is sent


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_given_a_call_from_the_carriers_address_then_its_interaction_names_the_trunk(
    db_file: Path, tmp_path: Path
) -> None:
    require(importlib.util.find_spec("pjsua2") is not None, "pjsua2 (scripts/pjsua2/install.sh)")
    require(shutil.which("sipp") is not None, "sipp (scripts/install-test-deps.sh)")
    settings = VoiceSettings(
        announce_first=60,
        announce_every=60,
        media_timeout=3,
        prompts_dir=tmp_path / "prompts",
        trunks=(Trunk("other", "10.9.9.9", "1"), Trunk("carrier", "127.0.0.1", "6015550000")),
    )

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, settings=settings) as c:
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            c.runner.handle(AgentPaused(c.agents["ana"], "break"))
            sipp = await c.carrier("uac_hangup.xml", "-d", "1500")
            assert await wait_process(sipp, 30) == 0
            await until(lambda: c.outcomes(), 10, "the interaction's outcome")
            with c.store.read() as session:
                trunks = list(session.scalars(select(Interaction.trunk)))
            assert trunks == ["carrier"]

    asyncio.run(asyncio.wait_for(scenario(), 100))


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_serve_with_a_data_dir_records_calls_and_stops_the_recorder(
    db_file: Path, tmp_path: Path
) -> None:
    """`serve --sip-port` passes the data folder: the recorder follows every call."""
    from centralita.app.center import LiveCenter
    from centralita.app.live import LiveView
    from centralita.app.runner import Runner
    from centralita.app.voice import start_voice
    from centralita.store.db import Store
    from support import free_port

    require(importlib.util.find_spec("pjsua2") is not None, "pjsua2 (scripts/pjsua2/install.sh)")

    async def scenario() -> None:
        store = Store.from_url(f"sqlite:///{db_file}")
        center = LiveCenter.from_store(store)
        runner = Runner(center, LiveView(center))
        await runner.start()
        try:
            voice, stop = await start_voice(
                runner, sip_port=free_port(), registrar_port=0, data_dir=tmp_path / "data"
            )
            assert len(voice.call_listeners) == 1  # the recorder
            await stop()
            assert voice.call_listeners == []
        finally:
            await runner.stop()
            store.dispose()

    asyncio.run(asyncio.wait_for(scenario(), 50))
