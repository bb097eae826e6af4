"""The recording policy page over HTTP against the real server, on each backend: an
administrator sees each level with where each value comes from, sets and clears a layer
through the same actions as the API (one event, the administrator as actor), a refused
value names its field in the administrator's language and changes nothing; other roles get
403 (audited), and another tenant's administrator gets 404 (audited) for this tenant's
levels: a tenant one does not manage answers as one that does not exist."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from centralita.clock import utcnow
from centralita.demo import DEMO_PASSWORD, DEMO_TENANT
from centralita.schemas import QueueSpec
from centralita.store import actions, events
from centralita.store.actions.recordings import do_set_recording_policy, policy_for
from centralita.store.db import Store
from centralita.store.models import Campaign, Queue, RecordingPolicyLayer, Tenant, User
from web.live_server import LiveServer, serve

PAGE = "/recordings/policy"
SignIn = Callable[[str], httpx.Client]


@pytest.fixture
def known(demo_store: Store) -> dict[str, Any]:
    """The demo company plus another tenant, `otra`, with its own administrator and a
    queue also named Ventas."""
    now = utcnow()
    with demo_store.transaction() as tx:
        other = actions.do_create_tenant(tx, slug="otra", name="Otra S.A.", at=now, actor="t")
        actions.do_create_user(
            tx, tenant_id=other.id, username="otra-admin", display_name="Otra Admin",
            role="administrator", password=DEMO_PASSWORD, at=now, actor="t",
        )  # fmt: skip
        actions.do_create_queue(
            tx, tenant_id=other.id, spec=QueueSpec(name="Ventas"), at=now, actor="t"
        )
    with demo_store.read() as session:
        tenants = {t.slug: t.id for t in session.scalars(select(Tenant))}
        demo, otra = tenants[DEMO_TENANT], tenants["otra"]
        queues = session.scalars(select(Queue).where(Queue.tenant_id == demo))
        campaigns = session.scalars(select(Campaign).where(Campaign.tenant_id == demo))
        users = {u.username: u.id for u in session.scalars(select(User))}
        return {
            "demo": demo, "otra": otra, "queue": {q.name: q.id for q in queues},
            "campaign": {c.name: c.id for c in campaigns}, "users": users,
            "otra_queue": session.scalars(select(Queue.id).where(Queue.tenant_id == otra)).one(),
        }  # fmt: skip


@pytest.fixture
def server(demo_store: Store, known: dict[str, Any]) -> Iterator[LiveServer]:
    yield from serve(demo_store)


@pytest.fixture
def sign_in(server: LiveServer) -> Iterator[SignIn]:
    clients: list[httpx.Client] = []

    def signed(username: str) -> httpx.Client:
        client = httpx.Client(base_url=server.url, follow_redirects=True, timeout=10)
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
        answer = client.post(
            "/login",
            data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token[1]},  # type: ignore[index]
        )
        assert answer.status_code == 200
        fresh = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/contacts").text)
        client.headers["X-CSRF-Token"] = fresh[1]  # type: ignore[index]
        clients.append(client)
        return client

    yield signed
    for client in clients:
        client.close()


def layers(store: Store) -> dict[tuple[int, str, int], dict[str, Any]]:
    with store.read() as session:
        return {
            (r.tenant_id, r.scope, r.scope_id): r.settings
            for r in session.scalars(select(RecordingPolicyLayer))
        }


def logged(store: Store, *kinds: str) -> list[dict[str, Any]]:
    with store.read() as session:
        return [
            {"kind": e.kind, "actor": e.actor, "tenant": e.tenant_id, **e.payload}
            for e in events.read(session, kinds=list(kinds), after_id=0, limit=10**6)
        ]


def policy_events(store: Store) -> list[dict[str, Any]]:
    return logged(store, "recording.policy_set", "recording.policy_cleared")


def cells(page: str, scope: str, name: str) -> dict[str, tuple[str, str]]:
    """A level's row on the page: setting -> (where it comes from, value in force)."""
    body = re.search(rf'data-testid="level-{scope}-{re.escape(name)}".*?</tbody>', page, re.S)
    assert body is not None, f"no row for {scope} {name}"
    found = re.findall(
        r'data-setting="(\w+)" data-source="(\w+)">\s*<(?:span|code) data-value="([^"]*)"',
        body[0],
    )
    return {setting: (source, value) for setting, source, value in found}


