"""Setting the recording policy through the administration API (in-process ASGI client,
a migrated database on each backend): what is stored, what a call then gets, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from centralita.config import load_settings
from centralita.recording.policy import RecordingPolicy
from centralita.store import events
from centralita.store.actions.recordings import policy_for
from centralita.store.db import Store
from centralita.store.models import Campaign, Queue, RecordingPolicyLayer, Tenant
from centralita.web.app import create_app

TOKEN = "test-admin-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
API = "/api/v1/tenants/acme"


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    settings = load_settings(environ={"CENTRALITA_ADMIN_TOKEN": TOKEN})
    with TestClient(create_app(settings, store)) as test_client:
        assert test_client.post(
            "/api/v1/tenants", json={"slug": "acme", "name": "Acme"}, headers=AUTH
        ).status_code == 201  # fmt: skip
        for queue in ("Sales", "Support"):
            created = test_client.post(f"{API}/queues", json={"name": queue}, headers=AUTH)
            assert created.status_code == 201, created.text
        campaign = {"name": "Spring", "direction": "inbound", "queue": "Sales"}
        assert test_client.post(f"{API}/campaigns", json=campaign, headers=AUTH).status_code == 201
        yield test_client


def ids(store: Store) -> dict[str, int]:
    with store.read() as session:
        tenant = session.query(Tenant).filter_by(slug="acme").one()
        found = {"tenant": tenant.id}
        found |= {q.name: q.id for q in session.query(Queue).filter_by(tenant_id=tenant.id)}
        found |= {c.name: c.id for c in session.query(Campaign).filter_by(tenant_id=tenant.id)}
        return found


def in_force(
    store: Store, queue: str | None = None, campaign: str | None = None
) -> RecordingPolicy:
    """What the recorder reads for a call of acme in this queue and campaign."""
    known = ids(store)
    with store.read() as session:
        return policy_for(
            session, tenant_id=known["tenant"], queue_id=known[queue] if queue else None,
            campaign_id=known[campaign] if campaign else None,
        )  # fmt: skip


def stored_layers(store: Store) -> dict[tuple[str, int], dict[str, Any]]:
    with store.read() as session:
        return {(r.scope, r.scope_id): r.settings for r in session.query(RecordingPolicyLayer)}


def policy_events(store: Store) -> list[dict[str, Any]]:
    with store.read() as session:
        rows = events.read(
            session, tenant_id=ids(store)["tenant"],
            kinds=["recording.policy_set", "recording.policy_cleared"], after_id=0, limit=100,
        )  # fmt: skip
        return [{"kind": e.kind, "actor": e.actor, **e.payload} for e in rows]


def test_given_tenant_default_and_queue_override_then_a_call_in_that_queue_gets_the_override(
    client: TestClient, store: Store
) -> None:
    tenant = client.put(
        f"{API}/recording-policy",
        json={"mode": "sampled", "sample_share": 0.5, "retention_days": 30},
        headers=AUTH,
    )
    assert tenant.status_code == 200, tenant.text
    assert tenant.json()["settings"] == {
        "mode": "sampled",
        "sample_share": 0.5,
        "retention_days": 30,
    }
    assert in_force(store, "Sales").mode == "sampled"

    queue = client.put(
        f"{API}/queues/Sales/recording-policy", json={"mode": "all", "channels": "mono"},
        headers=AUTH,
    )  # fmt: skip
    assert queue.status_code == 200, queue.text
    assert (queue.json()["name"], queue.json()["settings"]) == (
        "Sales", {"mode": "all", "channels": "mono"},
    )  # fmt: skip
    assert queue.json()["effective"]["retention_days"] == 30  # the tenant's, under the queue's

    sales, support = in_force(store, "Sales"), in_force(store, "Support")
    assert (sales.mode, sales.channels, sales.retention_days) == ("all", "mono", 30)
    assert (support.mode, support.sample_share, support.channels) == ("sampled", 0.5, "stereo")

    shown = client.get(f"{API}/recording-policy", headers=AUTH).json()
    assert shown["tenant"]["settings"] == {
        "mode": "sampled", "sample_share": 0.5, "retention_days": 30,
    }  # fmt: skip
    by_name = {q["name"]: q for q in shown["queues"]}
    assert by_name["Sales"]["settings"] == {"mode": "all", "channels": "mono"}
    assert by_name["Support"]["settings"] is None
    assert (by_name["Sales"]["effective"]["mode"], by_name["Support"]["effective"]["mode"]) == (
        "all", "sampled",
    )  # fmt: skip
    spring = shown["campaigns"][0]
    assert (spring["name"], spring["queue"], spring["settings"]) == ("Spring", "Sales", None)
    assert spring["effective"]["channels"] == "mono"  # a call in its own queue, Sales

    assert [(e["kind"], e["actor"], e["scope"], e["scope_id"]) for e in policy_events(store)] == [
        ("recording.policy_set", "api:admin", "tenant", 0),
        ("recording.policy_set", "api:admin", "queue", ids(store)["Sales"]),
    ]


def test_given_a_campaign_override_then_it_wins_over_its_queue(
    client: TestClient, store: Store
) -> None:
    client.put(f"{API}/queues/Sales/recording-policy", json={"retention_days": 60}, headers=AUTH)
    done = client.put(
        f"{API}/campaigns/Spring/recording-policy",
        json={"retention_days": 365, "legal_hold": True},
        headers=AUTH,
    )
    assert done.status_code == 200, done.text
    assert (done.json()["effective"]["retention_days"], done.json()["queue"]) == (365, "Sales")
    spring = in_force(store, "Sales", "Spring")
    assert (spring.retention_days, spring.legal_hold) == (365, True)
    assert in_force(store, "Sales").retention_days == 60


@pytest.mark.parametrize(
    ("layer", "field", "says"),
    [
        ({"mode": "sometimes"}, "mode", "'sometimes' is not one of"),
        ({"channels": "stereo", "retention_days": 0}, "retention_days", "1 to 36500"),
        ({"colour": "red"}, "colour", "not a recording setting"),
        ({"path_template": "{tenant}/{date}"}, "path_template", "{interaction}"),
    ],
)
def test_given_a_bad_value_then_it_is_refused_naming_the_field_and_nothing_changes(
    client: TestClient, store: Store, layer: dict[str, Any], field: str, says: str
) -> None:
    client.put(f"{API}/queues/Sales/recording-policy", json={"mode": "never"}, headers=AUTH)
    before, events_before = stored_layers(store), policy_events(store)

    refused = client.put(f"{API}/queues/Sales/recording-policy", json=layer, headers=AUTH)

    assert refused.status_code == 422
    body = refused.json()
    assert (body["code"], body["field"]) == ("invalid", field)
    assert body["message"].startswith(f"{field}: ") and says in body["message"]
    assert stored_layers(store) == before == {("queue", ids(store)["Sales"]): {"mode": "never"}}
    assert policy_events(store) == events_before
    assert in_force(store, "Sales").mode == "never"


def test_given_a_bad_mode_then_the_accepted_values_are_listed(client: TestClient) -> None:
    refused = client.put(f"{API}/recording-policy", json={"mode": "sometimes"}, headers=AUTH)
    assert refused.json()["accepted"] == ["all", "sampled", "on_demand", "never"]


def test_given_a_body_that_is_not_a_mapping_then_it_is_an_invalid_request(
    client: TestClient, store: Store
) -> None:
    refused = client.put(f"{API}/recording-policy", json=["mode", "all"], headers=AUTH)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid-request")
    assert stored_layers(store) == {}


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("put", f"{API}/queues/Nope/recording-policy", "no-such-queue"),
        ("delete", f"{API}/queues/Nope/recording-policy", "no-such-queue"),
        ("put", f"{API}/campaigns/Nope/recording-policy", "no-such-campaign"),
        ("delete", f"{API}/campaigns/Nope/recording-policy", "no-such-campaign"),
        ("put", "/api/v1/tenants/nope/recording-policy", "no-such-tenant"),
        ("get", "/api/v1/tenants/nope/recording-policy", "no-such-tenant"),
    ],
)
def test_given_an_unknown_tenant_queue_or_campaign_then_404_with_its_code(
    client: TestClient, store: Store, method: str, path: str, code: str
) -> None:
    kwargs: dict[str, Any] = {"json": {"mode": "never"}} if method == "put" else {}
    missing = client.request(method.upper(), path, headers=AUTH, **kwargs)
    assert (missing.status_code, missing.json()["code"]) == (404, code)
    assert stored_layers(store) == {}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{API}/recording-policy"),
        ("PUT", f"{API}/recording-policy"),
        ("PUT", f"{API}/queues/Sales/recording-policy"),
        ("DELETE", f"{API}/queues/Sales/recording-policy"),
        ("PUT", f"{API}/campaigns/Spring/recording-policy"),
    ],
)
def test_given_no_admin_token_then_refused_and_nothing_changes(
    client: TestClient, store: Store, method: str, path: str
) -> None:
    client.put(f"{API}/queues/Sales/recording-policy", json={"mode": "never"}, headers=AUTH)
    before = stored_layers(store)
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        kwargs: dict[str, Any] = {"json": {"mode": "all"}} if method == "PUT" else {}
        refused = client.request(method, path, headers=headers, **kwargs)
        assert (refused.status_code, refused.json()["code"]) == (401, "not-authenticated")
    assert stored_layers(store) == before


def test_given_a_queue_override_when_deleted_then_the_tenant_default_applies_again(
    client: TestClient, store: Store
) -> None:
    client.put(f"{API}/recording-policy", json={"mode": "on_demand"}, headers=AUTH)
    client.put(f"{API}/queues/Sales/recording-policy", json={"mode": "all"}, headers=AUTH)
    assert in_force(store, "Sales").mode == "all"

    cleared = client.delete(f"{API}/queues/Sales/recording-policy", headers=AUTH)

    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["removed"], cleared.json()["settings"]) == (True, None)
    assert cleared.json()["effective"]["mode"] == "on_demand"
    assert in_force(store, "Sales").mode == "on_demand"
    assert stored_layers(store) == {("tenant", 0): {"mode": "on_demand"}}
    again = client.delete(f"{API}/queues/Sales/recording-policy", headers=AUTH)
    assert (again.status_code, again.json()["removed"]) == (200, False)
    assert [e["kind"] for e in policy_events(store)] == [
        "recording.policy_set", "recording.policy_set", "recording.policy_cleared",
    ]  # fmt: skip
    assert policy_events(store)[-1]["settings"] == {"mode": "all"}  # what was removed


def test_given_a_tenant_default_when_deleted_then_the_built_in_defaults_apply(
    client: TestClient, store: Store
) -> None:
    client.put(f"{API}/recording-policy", json={"mode": "never"}, headers=AUTH)
    assert client.delete(f"{API}/recording-policy", headers=AUTH).json()["removed"] is True
    assert in_force(store, "Sales") == RecordingPolicy()


def test_put_replaces_the_layer_as_a_whole(client: TestClient, store: Store) -> None:
    client.put(f"{API}/recording-policy", json={"mode": "never", "format": "wav"}, headers=AUTH)
    client.put(f"{API}/recording-policy", json={"retention_days": 7}, headers=AUTH)
    assert stored_layers(store) == {("tenant", 0): {"retention_days": 7}}
    assert in_force(store).mode == "all"
