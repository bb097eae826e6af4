"""The wallboard's listen/whisper/stop and the desktop's transfer and conference routes
over HTTP on a real SIP call on 127.0.0.1: the web app served (uvicorn) on the voice
center's own loop and runner, a PJSIP caller bridged to ana's phone, the supervisor's or
carlos's phone registered; frequency analysis says who heard whom, as in
test_voice_supervision.py and test_voice_transfer.py."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.test_voice_transfer import Parties, talking_with_ana
from centralita.config import load_settings
from centralita.core.events import AgentLoggedIn
from centralita.demo import DEMO_PASSWORD
from centralita.web.app import create_app
from support import free_port
from telephony import voice_harness
from telephony.tel_helpers import blocks_hearing, hearing, log_has, until, wait_process
from telephony.voice_harness import (
    Center,
    bridged_call,
    media_flows,
    no_calls_left,
    registered,
    run,
    start_caller,
    voice_center,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]

CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ = 1600, 1000, 2300

sip_tools = voice_harness.sip_tools("espeak-ng")
db_file = voice_harness.db_file


@asynccontextmanager
async def web_app(c: Center) -> AsyncIterator[str]:
    """The pages and routes on `c`'s runner, as `serve --sip-port` wires them."""
    c.runner.voice = c.voice  # what start_voice does
    app = create_app(load_settings(environ={"CENTRALITA_SECRET_KEY": "test-secret"}), c.store)
    app.state.runner = c.runner
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        await until(lambda: server.started, 20, "the web server to start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def signed_in(url: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, follow_redirects=True, timeout=20)
    csrf = re.compile(r'name="csrf-token" content="([^"]+)"')
    token = csrf.search((await client.get("/login")).text)[1]  # type: ignore[index]
    data = {"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    assert (await client.post("/login", data=data)).status_code == 200
    client.headers["X-CSRF-Token"] = csrf.search((await client.get("/contacts")).text)[1]  # type: ignore[index]
    client.headers["Accept"] = "application/json"
    return client


async def desk_shows(client: httpx.AsyncClient, check: Callable[[Any], Any], what: str) -> None:
    """Poll `GET /desktop/voice` (as the desktop does) until `check(status)` holds."""
    deadline = asyncio.get_running_loop().time() + 20
    while not check((await client.get("/desktop/voice")).json()):
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.2)


def test_given_bridged_call_when_supervisor_whispers_over_http_then_agent_hears_them_caller_not(
    db_file: Path, tmp_path: Path
) -> None:
    caller_wav = tmp_path / "caller-heard.wav"
    agent_wav, supervisor_wav = tmp_path / "agent-heard.wav", tmp_path / "supervisor-heard.wav"

    async def scenario() -> None:
        async with (
            voice_center(db_file, tmp_path, auto_answer=("ana", "supervisora")) as c,
            web_app(c) as url,
        ):
            ana = await c.phone(
                "ana.log", "ana", "--tone", str(AGENT_HZ), "--record", str(agent_wav)
            )
            boss_phone = await c.phone(
                "boss.log", "supervisora", "--tone", str(SUPERVISOR_HZ),
                "--record", str(supervisor_wav),
            )  # fmt: skip
            await registered(c, "1001", "1009")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            caller = await start_caller(c, caller_wav, CALLER_HZ)
            call = await until(lambda: bridged_call(c), 30, "the bridge")
            iid = call.interaction_id
            await media_flows(c, call.caller, 50)
            boss = await signed_in(url, "supervisora")
            try:
                listen = await boss.post(
                    f"/wallboard/interactions/{iid}/monitor", data={"mode": "listen"}
                )
                assert listen.json() == {"voice": True, "monitoring": {iid: "listen"}}
                await until(
                    lambda: any(m.applied for m in c.voice.supervision.monitors.values()),
                    20,
                    "the supervisor's phone to answer",
                )
                whisper = await boss.post(
                    f"/wallboard/interactions/{iid}/monitor", data={"mode": "whisper"}
                )
                assert whisper.json()["monitoring"] == {iid: "whisper"}
                await media_flows(c, call.caller, 200)  # 4 s whispering
                stop = await boss.post(f"/wallboard/interactions/{iid}/monitor/stop")
                assert stop.status_code == 200, stop.text
                await until(lambda: log_has(tmp_path / "boss.log", "ended"), 15, "the stop")
                assert (await boss.get("/wallboard/monitoring")).json()["monitoring"] == {}
                again = await boss.post(f"/wallboard/interactions/{iid}/monitor/stop")
                assert (again.status_code, again.json()["code"]) == (404, "no-such-monitor")
            finally:
                await boss.aclose()
            await c.engine.hangup(call.caller)
            await wait_process(caller, 20)
            await no_calls_left(c)
            for phone in (ana, boss_phone):
                assert await wait_process(phone, 20) == 0
            supervisor = int(c.agents["supervisora"])
            logged = [
                (e.kind, e.payload["mode"], e.actor, e.interaction_id)
                for e in c.stored("supervisor.monitoring_started")
                + c.stored("supervisor.monitoring_changed")
                + c.stored("supervisor.monitoring_stopped")
            ]
            assert logged == [
                ("supervisor.monitoring_started", "listen", f"user:{supervisor}", iid),
                ("supervisor.monitoring_changed", "whisper", f"user:{supervisor}", iid),
                ("supervisor.monitoring_stopped", None, f"user:{supervisor}", iid),
            ]

    run(scenario(), timeout=130)
    assert blocks_hearing(supervisor_wav, CALLER_HZ) >= 15  # the supervisor hears both
    assert blocks_hearing(supervisor_wav, AGENT_HZ) >= 15
    agent_heard = blocks_hearing(agent_wav, SUPERVISOR_HZ)
    caller_heard = blocks_hearing(caller_wav, SUPERVISOR_HZ)
    assert agent_heard >= 10 and caller_heard <= 1, (agent_heard, caller_heard)
    assert blocks_hearing(agent_wav, CALLER_HZ) >= 20  # the call goes on throughout


ANA_HZ, CARLOS_HZ = 700, 1000


def test_given_call_on_anas_desk_when_she_consults_carlos_and_completes_over_http_then_he_has_it(
    db_file: Path, tmp_path: Path
) -> None:
    caller_wav, carlos_wav = tmp_path / "caller-heard.wav", tmp_path / "carlos-heard.wav"

    async def scenario() -> None:
        async with (
            voice_center(db_file, tmp_path, auto_answer=("ana", "carlos")) as c,
            web_app(c) as url,
        ):
            phones = [
                await c.phone("ana.log", "ana", "--tone", str(ANA_HZ)),
                await c.phone(
                    "carlos.log", "carlos", "--tone", str(CARLOS_HZ), "--record", str(carlos_wav)
                ),
            ]
            await registered(c, "1001", "1002")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            caller = await start_caller(c, caller_wav, CALLER_HZ)
            call = await until(lambda: bridged_call(c), 30, "ana's bridge")
            iid = call.interaction_id
            await media_flows(c, call.caller, 50)
            c.runner.handle(AgentLoggedIn(c.agents["carlos"]))
            ana = await signed_in(url, "ana")
            try:
                early = await ana.post(f"/desktop/interactions/{iid}/complete")
                assert (early.status_code, early.json()["code"]) == (409, "no-consultation")
                consult = await ana.post(
                    f"/desktop/interactions/{iid}/consult", data={"agent": c.agents["carlos"]}
                )
                assert consult.status_code == 200, consult.text
                assert consult.json()["consulting"] is True

                await desk_shows(ana, lambda s: s["party_up"], "carlos to answer")
                await media_flows(c, call.caller, 50)
                done = await ana.post(f"/desktop/interactions/{iid}/complete")
                assert done.status_code == 200, done.text
                await until(
                    lambda: call.bridged and call.agent_id == c.agents["carlos"], 20, "handover"
                )
                gone = await ana.post(f"/desktop/interactions/{iid}/cancel")
                assert (gone.status_code, gone.json()["code"]) == (404, "no-such-interaction")
            finally:
                await ana.aclose()
            await media_flows(c, call.caller, 100)
            await c.engine.hangup(call.caller)
            await wait_process(caller, 20)
            await no_calls_left(c)
            for phone in phones:
                assert await wait_process(phone, 20) == 0

    run(scenario(), timeout=130)
    assert blocks_hearing(caller_wav, CARLOS_HZ) >= 10  # the caller talks with carlos
    assert blocks_hearing(carlos_wav, CALLER_HZ) >= 10


def test_given_three_way_conference_when_ana_drops_carlos_over_http_then_caller_and_ana_talk_on(
    db_file: Path, tmp_path: Path
) -> None:
    wavs = Parties(tmp_path)

    async def scenario() -> None:
        async with (
            voice_center(db_file, tmp_path, auto_answer=("ana", "carlos")) as c,
            web_app(c) as url,
        ):
            call, caller = await talking_with_ana(c, wavs)
            iid = call.interaction_id
            ana = await signed_in(url, "ana")
            try:
                added = await ana.post(
                    f"/desktop/interactions/{iid}/conference", data={"agent": c.agents["carlos"]}
                )
                assert added.status_code == 200, added.text
                [party] = added.json()["parties"]
                assert (party["name"], party["agent_id"]) == ("Carlos Pérez", c.agents["carlos"])
                await desk_shows(ana, lambda s: s["parties"][0]["up"], "carlos to answer")
                await media_flows(c, call.caller, 150)  # 3 s, three of them
                dropped = await ana.post(
                    f"/desktop/interactions/{iid}/drop", data={"party": party["id"]}
                )
                assert (dropped.status_code, dropped.json()["parties"]) == (200, [])
                await until(lambda: log_has(tmp_path / "carlos.log", "ended"), 15, "carlos gone")
                await until(lambda: party["id"] not in call.extra_legs, 10, "his leg forgotten")
                assert call.bridged and not call.closed and c.voice.transfers.conferenced == {}
                assert c.agent_state("ana")[0] == "talking"
                await media_flows(c, call.caller, 150)  # 3 s, ana and the caller
                again = await ana.post(
                    f"/desktop/interactions/{iid}/drop", data={"party": party["id"]}
                )
                assert (again.status_code, again.json()["code"]) == (404, "no-such-party")
            finally:
                await ana.aclose()
            await c.engine.hangup(call.caller)
            await wait_process(caller, 20)
            await no_calls_left(c)

    run(scenario(), timeout=130)
    # carlos was in the conference and heard both others
    assert blocks_hearing(wavs.carlos, CALLER_HZ) >= 10
    assert blocks_hearing(wavs.carlos, ANA_HZ) >= 10
    # after his last block in each recording, the caller and ana go on hearing each other
    for wav, other in ((wavs.caller, ANA_HZ), (wavs.ana, CALLER_HZ)):
        carlos = hearing(wav, CARLOS_HZ)
        assert sum(carlos) >= 10, wav.name  # he was heard while there
        after = len(carlos) - carlos[::-1].index(True)
        assert sum(hearing(wav, other)[after:]) >= 15, (wav.name, after, len(carlos))
