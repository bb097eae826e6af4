"""The HTTP API through an in-process ASGI client: health, docs, auth and error codes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from centralita.config import load_settings
from centralita.web.app import create_app

TOKEN = "test-admin-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(store):
    settings = load_settings(environ={"CENTRALITA_ADMIN_TOKEN": TOKEN})
    with TestClient(create_app(settings, store)) as test_client:
        yield test_client


def test_health_reports_ok_and_the_database_backend(client, store):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == store.engine.dialect.name


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/tenants/{tenant}/queues" in paths


def test_unknown_route_is_a_json_error_with_a_code(client):
    response = client.get("/no/such/page")
    assert (response.status_code, response.json()["code"]) == (404, "no-such-route")


def test_admin_api_needs_the_token(client):
    assert client.get("/api/v1/tenants").json()["code"] == "not-authenticated"
    wrong = client.get("/api/v1/tenants", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_admin_api_is_closed_without_a_configured_token(store):
    with TestClient(create_app(load_settings(environ={}), store)) as closed:
        response = closed.get("/api/v1/tenants", headers=AUTH)
    assert (response.status_code, response.json()["code"]) == (403, "api-closed")


def test_given_tenant_when_queue_created_then_it_reads_back_and_missing_ones_are_coded(client):
    assert (
        client.post(
            "/api/v1/tenants", json={"slug": "acme", "name": "Acme"}, headers=AUTH
        ).status_code
        == 201
    )
    created = client.post(
        "/api/v1/tenants/acme/queues",
        headers=AUTH,
        json={"name": "Sales", "strategy": "round_robin"},
    )
    assert created.status_code == 201, created.text
    got = client.get("/api/v1/tenants/acme/queues/Sales", headers=AUTH).json()
    assert (got["name"], got["strategy"]) == ("Sales", "round_robin")
    missing = client.get("/api/v1/tenants/acme/queues/Support", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "no-such-queue",
        "message": missing.json()["message"],
        "tenant_id": got["tenant_id"],
        "name": "Support",
    }
    assert client.get("/api/v1/tenants/nope/queues", headers=AUTH).json()["code"] == (
        "no-such-tenant"
    )


def test_given_bad_queue_body_then_invalid_request_names_the_field_and_nothing_is_stored(
    client,
):
    client.post("/api/v1/tenants", json={"slug": "acme", "name": "Acme"}, headers=AUTH)
    response = client.post(
        "/api/v1/tenants/acme/queues", headers=AUTH, json={"name": "Sales", "priority": 11}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid-request"
    assert body["errors"][0]["field"] == "priority"
    assert "priority" in body["message"]
    unknown = client.post(
        "/api/v1/tenants/acme/queues", headers=AUTH, json={"name": "Sales", "colour": "red"}
    )
    assert unknown.json()["errors"][0]["field"] == "colour"
    assert client.get("/api/v1/tenants/acme/queues", headers=AUTH).json() == []


def test_duplicate_is_409_already_exists(client):
    client.post("/api/v1/tenants", json={"slug": "acme", "name": "Acme"}, headers=AUTH)
    again = client.post("/api/v1/tenants", json={"slug": "acme", "name": "Acme"}, headers=AUTH)
    assert (again.status_code, again.json()["code"]) == (409, "already-exists")


def test_contact_found_by_phone_and_events_list_the_tenants_log(client):
    client.post("/api/v1/tenants", json={"slug": "acme", "name": "Acme"}, headers=AUTH)
    contact = client.post(
        "/api/v1/tenants/acme/contacts",
        headers=AUTH,
        json={"name": "María", "phones": ["+573001234567"], "segment": "vip"},
    ).json()
    found = client.get(
        "/api/v1/tenants/acme/contacts", params={"phone": "+573001234567"}, headers=AUTH
    ).json()
    assert [c["id"] for c in found] == [contact["id"]]
    bad = client.post(
        "/api/v1/tenants/acme/contacts", headers=AUTH, json={"name": "X", "phones": ["not a phone"]}
    )
    assert bad.json()["errors"][0]["field"] == "phones.0"
    kinds = [e["kind"] for e in client.get("/api/v1/tenants/acme/events", headers=AUTH).json()]
    assert kinds == ["tenant.created", "contact.created"]
