"""The pages over HTTP against the real server (one live center, one event loop, several
users): sign-in, lockout, CSRF, roles, tenant isolation, the desk's and the supervisor's
actions, and forms that refuse bad input with a message per field, storing nothing."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select

from centralita.app.intake import new_interaction_id, resolve
from centralita.clock import utcnow
from centralita.core.events import AgentLoggedIn, InteractionEnded, OfferAccepted
from centralita.demo import DEMO_PASSWORD, seed_demo
from centralita.i18n import CATALOG
from centralita.schemas import ContactSpec, QueueSpec
from centralita.store import actions
from centralita.store.models import Campaign, Contact, Event, User, WrapUp
from support import wait_for
from web.live_server import LiveServer, serve


@pytest.fixture
def server(store):
    seed_demo(store)
    yield from serve(store)


class App:
    """What the tests used of the app: its live runner (on the server's loop)."""

    def __init__(self, server: LiveServer) -> None:
        self.runner = server.runner


@pytest.fixture
def app(server):
    return App(server)


def _csrf_of(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


def _csrf(client: httpx.Client) -> str:
    return _csrf_of(client.get("/login").text)


def _client(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, follow_redirects=True, timeout=10)


def _sign_in(server: LiveServer, username: str, password: str = DEMO_PASSWORD) -> httpx.Client:
    client = _client(server)
    token = _csrf(client)
    answer = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert answer.status_code == 200, answer.text
    fresh = _csrf_of(client.get("/contacts").text)
    assert fresh != token  # a new token with the new session
    client.headers["X-CSRF-Token"] = fresh
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


def _user_id(store, username: str) -> int:
    with store.read() as session:
        return session.scalars(select(User.id).where(User.username == username)).one()


def test_wrong_password_is_refused_and_five_failures_lock_the_user_out(server, store):
    with _client(server) as client:
        token = _csrf(client)
        for _ in range(5):
            wrong = client.post(
                "/login", data={"username": "ana", "password": "nope-nope", "csrf_token": token}
            )
        assert wrong.status_code == 429
        assert "Demasiados intentos fallidos" in wrong.text
        right = client.post(
            "/login", data={"username": "ana", "password": DEMO_PASSWORD, "csrf_token": token}
        )
        assert right.status_code == 429  # locked even with the right password
        assert client.get("/desktop", follow_redirects=False).headers["location"] == "/login"
        other = client.post(
            "/login",
            data={"username": "diana", "password": DEMO_PASSWORD, "csrf_token": token},
        )
        assert other.url.path == "/desktop"  # the lock is per user
    with store.read() as session:
        kinds = session.scalars(select(Event.kind).where(Event.kind.like("user.%"))).all()
    assert kinds.count("user.sign_in_failed") == 5 and kinds.count("user.signed_in") == 1


def test_a_state_changing_request_without_the_csrf_token_is_refused(signed_in):
    ana = signed_in("ana")
    answer = ana.post("/desktop/station", data={"station": "1001"}, headers={"X-CSRF-Token": "x"})
    assert (answer.status_code, answer.json()["code"]) == (403, "bad-csrf-token")
    assert ana.get("/desktop/state").json()["state"] == "logged_out"


def test_roles_decide_the_pages(signed_in):
    ana = signed_in("ana")
    assert ana.get("/wallboard/snapshot").status_code == 403
    supervisor = signed_in("supervisora")
    assert supervisor.post("/desktop/ready").status_code == 403
    viewer = signed_in("cliente")
    assert viewer.get("/wallboard/snapshot").status_code == 200
    assert viewer.post("/wallboard/agents/1/logout").status_code == 403  # read only
    qa = signed_in("calidad")
    assert qa.get("/contacts").status_code == 200
    assert qa.get("/wallboard/snapshot").status_code == 403


def test_a_client_viewer_cannot_open_another_clients_contact_or_queues(store, app, signed_in):
    at = utcnow()
    with store.transaction() as tx:
        other = actions.do_create_tenant(tx, slug="otra", name="Otra S.A.", at=at, actor="t")
        actions.do_create_queue(
            tx, tenant_id=other.id, spec=QueueSpec(name="Otra"), at=at, actor="t"
        )
        theirs = actions.do_create_contact(
            tx, tenant_id=other.id, spec=ContactSpec(name="Secreto"), at=at, actor="t"
        )
        actions.do_create_user(
            tx,
            tenant_id=other.id,
            username="otra-cliente",
            display_name="Otra",
            role="client_viewer",
            password=DEMO_PASSWORD,
            at=at,
            actor="t",
        )
    with store.read() as session:
        ours = session.scalars(select(Contact).where(Contact.name == "José Rodríguez")).one()
    viewer = signed_in("cliente")
    assert viewer.get(f"/contacts/{ours.id}").status_code == 200
    refused = viewer.get(f"/contacts/{theirs.id}")
    assert (refused.status_code, refused.json()["code"]) == (404, "no-such-contact")
    assert f'/contacts/{theirs.id}"' not in viewer.get("/contacts?q=Secreto").text
    queues = {q["name"] for q in viewer.get("/wallboard/snapshot").json()["queues"].values()}
    assert "Otra" not in queues and "Ventas" in queues
    outsider = signed_in("otra-cliente")
    assert outsider.get(f"/contacts/{ours.id}").status_code == 404
    page = outsider.get(f"/contacts/{ours.id}", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "No encontrado" in page.text


def _call_on_desk(app, store, agent: str) -> str:
    """Log `agent` in, make a Cobranzas call arrive, answer and end it (into wrap-up)."""
    runner = app.runner
    routing = resolve(store, ani="+573001234502", dnis="6015550300")
    iid = new_interaction_id()

    def drive() -> None:
        runner.handle(AgentLoggedIn(agent))
        runner.arrive(
            interaction_id=iid,
            tenant_id=routing.tenant_id,
            queue=routing.queue,
            campaign_id=routing.campaign_id,
            ani="+573001234502",
            dnis="6015550300",
        )
        runner.handle(OfferAccepted(iid, agent))
        runner.handle(InteractionEnded(iid))

    runner.call(drive).result(timeout=10)
    return iid


def test_a_wrap_up_with_bad_fields_names_each_one_and_stores_nothing(store, app, signed_in):
    felipe = signed_in("felipe")
    iid = _call_on_desk(app, store, str(_user_id(store, "felipe")))
    answer = felipe.post(
        "/desktop/wrapup",
        data={
            "interaction": iid,
            "f_document": "x" * 21,
            "f_promise_date": "31/12/2026",
            "f_promise_amount": "mucho",
            "disposition": "sale",  # not one of Cobranzas' dispositions
            "notes": "n" * 2001,
        },
    )
    assert answer.status_code == 422
    errors = dict(re.findall(r'data-testid="error-(\w+)">([^<]+)<', answer.text))
    assert errors == {
        "document": "Máximo 20 caracteres.",
        "promise_date": "Escriba una fecha AAAA-MM-DD.",
        "promise_amount": "Escriba un valor como 150000 o 99.50.",
        "disposition": "Elija una de las opciones.",
        "notes": "Máximo 2000 caracteres.",
    }
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(WrapUp)) == 0
        assert not session.scalars(
            select(Event).where(Event.kind == "interaction.wrapped_up")
        ).all()
    good = felipe.post(
        "/desktop/wrapup",
        data={
            "interaction": iid,
            "f_document": "123",
            "f_promise_date": "2026-12-31",
            "f_promise_amount": "150000",
            "disposition": "payment_promise",
        },
    )
    assert good.status_code == 200 and 'data-testid="saved"' in good.text
    with store.read() as session:
        wrap = session.scalars(select(WrapUp)).one()
    assert wrap.form_data == {
        "document": "123",
        "promise_date": "2026-12-31",
        "promise_amount": "150000",
    }
    assert felipe.get("/desktop/state").json()["state"] == "available"


def test_a_bad_station_is_refused_with_the_field_named(signed_in):
    ana = signed_in("ana")
    answer = ana.post("/desktop/station", data={"station": "12; drop"})
    assert (answer.status_code, answer.json()["field"]) == (422, "station")
    assert ana.get("/desktop/state").json()["state"] == "logged_out"


def test_an_administrator_edits_a_campaign_form_and_a_bad_one_changes_nothing(store, signed_in):
    admin = signed_in("admin")
    with store.read() as session:
        sales = session.scalars(select(Campaign).where(Campaign.name == "Ventas")).one()
    before = sales.form
    bad = admin.post(
        f"/admin/forms/{sales.id}",
        data={
            "field-0-name": "colour",
            "field-0-label_en": "Colour",
            "field-0-label_es": "Color",
            "field-0-type": "choice",
            "field-0-choices": "",
        },
    )
    assert bad.status_code == 422
    assert "Fila 1, Opciones (separadas por coma): un campo de opciones necesita" in bad.text
    twice = admin.post(
        f"/admin/forms/{sales.id}",
        data={
            **{
                f"field-{i}-{k}": v
                for i in (0, 1)
                for k, v in {
                    "name": "same",
                    "label_en": "S",
                    "label_es": "S",
                    "type": "text",
                }.items()
            },
        },
    )
    assert twice.status_code == 422
    assert "Fila 2, Nombre del campo: este nombre de campo ya se usa en otra fila." in twice.text
    with store.read() as session:
        assert session.get(Campaign, sales.id).form == before
    good = admin.post(
        f"/admin/forms/{sales.id}",
        data={
            "field-0-name": "colour",
            "field-0-label_en": "Colour",
            "field-0-label_es": "Color",
            "field-0-type": "choice",
            "field-0-choices": "red, blue",
            "field-0-required": "on",
            "field-1-name": "",
        },
    )
    assert good.status_code == 200 and 'data-testid="form-saved"' in good.text
    with store.read() as session:
        form = session.get(Campaign, sales.id).form
    assert [(f["name"], f["required"], f["choices"]) for f in form] == [
        ("colour", True, ["red", "blue"])
    ]


def test_every_text_exists_in_english_and_spanish():
    missing = [key for key, (en, es) in CATALOG.items() if not en.strip() or not es.strip()]
    assert missing == []


def test_a_supervisor_moves_a_waiting_call_to_another_queue(store, app, signed_in):
    supervisor = signed_in("supervisora")
    runner = app.runner
    routing = resolve(store, ani="+573001234503", dnis="6015550100")
    iid = new_interaction_id()

    def arrive() -> None:
        runner.arrive(
            interaction_id=iid,
            tenant_id=routing.tenant_id,
            queue=routing.queue,
            campaign_id=routing.campaign_id,
            ani="+573001234503",
            dnis="6015550100",
        )

    def waiting(name: str) -> list[str]:
        rows = supervisor.get("/wallboard/snapshot").json()["queues"].values()
        queue = next(q for q in rows if q["name"] == name)
        return [w["id"] for w in queue["waiting_list"]]

    runner.call(arrive).result(timeout=10)
    wait_for(lambda: waiting("Ventas") == [iid], timeout=5, what="the call waiting in Ventas")
    cobranzas = runner.view.queues_of_tenants([routing.tenant_id])
    target = next(q for q in cobranzas if runner.view.queue_info[q]["name"] == "Cobranzas")
    moved = supervisor.post(f"/wallboard/interactions/{iid}/move", data={"queue": target})
    assert moved.status_code == 200
    wait_for(lambda: waiting("Cobranzas") == [iid], timeout=5, what="the call in Cobranzas")
    assert waiting("Ventas") == []
    with store.read() as session:
        kinds = session.scalars(
            select(Event.kind).where(Event.interaction_id == iid).order_by(Event.id)
        ).all()
    assert "acd.interaction_transferred" in kinds
    elsewhere = supervisor.post(f"/wallboard/interactions/{iid}/move", data={"queue": "999999"})
    assert elsewhere.status_code == 404


def test_an_unknown_caller_becomes_a_contact_from_the_screen_pop(store, app, signed_in):
    felipe = signed_in("felipe")
    agent = str(_user_id(store, "felipe"))
    runner = app.runner
    stranger = "+573159990000"
    routing = resolve(store, ani=stranger, dnis="6015550300")
    assert routing.contact_id is None
    iid = new_interaction_id()

    def ring() -> None:
        runner.handle(AgentLoggedIn(agent))
        runner.arrive(
            interaction_id=iid,
            tenant_id=routing.tenant_id,
            queue=routing.queue,
            campaign_id=routing.campaign_id,
            ani=stranger,
            dnis="6015550300",
        )

    runner.call(ring).result(timeout=10)
    wait_for(lambda: felipe.get("/desktop/state").json()["interaction"] == iid, timeout=5)
    pop = felipe.get("/desktop/work").text
    assert 'data-testid="unknown-caller"' in pop
    empty = felipe.post("/desktop/contact", data={"name": "  "})
    assert (empty.status_code, empty.json()["field"]) == (422, "name")
    created = felipe.post("/desktop/contact", data={"name": "Nuevo Cliente", "document": "99"})
    assert created.status_code == 200 and "Nuevo Cliente" in created.text
    assert resolve(store, ani=stranger, dnis="6015550300").contact_id is not None
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 6


def test_an_agent_holds_resumes_and_transfers_a_call_and_a_supervisor_logs_an_agent_out(
    store, app, signed_in
):
    esteban, diana = signed_in("esteban"), signed_in("diana")
    supervisor = signed_in("supervisora")
    for agent in (esteban, diana):
        assert agent.post("/desktop/station", data={"station": "1010"}).status_code == 200
    routing = resolve(store, ani="+573001234504", dnis="6015550200")  # Soporte
    iid = new_interaction_id()
    runner = app.runner

    def ring() -> None:
        runner.arrive(
            interaction_id=iid,
            tenant_id=routing.tenant_id,
            queue=routing.queue,
            campaign_id=routing.campaign_id,
            ani="+573001234504",
            dnis="6015550200",
        )

    runner.call(ring).result(timeout=10)
    first = esteban if esteban.get("/desktop/state").json()["interaction"] == iid else diana
    other = diana if first is esteban else esteban
    assert first.post("/desktop/accept").json()["state"] == "talking"
    assert first.post("/desktop/hold").json()["state"] == "on_hold"
    assert first.post("/desktop/resume").json()["state"] == "talking"
    nowhere = first.post("/desktop/transfer", data={"queue": "", "agent": ""})
    assert (nowhere.status_code, nowhere.json()["field"]) == (422, "queue")
    other_id = other.get("/desktop/state").json()["id"]
    moved = first.post("/desktop/transfer", data={"agent": other_id})
    assert moved.status_code == 200
    assert other.get("/desktop/state").json()["state"] == "reserved"
    assert other.post("/desktop/accept").json()["interaction"] == iid

    first_id = first.get("/desktop/state").json()["id"]
    gone = supervisor.post(f"/wallboard/agents/{first_id}/logout")
    assert gone.status_code == 200 and gone.json()["state"] in ("logged_out", "wrap_up")
    wait_for(lambda: first.get("/desktop/state").json()["state"] == "logged_out", timeout=15)
    with store.read() as session:
        actors = session.scalars(
            select(Event.actor).where(
                Event.kind == "acd.agent_state_changed", Event.agent_id == int(first_id)
            )
        ).all()
    supervisor_id = _user_id(store, "supervisora")
    assert f"user:{supervisor_id}" in actors
