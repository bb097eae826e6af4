"""The transfer, conference and supervision routes over HTTP against the real server:
who may call them, whose calls they reach, what bad input and a center without SIP
answer; with the in-memory voice adapter (web/fake_voice.py), the conference's parties
as the desktop lists them and drops them. The routes on real calls are in
tests/app/test_voice_desk_sip.py."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from centralita.app.intake import new_interaction_id, resolve
from centralita.clock import utcnow
from centralita.core.events import AgentLoggedIn, HoldStarted, InteractionEnded, OfferAccepted
from centralita.demo import DEMO_PASSWORD, seed_demo
from centralita.errors import Invalid
from centralita.schemas import QueueSpec
from centralita.store import actions
from centralita.store.models import Event, User
from web.fake_voice import FakeVoice
from web.live_server import LiveServer, serve


@pytest.fixture
def server(store):
    seed_demo(store)
    yield from serve(store)


def _sign_in(server: LiveServer, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, follow_redirects=True, timeout=10)
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)[1]
    answer = client.post(
        "/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 200, answer.text
    page = client.get("/contacts").text
    client.headers["X-CSRF-Token"] = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
    client.headers["Accept"] = "application/json"
    return client


@pytest.fixture
def signed_in(server):
    clients: list[httpx.Client] = []

    def sign_in(username: str) -> httpx.Client:
        clients.append(_sign_in(server, username))
        return clients[-1]

    yield sign_in
    for client in clients:
        client.close()


def _user_id(store, username: str) -> str:
    with store.read() as session:
        return str(session.scalars(select(User.id).where(User.username == username)).one())


def _talking(server: LiveServer, store, agent: str) -> str:
    """`agent` logged in and talking on a new sales call (no SIP: the core only)."""
    routing = resolve(store, ani="+573001234599", dnis="6015550100")
    iid = new_interaction_id()

    def drive() -> None:
        server.runner.handle(AgentLoggedIn(agent))
        server.runner.arrive(
            interaction_id=iid,
            tenant_id=routing.tenant_id,
            queue=routing.queue,
            campaign_id=routing.campaign_id,
            ani="+573001234599",
            dnis="6015550100",
        )
        server.runner.handle(OfferAccepted(iid, agent))

    server.runner.call(drive).result(timeout=10)
    assert server.runner.view.agent_row(agent)["interaction"] == iid
    return iid


DESK_VERBS = ["consult", "complete", "cancel", "transfer-number", "conference", "drop"]
PARTY = {"number": "3001234567"}
FORM = {"drop": {"party": "c7"}}  # the verbs whose form is not PARTY


@pytest.mark.parametrize("verb", DESK_VERBS)
def test_given_no_sip_when_the_agent_acts_on_their_call_then_voice_unavailable(
    server, store, signed_in, verb
):
    ana = signed_in("ana")
    iid = _talking(server, store, _user_id(store, "ana"))
    answer = ana.post(f"/desktop/interactions/{iid}/{verb}", data=FORM.get(verb, PARTY))
    assert (answer.status_code, answer.json()["code"]) == (503, "voice-unavailable")
    assert ana.get("/desktop/voice").json()["voice"] is False
    page = ana.get("/desktop/work", headers={"Accept": "text/html"}).text
    assert 'data-testid="voice-actions"' not in page  # no buttons without SIP


def test_given_no_sip_when_a_supervisor_monitors_then_voice_unavailable_and_nothing_logged(
    server, store, signed_in
):
    boss = signed_in("supervisora")
    iid = _talking(server, store, _user_id(store, "ana"))
    answer = boss.post(f"/wallboard/interactions/{iid}/monitor", data={"mode": "listen"})
    assert (answer.status_code, answer.json()["code"]) == (503, "voice-unavailable")
    stop = boss.post(f"/wallboard/interactions/{iid}/monitor/stop")
    assert stop.json()["code"] == "voice-unavailable"
    assert boss.get("/wallboard/monitoring").json() == {"voice": False, "monitoring": {}}
    with store.read() as session:
        logged = session.scalars(select(Event).where(Event.kind.like("supervisor.%"))).all()
    assert logged == []


def test_wrong_roles_are_refused(server, store, signed_in):
    iid = _talking(server, store, _user_id(store, "ana"))
    boss, ana, viewer = signed_in("supervisora"), signed_in("ana"), signed_in("cliente")
    assert boss.post(f"/desktop/interactions/{iid}/consult", data=PARTY).status_code == 403
    for who in (ana, viewer):
        answer = who.post(f"/wallboard/interactions/{iid}/monitor", data={"mode": "listen"})
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
        assert who.get("/wallboard/monitoring").status_code == 403
    no_csrf = ana.post(
        f"/desktop/interactions/{iid}/consult", data=PARTY, headers={"X-CSRF-Token": "x"}
    )
    assert (no_csrf.status_code, no_csrf.json()["code"]) == (403, "bad-csrf-token")


def test_only_the_agent_holding_the_call_and_its_supervisors_reach_it(server, store, signed_in):
    at = utcnow()
    with store.transaction() as tx:
        other = actions.do_create_tenant(tx, slug="otra", name="Otra S.A.", at=at, actor="t")
        actions.do_create_queue(
            tx, tenant_id=other.id, spec=QueueSpec(name="Otra"), at=at, actor="t"
        )
        actions.do_create_user(
            tx,
            tenant_id=other.id,
            username="otro-jefe",
            display_name="Otro jefe",
            role="supervisor",
            password=DEMO_PASSWORD,
            at=at,
            actor="t",
        )
    iid = _talking(server, store, _user_id(store, "ana"))
    carlos, outsider = signed_in("carlos"), signed_in("otro-jefe")
    mine = carlos.post(f"/desktop/interactions/{iid}/transfer-number", data=PARTY)
    assert (mine.status_code, mine.json()["code"]) == (404, "no-such-interaction")
    theirs = outsider.post(f"/wallboard/interactions/{iid}/monitor", data={"mode": "barge"})
    assert (theirs.status_code, theirs.json()) == (
        404,
        {"code": "no-such-interaction", "message": theirs.json()["message"], "interaction_id": iid},
    )
    boss = signed_in("supervisora")
    unknown = boss.post("/wallboard/interactions/nope/monitor", data={"mode": "listen"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "no-such-interaction")


def test_bad_input_is_refused_naming_the_field(server, store, signed_in):
    ana_id = _user_id(store, "ana")
    iid = _talking(server, store, ana_id)
    ana, boss = signed_in("ana"), signed_in("supervisora")
    shout = boss.post(f"/wallboard/interactions/{iid}/monitor", data={"mode": "shout"})
    assert (shout.status_code, shout.json()["errors"][0]["field"]) == (422, "mode")
    assert "listen" in shout.json()["message"]  # the accepted values are named
    missing = boss.post(f"/wallboard/interactions/{iid}/monitor")
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (422, "mode")
    letters = ana.post(f"/desktop/interactions/{iid}/transfer-number", data={"number": "abc"})
    assert (letters.status_code, letters.json()["errors"][0]["field"]) == (422, "number")
    both = ana.post(f"/desktop/interactions/{iid}/consult", data={"number": "x1"})
    assert (both.status_code, both.json()["errors"][0]["field"]) == (422, "number")


def test_monitoring_is_an_audited_act_with_one_event_per_change(store):
    seed_demo(store)
    ana, boss = int(_user_id(store, "ana")), int(_user_id(store, "supervisora"))
    for verb, mode in (("started", "listen"), ("changed", "barge"), ("stopped", None)):
        with store.transaction() as tx:
            actions.do_record_monitoring(
                tx,
                verb=verb,
                interaction_id="i-1",
                agent_id=ana,
                supervisor_id=boss,
                mode=mode,
                at=utcnow(),
                actor=f"user:{boss}",
            )
    with pytest.raises(Invalid) as refused, store.transaction() as tx:
        actions.do_record_monitoring(
            tx,
            verb="started",
            interaction_id="i-1",
            agent_id=ana,
            supervisor_id=boss,
            mode="shout",
            at=utcnow(),
            actor="x",
        )
    assert refused.value.fields["field"] == "mode"
    with store.read() as session:
        logged = session.scalars(
            select(Event).where(Event.kind.like("supervisor.%")).order_by(Event.id)
        ).all()
    assert [(e.kind, e.payload["mode"], e.actor, e.agent_id) for e in logged] == [
        ("supervisor.monitoring_started", "listen", f"user:{boss}", ana),
        ("supervisor.monitoring_changed", "barge", f"user:{boss}", ana),
        ("supervisor.monitoring_stopped", None, f"user:{boss}", ana),
    ]


def test_an_agent_in_wrap_up_no_longer_holds_the_call(server, store, signed_in):
    ana_id = _user_id(store, "ana")
    iid = _talking(server, store, ana_id)
    server.runner.call(lambda: server.runner.handle(InteractionEnded(iid))).result(timeout=10)
    assert server.runner.view.agent_row(ana_id)["state"] == "wrap_up"
    answer = signed_in("ana").post(f"/desktop/interactions/{iid}/conference", data=PARTY)
    assert (answer.status_code, answer.json()["code"]) == (404, "no-such-interaction")


def test_given_a_conference_when_the_agent_drops_a_party_then_only_that_one_leaves(
    server, store, signed_in
):
    voice = FakeVoice()
    server.runner.voice = voice  # type: ignore[assignment]
    ana_id, carlos_id = _user_id(store, "ana"), _user_id(store, "carlos")
    iid = _talking(server, store, ana_id)
    ana = signed_in("ana")
    assert ana.get("/desktop/voice").json()["parties"] == []
    ana.post(f"/desktop/interactions/{iid}/conference", data={"agent": carlos_id})
    listed = ana.post(f"/desktop/interactions/{iid}/conference", data=PARTY).json()["parties"]
    carlos_leg, number_leg = (p["id"] for p in listed)
    number = PARTY["number"]
    assert listed == [
        {
            "id": carlos_leg,
            "agent_id": carlos_id,
            "number": None,
            "name": "Carlos Pérez",
            "up": False,
        },
        {"id": number_leg, "agent_id": None, "number": number, "name": number, "up": False},
    ]
    server.on_loop(lambda _runner: setattr(voice.transfers.conferenced[carlos_leg], "up", True))
    assert ana.get("/desktop/voice").json()["parties"][0]["up"] is True

    dropped = ana.post(f"/desktop/interactions/{iid}/drop", data={"party": carlos_leg})
    assert dropped.status_code == 200, dropped.text
    assert [p["id"] for p in dropped.json()["parties"]] == [number_leg]
    assert voice.asked[-1] == ("drop", iid, carlos_leg)
    again = ana.post(f"/desktop/interactions/{iid}/drop", data={"party": carlos_leg})
    assert (again.status_code, again.json()) == (
        404,
        {
            "code": "no-such-party",
            "message": again.json()["message"],
            "interaction_id": iid,
            "party": carlos_leg,
        },
    )

    carlos, boss = signed_in("carlos"), signed_in("supervisora")
    theirs = carlos.post(f"/desktop/interactions/{iid}/drop", data={"party": number_leg})
    assert (theirs.status_code, theirs.json()["code"]) == (404, "no-such-interaction")
    assert (
        boss.post(f"/desktop/interactions/{iid}/drop", data={"party": number_leg}).status_code
        == 403
    )
    forged = ana.post(
        f"/desktop/interactions/{iid}/drop",
        data={"party": number_leg},
        headers={"X-CSRF-Token": "x"},
    )
    assert (forged.status_code, forged.json()["code"]) == (403, "bad-csrf-token")
    missing = ana.post(f"/desktop/interactions/{iid}/drop")
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (422, "party")
    too_long = ana.post(f"/desktop/interactions/{iid}/drop", data={"party": "x" * 65})
    assert (too_long.status_code, too_long.json()["errors"][0]["field"]) == (422, "party")
    assert [p["id"] for p in ana.get("/desktop/voice").json()["parties"]] == [number_leg]

    server.on_loop(lambda runner: runner.handle(HoldStarted(iid)))  # on hold: still hers
    held = ana.post(f"/desktop/interactions/{iid}/drop", data={"party": number_leg})
    assert (held.status_code, held.json()["parties"]) == (200, [])


def test_given_a_call_on_hold_when_a_supervisor_listens_then_it_is_monitored_and_audited(
    server, store, signed_in
):
    boss_id, ana_id = _user_id(store, "supervisora"), _user_id(store, "ana")
    server.runner.voice = FakeVoice(stations={boss_id})  # type: ignore[assignment]
    iid = _talking(server, store, ana_id)
    server.on_loop(lambda runner: runner.handle(HoldStarted(iid)))
    assert server.runner.view.agent_row(ana_id)["state"] == "on_hold"
    boss = signed_in("supervisora")
    listen = boss.post(f"/wallboard/interactions/{iid}/monitor", data={"mode": "listen"})
    assert listen.json() == {"voice": True, "monitoring": {iid: "listen"}}
    stop = boss.post(f"/wallboard/interactions/{iid}/monitor/stop")
    assert stop.json() == {"voice": True, "monitoring": {}}
    with store.read() as session:
        kinds = session.scalars(
            select(Event.kind).where(Event.kind.like("supervisor.%")).order_by(Event.id)
        ).all()
    assert kinds == ["supervisor.monitoring_started", "supervisor.monitoring_stopped"]
