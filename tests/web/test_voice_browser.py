"""The desktop's transfer and conference buttons (a Drop button per conferenced party)
and the wallboard's listen, whisper, barge and stop (on a call talking or on hold) in
headless Chromium, in English and Spanish: shown in the right states,
a click reaches the route (an in-memory voice adapter stands in for SIP; real calls are
in tests/app/test_voice_desk_sip.py), refusals toasted by their code's words, and no
buttons when the center has no SIP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from centralita.core.events import AgentLoggedIn, HoldStarted, OfferAccepted
from centralita.store.models import Event, User
from web.browser import call_arrives, sign_in
from web.fake_voice import UNREACHABLE, FakeVoice

pytestmark = pytest.mark.slow

MARIA = "+573001234500"
SALES_LINE = "6015550100"


def _id(server, username: str) -> str:
    with server.store.read() as session:
        return str(session.scalars(select(User.id).where(User.username == username)).one())


def _talking(server, agent: str) -> str:
    server.on_loop(lambda runner: runner.handle(AgentLoggedIn(agent)))
    iid = call_arrives(server, ani=MARIA, dnis=SALES_LINE)
    server.on_loop(lambda runner: runner.handle(OfferAccepted(iid, agent)))
    return iid


def _answer_desk_call(page, server) -> str:
    page.get_by_test_id("station-input").fill("1001")
    page.get_by_test_id("log-in").click()
    iid = call_arrives(server, ani=MARIA, dnis=SALES_LINE)
    page.get_by_test_id("accept").click()
    return iid


def test_agent_consults_completes_and_sees_refusals_in_english(server, browser, screenshot):
    voice = FakeVoice()
    server.runner.voice = voice  # type: ignore[assignment]
    page = sign_in(browser, server, "ana")
    iid = _answer_desk_call(page, server)
    expect(page.get_by_test_id("state")).to_have_text("Talking")
    for button, text in (
        ("consult", "Consult"),
        ("conference", "Conference"),
        ("transfer-number", "Transfer to number"),
    ):
        expect(page.get_by_test_id(button)).to_have_text(text)
    expect(page.get_by_test_id("complete")).to_be_hidden()
    expect(page.get_by_test_id("cancel-consult")).to_be_hidden()

    page.get_by_test_id("voice-number").fill("3001112233")
    page.get_by_test_id("consult").click()
    expect(page.get_by_test_id("consult-state")).to_have_text("Consulting…")
    expect(page.get_by_test_id("consult")).to_be_hidden()  # one consultation at a time
    expect(page.get_by_test_id("complete")).to_be_hidden()  # nobody answered yet
    assert voice.asked == [("consult", iid, {"number": "3001112233", "trunk": "carrier"})]
    server.on_loop(lambda _runner: setattr(voice.transfers.parties[iid], "up", True))
    expect(page.get_by_test_id("consult-state")).to_have_text("Consulted party on the line")
    screenshot(page, "desktop-consulting")
    page.get_by_test_id("complete").click()
    expect(page.get_by_test_id("consult")).to_be_visible()
    assert voice.asked[-1] == ("complete", iid)

    page.get_by_test_id("voice-number").fill(UNREACHABLE)
    page.get_by_test_id("transfer-number").click()
    expect(page.locator("#toast")).to_have_text("That phone is not registered.")
    page.get_by_test_id("voice-number").fill("")
    page.get_by_test_id("conference").click()  # neither an agent nor a number
    expect(page.locator("#toast")).to_have_text("Choose an agent or a number.")
    page.get_by_test_id("hold").click()
    expect(page.get_by_test_id("state")).to_have_text("On hold")
    expect(page.get_by_test_id("consult")).to_be_hidden()  # only while talking


def test_agent_drops_one_of_two_conferenced_parties_in_english(server, browser, screenshot):
    voice = FakeVoice()
    server.runner.voice = voice  # type: ignore[assignment]
    page = sign_in(browser, server, "ana")
    iid = _answer_desk_call(page, server)
    parties = page.get_by_test_id("conference-party")
    expect(page.get_by_test_id("conference-parties")).to_be_hidden()
    page.get_by_test_id("voice-agent").select_option(_id(server, "carlos"))
    page.get_by_test_id("conference").click()
    expect(parties).to_have_count(1)
    expect(parties.get_by_test_id("party-state")).to_have_text("ringing…")
    expect(parties.get_by_test_id("drop-party")).to_have_text("Drop Carlos Pérez")
    page.get_by_test_id("voice-agent").select_option("")
    page.get_by_test_id("voice-number").fill("3001112233")
    page.get_by_test_id("conference").click()
    expect(parties).to_have_count(2)
    carlos_leg, number_leg = voice.transfers.conferenced
    server.on_loop(lambda _runner: setattr(voice.transfers.conferenced[carlos_leg], "up", True))
    expect(parties.first.get_by_test_id("party-state")).to_have_text("on the line")  # polled
    expect(parties.last.get_by_test_id("drop-party")).to_have_text("Drop 3001112233")
    screenshot(page, "desktop-conference")
    parties.first.get_by_test_id("drop-party").click()
    expect(parties).to_have_count(1)
    expect(parties.get_by_test_id("party-name")).to_have_text("3001112233")
    assert voice.asked[-1] == ("drop", iid, carlos_leg)
    page.get_by_test_id("hold").click()  # on hold the parties stay listed, and droppable
    expect(page.get_by_test_id("state")).to_have_text("On hold")
    parties.get_by_test_id("drop-party").click()
    expect(page.get_by_test_id("conference-parties")).to_be_hidden()
    assert voice.asked[-1] == ("drop", iid, number_leg)


def test_spanish_desktop_buttons_and_no_buttons_without_sip(server, browser):
    voice = FakeVoice()
    server.runner.voice = voice  # type: ignore[assignment]
    page = sign_in(browser, server, "ana", lang="es")
    _answer_desk_call(page, server)
    expect(page.get_by_test_id("consult")).to_have_text("Consultar")
    expect(page.get_by_test_id("transfer-number")).to_have_text("Transferir a número")
    expect(page.get_by_test_id("conference")).to_have_text("Conferencia")
    page.get_by_test_id("cancel-consult").evaluate("b => b.click()")  # hidden: no consultation
    expect(page.locator("#toast")).to_have_text("El consultado todavía no ha contestado.")

    page.get_by_test_id("voice-agent").select_option(_id(server, "carlos"))
    page.get_by_test_id("conference").click()
    party = page.get_by_test_id("conference-party")
    expect(page.get_by_test_id("conference-parties")).to_contain_text("En la conferencia")
    expect(party.get_by_test_id("party-state")).to_have_text("timbrando…")
    expect(party.get_by_test_id("drop-party")).to_have_text("Retirar a Carlos Pérez")
    voice.transfers.hanging_up.update(voice.transfers.conferenced)  # carlos leaves as she clicks
    party.get_by_test_id("drop-party").click()
    expect(page.locator("#toast")).to_have_text("Esa persona ya no está en la conferencia.")
    expect(party).to_have_count(0)  # the next poll no longer lists him

    server.runner.voice = None
    page.reload()
    expect(page.get_by_test_id("hold")).to_be_visible()
    expect(page.get_by_test_id("voice-actions")).to_have_count(0)


def test_supervisor_listens_barges_and_stops_on_the_wallboard_in_spanish(
    server, browser, screenshot
):
    boss_id, ana_id = _id(server, "supervisora"), _id(server, "ana")
    voice = FakeVoice()
    server.runner.voice = voice  # type: ignore[assignment]
    iid = _talking(server, ana_id)
    board = sign_in(browser, server, "supervisora", lang="es")
    listen, barge = (board.get_by_test_id(f"monitor-{m}-{ana_id}") for m in ("listen", "barge"))
    stop, tag = (
        board.get_by_test_id(f"monitor-stop-{ana_id}"),
        board.get_by_test_id(f"monitoring-{ana_id}"),
    )
    expect(listen).to_have_text("Escuchar")
    expect(board.get_by_test_id(f"monitor-whisper-{ana_id}")).to_have_text("Susurrar")
    expect(barge).to_have_text("Intervenir")
    expect(stop).to_be_hidden()

    listen.click()  # the supervisor's station is not registered
    expect(board.locator("#toast")).to_have_text("Ese teléfono no está registrado.")
    expect(stop).to_be_hidden()
    voice.stations.add(boss_id)
    listen.click()
    expect(tag).to_have_text("Monitoreando: Escuchar")
    expect(stop).to_be_visible()
    barge.click()
    expect(tag).to_have_text("Monitoreando: Intervenir")
    screenshot(board, "wallboard-barge")
    stop.click()
    expect(tag).to_have_text("")
    expect(stop).to_be_hidden()
    assert voice.asked == [("monitor", iid, "listen"), ("monitor", iid, "barge"), ("stop", iid)]
    with server.store.read() as session:
        kinds = session.scalars(
            select(Event.kind).where(Event.kind.like("supervisor.%")).order_by(Event.id)
        ).all()
    assert kinds == [
        "supervisor.monitoring_started",
        "supervisor.monitoring_changed",
        "supervisor.monitoring_stopped",
    ]

    server.on_loop(lambda runner: runner.handle(HoldStarted(iid)))  # on hold: still offered
    expect(board.get_by_test_id(f"agent-{ana_id}")).to_contain_text("En espera")
    expect(listen).to_be_visible()
    listen.click()
    expect(tag).to_have_text("Monitoreando: Escuchar")
    assert voice.asked[-1] == ("monitor", iid, "listen")

    server.on_loop(lambda runner: runner.handle(AgentLoggedIn(_id(server, "carlos"))))
    carlos = board.get_by_test_id(f"monitor-listen-{_id(server, 'carlos')}")
    expect(carlos).to_be_hidden()  # available, no call to listen to


def test_english_wallboard_buttons_only_with_sip_talking_or_on_hold(server, browser):
    ana_id = _id(server, "ana")
    iid = _talking(server, ana_id)
    board = sign_in(browser, server, "supervisora")
    expect(board.get_by_test_id(f"force-pause-{ana_id}")).to_be_visible()
    expect(board.get_by_test_id(f"monitor-listen-{ana_id}")).to_be_hidden()  # no SIP
    server.runner.voice = FakeVoice()  # type: ignore[assignment]
    board.reload()
    expect(board.get_by_test_id(f"monitor-listen-{ana_id}")).to_have_text("Listen")
    expect(board.get_by_test_id(f"monitor-whisper-{ana_id}")).to_have_text("Whisper")
    expect(board.get_by_test_id(f"monitor-barge-{ana_id}")).to_have_text("Barge")
    server.on_loop(lambda runner: runner.handle(HoldStarted(iid)))
    expect(board.get_by_test_id(f"agent-{ana_id}")).to_contain_text("On hold")
    expect(board.get_by_test_id(f"monitor-whisper-{ana_id}")).to_be_visible()