def set_layer(store: Store, tenant: int, scope: str, scope_id: int, **settings: Any) -> None:
    with store.transaction() as tx:
        do_set_recording_policy(
            tx, tenant_id=tenant, scope=scope, scope_id=scope_id, settings=settings,
            at=utcnow(), actor="test",
        )  # fmt: skip


def form(**given: str) -> dict[str, str]:
    """A level's form as the page sends it: every setting, empty where not set."""
    names = ("mode", "sample_share", "start", "split", "channels", "format", "path_template",
             "retention_days", "legal_hold")  # fmt: skip
    return {name: given.get(name, "") for name in names}


def admin_actor(known: dict[str, Any]) -> str:
    return f"user:{known['users']['admin']}"


def test_an_administrator_sees_each_level_and_where_each_value_comes_from(
    sign_in: SignIn, demo_store: Store, known: dict[str, Any]
) -> None:
    demo = known["demo"]
    set_layer(demo_store, demo, "tenant", 0, mode="sampled", sample_share=0.2, retention_days=30)
    set_layer(demo_store, demo, "queue", known["queue"]["Ventas"], channels="mono")
    set_layer(demo_store, demo, "campaign", known["campaign"]["Cobranzas"], legal_hold=True)
    admin = sign_in("admin")

    page = admin.get(PAGE)

    assert page.status_code == 200, page.text
    tenant = cells(page.text, "tenant", "default")
    assert (tenant["mode"], tenant["retention_days"]) == (("tenant", "sampled"), ("tenant", "30"))
    assert tenant["format"] == ("default", "opus")
    ventas, soporte = cells(page.text, "queue", "Ventas"), cells(page.text, "queue", "Soporte")
    assert (ventas["channels"], ventas["mode"]) == (("queue", "mono"), ("tenant", "sampled"))
    assert soporte["channels"] == ("default", "stereo")
    campaign = cells(page.text, "campaign", "Ventas")  # a call in its own queue, Ventas
    assert (campaign["channels"], campaign["legal_hold"]) == (
        ("queue", "mono"),
        ("default", "false"),
    )
    assert cells(page.text, "campaign", "Cobranzas")["legal_hold"] == ("campaign", "true")
    assert len(tenant) == 9 and "Predeterminado de la empresa" in page.text  # in Spanish
    assert "predeterminado del sistema" in page.text and "Mono mezclado" in page.text
    assert 'data-testid="tenant-otra"' not in page.text  # not this administrator's tenant

    assert 'data-testid="policy-link"' in admin.get("/recordings").text
    assert 'data-testid="policy-link"' not in sign_in("supervisora").get("/recordings").text


def test_setting_a_queues_level_on_the_page_stores_it_with_one_event_by_the_administrator(
    sign_in: SignIn, demo_store: Store, known: dict[str, Any]
) -> None:
    demo, ventas = known["demo"], known["queue"]["Ventas"]
    admin = sign_in("admin")

    done = admin.post(
        f"{PAGE}/{demo}/queue/{ventas}",
        data=form(mode="on_demand", channels="stereo", retention_days="30"),
    )

    assert done.status_code == 200 and done.url.path == PAGE, done.text
    assert 'data-testid="done">Guardado. Aplica desde la próxima llamada.' in done.text
    assert layers(demo_store) == {
        (demo, "queue", ventas): {"mode": "on_demand", "channels": "stereo", "retention_days": 30}
    }
    assert [
        (e["kind"], e["actor"], e["scope"], e["scope_id"]) for e in policy_events(demo_store)
    ] == [("recording.policy_set", f"user:{known['users']['admin']}", "queue", ventas)]
    row = cells(done.text, "queue", "Ventas")
    assert (row["mode"], row["channels"]) == (("queue", "on_demand"), ("queue", "stereo"))
    with demo_store.read() as session:
        in_force = policy_for(session, tenant_id=demo, queue_id=ventas, campaign_id=None)
    assert (in_force.mode, in_force.retention_days) == ("on_demand", 30)

    tenant = admin.post(f"{PAGE}/{demo}/tenant/0", data=form(mode="sampled", sample_share="0,2"))
    assert tenant.status_code == 200
    campaign = known["campaign"]["Cobranzas"]
    admin.post(f"{PAGE}/{demo}/campaign/{campaign}", data=form(legal_hold="true"))
    assert layers(demo_store)[(demo, "tenant", 0)] == {"mode": "sampled", "sample_share": 0.2}
    assert layers(demo_store)[(demo, "campaign", campaign)] == {"legal_hold": True}
    assert len(policy_events(demo_store)) == 3


