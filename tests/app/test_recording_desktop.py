"""On-demand recording and the agent's tags from the desktop, end to end: the real server
(uvicorn) with the voice adapter and its recorder (`voice_service(data_dir=...)`, what
`serve --sip-port` runs), a PJSIP caller and ana's PJSIP phone on 127.0.0.1, and ana's
desktop in headless Chromium. The recording's file is checked by analysis."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from centralita.app.voice import VoiceSettings, voice_service
from centralita.clock import utcnow
from centralita.config import load_settings
from centralita.demo import DEMO_TENANT
from centralita.store import events
from centralita.store.actions.recordings import do_set_recording_policy
from centralita.store.db import Store
from centralita.store.models import Recording, RecordingTag, Tenant, User
from centralita.web.app import create_app
from support import free_port, require, wait_for
from telephony.tel_helpers import HERE, free_udp_port, log_has
from telephony.voice_harness import REALM, SALES_DNIS, db_file, password  # noqa: F401
from web.browser import sign_in

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]
CHROMIUM = "/usr/bin/chromium"
AGENT_HZ, CALLER_HZ = 1000, 1600


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(shutil.which("chromium") is not None, "Debian's chromium is not installed")
    require(importlib.util.find_spec("pjsua2") is not None, "pjsua2 (scripts/pjsua2/install.sh)")
    for tool in ("sox", "espeak-ng"):
        require(shutil.which(tool) is not None, f"{tool} (scripts/install-test-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-quic"]
        )
        yield chromium
        chromium.close()


def prepare(store: Store) -> None:
    """ana's station 1001 answers by itself; the tenant records on demand only, in WAV."""
    from centralita.app.voice_stations import do_set_station

    with store.transaction() as tx:
        tenant = tx.session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
        ana = tx.session.scalars(select(User.id).where(User.username == "ana")).one()
        do_set_station(
            tx, tenant_id=tenant, extension="1001", password=password("1001"), user_id=ana,
            auto_answer=True, realm=REALM, at=utcnow(), actor="test",
        )  # fmt: skip
        do_set_recording_policy(
            tx, tenant_id=tenant, scope="tenant", settings={"mode": "on_demand", "format": "wav"},
            at=utcnow(), actor="test",
        )  # fmt: skip


@pytest.fixture
def center(db_file: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:  # noqa: F811
    store = Store.from_url(f"sqlite:///{db_file}")
    prepare(store)
    data = tmp_path / "data"
    sip, registrar = free_udp_port(), free_udp_port()
    voice = voice_service(
        host="127.0.0.1", sip_port=sip, registrar_port=registrar, data_dir=data,
        settings=VoiceSettings(announce_first=60, announce_every=60, media_timeout=5,
                               prompts_dir=tmp_path / "prompts"),
    )  # fmt: skip
    settings = load_settings(
        environ={"CENTRALITA_SECRET_KEY": "test-secret", "CENTRALITA_DATA_DIR": str(data)}
    )
    app = create_app(settings, store, extras=(voice,))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                       ws="websockets-sansio")
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        wait_for(lambda: server.started, timeout=30, what="the server to start")
        yield {"url": f"http://127.0.0.1:{port}", "store": store, "sip": sip,
               "registrar": registrar, "data": data, "procs": procs, "tmp": tmp_path}  # fmt: skip
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=15)
        server.should_exit = True
        thread.join(timeout=20)
        store.dispose()


def start(center: dict[str, Any], log: str, script: str, *args: str) -> Path:
    path = center["tmp"] / log
    with path.open("wb") as out:
        center["procs"].append(
            subprocess.Popen(
                [sys.executable, str(HERE / script), *args], stdout=out, stderr=subprocess.STDOUT
            )
        )
    return path


class Live:
    url: str = ""