def test_clearing_a_level_on_the_page_brings_back_the_level_above(
    sign_in: SignIn, demo_store: Store, known: dict[str, Any]
) -> None:
    demo, ventas = known["demo"], known["queue"]["Ventas"]
    set_layer(demo_store, demo, "tenant", 0, mode="never")
    set_layer(demo_store, demo, "queue", ventas, mode="all", channels="mono")
    admin = sign_in("admin")

    cleared = admin.post(f"{PAGE}/{demo}/queue/{ventas}/clear")

    assert cleared.status_code == 200, cleared.text
    assert "Quitado: vuelve a aplicar el nivel superior." in cleared.text
    assert layers(demo_store) == {(demo, "tenant", 0): {"mode": "never"}}
    last = policy_events(demo_store)[-1]
    assert (last["kind"], last["actor"]) == ("recording.policy_cleared", admin_actor(known))
    assert last["settings"] == {"mode": "all", "channels": "mono"}  # what was removed
    row = cells(cleared.text, "queue", "Ventas")
    assert (row["mode"], row["channels"]) == (("tenant", "never"), ("default", "stereo"))
    again = admin.post(f"{PAGE}/{demo}/queue/{ventas}/clear")
    assert "No había nada definido en este nivel." in again.text
    assert len(policy_events(demo_store)) == 3  # set, set, cleared: nothing for the second


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("retention_days", "0", "Un número entero de días, de 1 a 36500."),
        ("retention_days", "30.5", "Un número entero de días, de 1 a 36500."),
        ("sample_share", "mucho", "Un número de 0 a 1, p. ej. 0,2."),
        ("mode", "sometimes", "Elija una de: Todas las llamadas, Una muestra, A pedido, Nunca."),
        ("path_template", "{tenant}/{date}", "Debe contener {interaction}; si no, los archivos"),
        ("path_template", "{tenant}/{secreto}/{interaction}", "Marcador desconocido secreto; use"),
        ("path_template", "../{interaction}", "Una ruta relativa, sin partes vacías"),
        ("legal_hold", "maybe", "Sí o no."),
    ],
)
def test_a_refused_value_is_shown_on_its_field_in_the_users_language_and_changes_nothing(
    sign_in: SignIn, demo_store: Store, known: dict[str, Any], field: str, value: str, says: str
) -> None:
    demo, ventas = known["demo"], known["queue"]["Ventas"]
    set_layer(demo_store, demo, "queue", ventas, mode="never")
    before, events_before = layers(demo_store), policy_events(demo_store)
    admin = sign_in("admin")

    refused = admin.post(
        f"{PAGE}/{demo}/queue/{ventas}", data={**form(channels="mono"), field: value}
    )

    assert refused.status_code == 422
    error = re.search(rf'data-testid="error-{field}">([^<]*)</p>', refused.text)
    assert error is not None and error[1].startswith(says), refused.text
    assert 'data-testid="policy-refused"' in refused.text
    body = re.search(r'data-testid="level-queue-Ventas".*?</tbody>', refused.text, re.S)[0]  # type: ignore[index]
    assert "open: true" in body and re.search(r'value="mono" selected', body)  # kept as sent
    assert layers(demo_store) == before and policy_events(demo_store) == events_before


def test_a_refused_value_reads_in_english_for_an_english_page(
    sign_in: SignIn, demo_store: Store, known: dict[str, Any]
) -> None:
    admin = sign_in("admin")
    admin.post("/language", data={"lang": "en"})
    refused = admin.post(f"{PAGE}/{known['demo']}/tenant/0", data=form(retention_days="0"))
    assert refused.status_code == 422
    assert 'data-testid="error-retention_days">A whole number of days from 1 to 36500.' in (
        refused.text
    )
    assert layers(demo_store) == {}


@pytest.mark.parametrize("username", ["supervisora", "calidad", "ana", "cliente"])
def test_other_roles_get_403_audited_and_change_nothing(
    sign_in: SignIn, demo_store: Store, known: dict[str, Any], username: str
) -> None:
    demo, ventas = known["demo"], known["queue"]["Ventas"]
    set_layer(demo_store, demo, "queue", ventas, mode="never")
    before = layers(demo_store)
    user = sign_in(username)

    page = user.get(PAGE)
    assert (page.status_code, page.json()["code"]) == (403, "forbidden")
    html = user.get(PAGE, headers={"Accept": "text/html"})
    assert html.status_code == 403 and 'data-testid="level-' not in html.text
    for path in (f"{PAGE}/{demo}/queue/{ventas}", f"{PAGE}/{demo}/queue/{ventas}/clear"):
        refused = user.post(path, data=form(mode="all"))
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")

    assert layers(demo_store) == before and len(policy_events(demo_store)) == 1
    audited = logged(demo_store, "recording.access_refused")
    who = f"user:{known['users'][username]}"
    assert [(e["actor"], e["action"]) for e in audited] == [
        (who, "policy"), (who, "policy"), (who, "policy_set"), (who, "policy_clear"),
    ]  # fmt: skip


def test_another_tenants_administrator_gets_404_for_this_tenants_levels_audited(
    sign_in: SignIn, demo_store: Store, known: dict[str, Any]
) -> None:
    """404, not 403: a tenant one does not manage answers as one that does not exist, so
    the page never tells another company's administrator which tenants or ids exist."""
    demo, ventas, otra = known["demo"], known["queue"]["Ventas"], known["otra"]
    set_layer(demo_store, demo, "queue", ventas, mode="never")
    before = layers(demo_store)
    outsider = sign_in("otra-admin")

    page = outsider.get(PAGE)
    assert page.status_code == 200 and 'data-testid="tenant-otra"' in page.text
    assert f'id="tenant-{demo}"' not in page.text and "Soporte" not in page.text
    assert cells(page.text, "queue", "Ventas")["mode"] == ("default", "all")  # its own Ventas

    attempts = [
        (f"{PAGE}/{demo}/queue/{ventas}", "no-such-tenant"),
        (f"{PAGE}/{demo}/tenant/0", "no-such-tenant"),
        (f"{PAGE}/{demo}/queue/{ventas}/clear", "no-such-tenant"),
        (f"{PAGE}/{otra}/queue/{ventas}", "no-such-queue"),  # the other's queue by its id
        (f"{PAGE}/{otra}/campaign/{known['campaign']['Ventas']}/clear", "no-such-campaign"),
        (f"{PAGE}/999999/tenant/0", "no-such-tenant"),  # answers as a real one does
    ]
    for path, code in attempts:
        refused = outsider.post(path, data=form(mode="all"))
        assert (refused.status_code, refused.json()["code"]) == (404, code), path
    assert layers(demo_store) == before and len(policy_events(demo_store)) == 1
    audited = logged(demo_store, "recording.access_refused")
    assert len(audited) == len(attempts)
    assert {e["tenant"] for e in audited} == {otra}

    mine = outsider.post(f"{PAGE}/{otra}/queue/{known['otra_queue']}", data=form(mode="never"))
    assert mine.status_code == 200
    assert layers(demo_store)[(otra, "queue", known["otra_queue"])] == {"mode": "never"}
    assert layers(demo_store)[(demo, "queue", ventas)] == {"mode": "never"}  # untouched


def test_an_administrator_granted_another_tenant_manages_both(
    sign_in: SignIn, demo_store: Store, known: dict[str, Any]
) -> None:
    with demo_store.transaction() as tx:
        actions.do_grant_tenant(
            tx, user_id=known["users"]["admin"], tenant_id=known["otra"], at=utcnow(), actor="t"
        )
    admin = sign_in("admin")
    page = admin.get(PAGE).text
    assert f'id="tenant-{known["demo"]}"' in page and f'id="tenant-{known["otra"]}"' in page
    done = admin.post(
        f"{PAGE}/{known['otra']}/queue/{known['otra_queue']}", data=form(channels="mono")
    )
    assert done.status_code == 200
    assert layers(demo_store) == {
        (known["otra"], "queue", known["otra_queue"]): {"channels": "mono"}
    }


def test_without_the_csrf_token_nothing_changes(
    sign_in: SignIn, server: LiveServer, demo_store: Store, known: dict[str, Any]
) -> None:
    admin = sign_in("admin")
    del admin.headers["X-CSRF-Token"]
    refused = admin.post(f"{PAGE}/{known['demo']}/tenant/0", data=form(mode="never"))
    assert (refused.status_code, refused.json()["code"]) == (403, "bad-csrf-token")
    assert layers(demo_store) == {}
    with httpx.Client(base_url=server.url, timeout=10) as anonymous:
        page = anonymous.get(PAGE, headers={"Accept": "text/html"})
        assert (page.status_code, page.headers["location"]) == (303, "/login")