def paused_blocks_silent(path: Path, paused: list[list[float]]) -> tuple[int, int]:
    """(loud blocks inside the pause, loud blocks outside it) over both channels."""
    with wave.open(str(path), "rb") as w:
        rate, n = w.getframerate(), w.getnchannels()
        data = w.readframes(w.getnframes())
    samples = [
        int.from_bytes(data[i : i + 2], "little", signed=True) for i in range(0, len(data), 2)
    ]
    block = rate // 10
    inside = outside = 0
    [[p0, p1]] = paused
    for c in range(n):
        chan = samples[c::n]
        for b in range(len(chan) // block):
            loud = max(abs(s) for s in chan[b * block : (b + 1) * block]) > 200
            t0, t1 = b / 10, (b + 1) / 10
            if t0 >= p0 + 0.05 and t1 <= p1 - 0.05:
                inside += loud
            elif t1 <= p0 - 0.05 or t0 >= p1 + 0.05:
                outside += loud
    return inside, outside


def test_agent_records_on_demand_pauses_tags_and_stops_from_the_desktop(
    center: dict[str, Any], browser: Any
) -> None:
    from playwright.sync_api import expect

    phone = start(center, "ana.log", "agent_ua.py", "--registrar",
                  f"sip:127.0.0.1:{center['registrar']}", "--user", "1001", "--password",
                  password("1001"), "--tone", str(AGENT_HZ), "--hangup-after", "14")  # fmt: skip
    wait_for(lambda: log_has(phone, "registration 200"), timeout=20, what="ana's phone")
    server = Live()
    server.url = center["url"]
    page = sign_in(browser, server, "ana")  # type: ignore[arg-type]
    page.get_by_test_id("station-input").fill("1001")
    page.get_by_test_id("log-in").click()
    expect(page.get_by_test_id("state")).to_have_text("Available")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = page.request.post(f"{server.url}/desktop/recording/start",
                                headers={"X-CSRF-Token": token})  # fmt: skip
    assert refused.status == 409 and refused.json()["code"] == "not-your-interaction"

    start(center, "caller.log", "peer_ua.py", "--target",
          f"sip:{SALES_DNIS}@127.0.0.1:{center['sip']}", "--tone", str(CALLER_HZ),
          "--hold", "60", "--timeout", "60")  # fmt: skip
    expect(page.get_by_test_id("state")).to_have_text("Talking", timeout=30000)
    controls = page.get_by_test_id("recording-controls")
    expect(controls).to_be_visible()
    expect(page.get_by_test_id("recording-state")).to_have_text("Not recorded")
    refused = page.request.post(f"{server.url}/desktop/recording/pause",
                                headers={"X-CSRF-Token": token})  # fmt: skip
    assert refused.status == 409 and refused.json()["code"] == "not-recording"

    clicked: dict[str, tuple[float, float]] = {}

    def click(button: str, shows: str) -> None:
        """Click, and wait for the desk to show the new state; when it was clicked and
        when the answer showed (the server acted between the two)."""
        before = time.monotonic()
        page.get_by_test_id(button).click()
        expect(page.get_by_test_id("recording-state")).to_have_text(shows)
        clicked[button] = (before, time.monotonic())

    click("rec-start", "● Recording")
    page.get_by_test_id("rec-tag-input").fill("Card-Read")
    page.get_by_test_id("rec-tag").click()
    expect(page.get_by_test_id("rec-tags")).to_contain_text("card-read")
    time.sleep(max(0.0, 1.5 - (time.monotonic() - clicked["rec-start"][1])))
    click("rec-pause", "Recording paused")
    time.sleep(1.5)
    click("rec-resume", "● Recording")
    time.sleep(1.5)
    click("rec-stop", "Not recorded")
    expect(page.get_by_test_id("rec-start")).to_be_visible()  # may start again
    assert clicked["rec-stop"][1] - clicked["rec-start"][0] < 10  # the 14 s call goes on

    store: Store = center["store"]

    def done() -> Recording | None:
        with store.read() as session:
            row = session.scalars(select(Recording)).first()
            if row is not None and row.state == "complete":
                session.expunge(row)
                return row
        return None

    wait_for(lambda: done() is not None, timeout=40, what="the recording to be stored")
    row = done()
    assert row is not None and row.on_demand and row.key is not None
    with store.read() as session:
        tags = {t.tag: t.source for t in session.scalars(select(RecordingTag))}
        ana = session.scalars(select(User.id).where(User.username == "ana")).one()
        marks = [(e.kind, e.actor) for e in events.read(session, limit=10**6)
                 if e.kind in ("recording.started", "recording.paused", "recording.resumed",
                               "recording.stopped")]  # fmt: skip
    assert tags == {"card-read": "agent", "campaign:ventas": "rule"}
    assert marks == [
        (k, f"user:{ana}")
        for k in ("recording.started", "recording.paused", "recording.resumed", "recording.stopped")
    ]

    # the span and the pause as the agent clicked them: each between a moment during one
    # click (from the click to the desk showing the answer) and one during the other
    def between(seconds: float, a: str, b: str) -> bool:
        (a0, a1), (b0, b1) = clicked[a], clicked[b]
        return b0 - a1 - 0.05 <= seconds <= b1 - a0 + 0.05

    assert between(row.duration_seconds or 0, "rec-start", "rec-stop"), (row.duration_seconds,
                                                                         clicked)  # fmt: skip
    [[p0, p1]] = row.paused
    assert between(p1 - p0, "rec-pause", "rec-resume"), (row.paused, clicked)
    inside, outside = paused_blocks_silent(center["data"] / "recordings" / row.key, row.paused)
    assert inside == 0 and outside >= 20, (inside, outside)
