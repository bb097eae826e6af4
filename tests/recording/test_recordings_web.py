"""Recordings over HTTP: search by date and tag, play and download only for the roles
that may listen, every access and every refusal in the event log, and the contact's
history linking its recordings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from centralita.clock import utcnow
from centralita.demo import DEMO_PASSWORD, DEMO_TENANT, seed_demo
from centralita.recording.policy import resolve
from centralita.recording.storage import LocalStorage
from centralita.store import actions, events
from centralita.store.actions import recordings as rec
from centralita.store.db import Store
from centralita.store.models import Contact, Event, Tenant, User
from web.live_server import LiveServer, serve


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def seeded(store: Store, data_dir: Path, tmp_path: Path) -> dict[str, int]:
    """The demo company with two recordings: one today tagged `dispute`, one 40 days ago."""
    seed_demo(store)
    storage = LocalStorage(data_dir / "recordings")
    now = utcnow()
    ids: dict[str, int] = {}
    with store.transaction() as tx:
        tenant_id = tx.session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
        contact = tx.session.scalars(
            select(Contact).where(Contact.tenant_id == tenant_id).order_by(Contact.id)
        ).first()
        assert contact is not None
        ana = tx.session.scalars(select(User.id).where(User.username == "ana")).one()
        for name, started in (
            ("today", now - timedelta(minutes=5)),
            ("old", now - timedelta(days=40)),
        ):
            iid = f"rec-{name}"
            actions.do_record_interaction(
                tx, interaction_id=iid, tenant_id=tenant_id, channel="voice",
                direction="inbound", at=started, actor="test", contact_id=contact.id,
                ani="+573001112233",
            )  # fmt: skip
            source = tmp_path / f"{name}.wav"
            source.write_bytes(b"RIFF" + bytes(range(256)) * 8)
            key = f"demo/{iid}.wav"
            size = storage.put(key, source)
            row = rec.do_start_recording(
                tx, tenant_id=tenant_id, interaction_id=iid, started_at=started,
                policy=resolve(), contact_id=contact.id, agent_id=ana,
                caller_number="+573001112233", at=started, actor="test",
            )  # fmt: skip
            rec.do_complete_recording(
                tx, recording_id=row.id, key=key, duration=12.5, size=size, sha256="a" * 64,
                paused=[(2.0, 4.5)], at=started,
            )  # fmt: skip
            ids[name] = row.id
        ids["contact"] = contact.id
        rec.do_tag_recording(
            tx, recording_id=ids["today"], tag="dispute", source="analyst", at=now, actor="t"
        )
    return ids


@pytest.fixture
def server(store: Store, seeded: dict[str, int], data_dir: Path) -> Iterator[LiveServer]:
    yield from serve(store, CENTRALITA_DATA_DIR=str(data_dir))


@pytest.fixture
def sign_in(server: LiveServer) -> Iterator[object]:
    clients: list[httpx.Client] = []

    def signed(username: str) -> httpx.Client:
        client = httpx.Client(base_url=server.url, follow_redirects=True, timeout=10)
        page = client.get("/login").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]  # type: ignore[index]
        answer = client.post(
            "/login",
            data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token},
        )
        assert answer.status_code == 200
        fresh = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/contacts").text)
        client.headers["X-CSRF-Token"] = fresh[1]  # type: ignore[index]
        clients.append(client)
        return client

    yield signed
    for client in clients:
        client.close()


def logged(store: Store, kind: str) -> list[Event]:
    with store.read() as session:
        return [e for e in events.read(session, limit=10**6) if e.kind == kind]


def today_range(days_back: int = 1) -> dict[str, str]:
    today = utcnow().date()
    return {"from": (today - timedelta(days=days_back)).isoformat(),
            "to": (today + timedelta(days=1)).isoformat()}  # fmt: skip


def test_search_finds_by_date_range_and_tag_and_pages(sign_in, seeded) -> None:  # type: ignore[no-untyped-def]
    analyst = sign_in("calidad")
    recent = analyst.get("/api/v1/recordings", params=today_range()).json()
    assert [r["id"] for r in recent["items"]] == [seeded["today"]]
    assert recent["items"][0]["paused"] == [[2.0, 4.5]]
    assert recent["items"][0]["agent"] == "Ana Restrepo"
    both = analyst.get("/api/v1/recordings", params=today_range(60)).json()
    assert [r["id"] for r in both["items"]] == [seeded["today"], seeded["old"]]
    tagged = analyst.get("/api/v1/recordings", params={**today_range(60), "tag": "Dispute"})
    assert [r["id"] for r in tagged.json()["items"]] == [seeded["today"]]
    paged = analyst.get("/api/v1/recordings", params={**today_range(60), "page_size": 1, "page": 2})
    assert paged.json()["total"] == 2 and [r["id"] for r in paged.json()["items"]] == [
        seeded["old"]
    ]
    short = analyst.get("/api/v1/recordings", params={**today_range(60), "max_seconds": 10})
    assert short.json()["items"] == []
    caller = analyst.get("/api/v1/recordings", params={**today_range(60), "caller": "1112233"})
    assert caller.json()["total"] == 2
    no_dates = analyst.get("/api/v1/recordings")
    assert no_dates.status_code == 422 and no_dates.json()["field"] == "from"
    page = analyst.get("/recordings", params={**today_range(60), "tag": "dispute"})
    assert page.status_code == 200 and f'href="/recordings/{seeded["today"]}"' in page.text


@pytest.mark.parametrize("username", ["ana", "cliente"])
def test_a_role_that_may_not_listen_gets_403_and_the_refusal_is_audited(
    sign_in,
    store,
    seeded,
    username,  # type: ignore[no-untyped-def]
) -> None:
    client = sign_in(username)
    assert client.get("/api/v1/recordings", params=today_range()).status_code == 403
    play = client.get(f"/recordings/{seeded['today']}/audio")
    assert play.status_code == 403 and play.json()["code"] == "forbidden"
    assert client.get(f"/recordings/{seeded['today']}/download").status_code == 403
    refused = logged(store, "recording.access_refused")
    assert [(e.payload["action"], e.payload.get("recording_id")) for e in refused] == [
        ("search", None), ("play", seeded["today"]), ("download", seeded["today"]),
    ]  # fmt: skip
    assert {e.payload["role"] for e in refused} == {
        "agent" if username == "ana" else "client_viewer"
    }
    assert logged(store, "recording.accessed") == []


def test_play_seek_and_download_for_a_listener_each_logged_once(sign_in, store, seeded) -> None:  # type: ignore[no-untyped-def]
    supervisor = sign_in("supervisora")
    rid = seeded["today"]
    page = supervisor.get(f"/recordings/{rid}")
    assert page.status_code == 200 and f'src="/recordings/{rid}/audio"' in page.text
    play = supervisor.get(f"/recordings/{rid}/audio")
    assert play.status_code == 200 and play.headers["content-type"] == "audio/wav"
    assert play.content.startswith(b"RIFF") and play.headers["accept-ranges"] == "bytes"
    seek = supervisor.get(f"/recordings/{rid}/audio", headers={"Range": "bytes=1000-1099"})
    assert seek.status_code == 206 and len(seek.content) == 100
    down = supervisor.get(f"/recordings/{rid}/download")
    assert down.status_code == 200 and "attachment" in down.headers["content-disposition"]
    accessed = logged(store, "recording.accessed")
    assert [(e.payload["action"], e.payload["recording_id"]) for e in accessed] == [
        ("play", rid), ("download", rid),
    ]  # fmt: skip
    assert supervisor.get("/recordings/999999/audio").status_code == 404
    assert logged(store, "recording.access_refused")[-1].payload["recording_id"] == 999999


def test_an_analyst_tags_a_recording_and_the_contact_history_links_it(
    sign_in, store, seeded
) -> None:  # type: ignore[no-untyped-def]
    analyst = sign_in("calidad")
    tagged = analyst.post(f"/api/v1/recordings/{seeded['old']}/tags", json={"tag": "Coaching"})
    assert tagged.status_code == 201
    found = analyst.get("/api/v1/recordings", params={**today_range(60), "tag": "coaching"})
    assert [r["id"] for r in found.json()["items"]] == [seeded["old"]]
    [event] = logged(store, "recording.tagged")[-1:]
    assert event.payload["source"] == "analyst" and event.actor.startswith("user:")
    history = analyst.get(f"/contacts/{seeded['contact']}").text
    assert f'href="/recordings/{seeded["today"]}"' in history
    assert f'href="/recordings/{seeded["old"]}"' in history


def test_the_desktops_recording_controls_are_for_agents_and_need_a_recording_center(
    sign_in,  # type: ignore[no-untyped-def]
) -> None:
    """Without the voice adapter (this server answers no calls) an agent is told the
    center does not record; other roles may not use the agent's controls at all.
    (The controls on a real call: tests/app/test_recording_desktop.py.)"""
    supervisor = sign_in("supervisora")
    assert supervisor.get("/desktop/recording").status_code == 403
    assert supervisor.post("/desktop/recording/start").status_code == 403
    ana = sign_in("ana")
    answer = ana.post("/desktop/recording/start")
    assert answer.status_code == 503 and answer.json()["code"] == "recording-unavailable"
    assert ana.post("/desktop/recording/tag", data={"tag": "x"}).status_code == 503
    without_token = httpx.post(f"{ana.base_url}/desktop/recording/pause", cookies=ana.cookies)
    assert without_token.status_code == 403  # CSRF


def test_legal_hold_is_set_and_released_by_supervisors_only_from_the_page_and_the_api(
    sign_in,  # type: ignore[no-untyped-def]
    store,
    seeded,
) -> None:
    rid = seeded["today"]
    analyst = sign_in("calidad")
    assert 'data-testid="legal-hold-toggle"' not in analyst.get(f"/recordings/{rid}").text
    refused = analyst.post(f"/api/v1/recordings/{rid}/legal-hold", json={"hold": True})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    [audit] = logged(store, "recording.access_refused")
    assert (audit.payload["action"], audit.payload["recording_id"]) == ("legal_hold", rid)

    supervisor = sign_in("supervisora")
    page = supervisor.get(f"/recordings/{rid}").text
    assert 'data-testid="legal-hold-toggle"' in page and 'data-testid="legal-hold"' not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
    held = supervisor.post(f"/recordings/{rid}/legal-hold", data={"hold": "1", "csrf_token": token})
    assert held.status_code == 200 and str(held.url).endswith(f"/recordings/{rid}")
    assert 'data-testid="legal-hold"' in held.text and 'name="hold" value="0"' in held.text
    with store.read() as session:
        sup = session.scalars(select(User.id).where(User.username == "supervisora")).one()
        assert session.get(rec.Recording, rid).legal_hold  # type: ignore[union-attr]
    released = supervisor.post(f"/api/v1/recordings/{rid}/legal-hold", json={"hold": False})
    assert released.json() == {"recording_id": rid, "legal_hold": False}
    changes = logged(store, "recording.legal_hold_set")
    assert [(e.payload["hold"], e.actor) for e in changes] == [
        (True, f"user:{sup}"), (False, f"user:{sup}"),
    ]  # fmt: skip
    no_token = httpx.post(f"{supervisor.base_url}/recordings/{rid}/legal-hold",
                          data={"hold": "1"}, cookies=supervisor.cookies)  # fmt: skip
    assert no_token.status_code == 403 and len(logged(store, "recording.legal_hold_set")) == 2


def test_the_player_draws_the_calls_holds_and_the_pauses_on_its_timeline(
    sign_in,  # type: ignore[no-untyped-def]
    store,
    seeded,
) -> None:
    from centralita.app.journal import record_payload
    from centralita.core.records import InteractionHeld, InteractionResumed

    rid = seeded["today"]
    with store.transaction() as tx:
        row = tx.session.get(rec.Recording, rid)
        start = row.started_at.timestamp()
        for record in (  # as the live center journals them: 3-6 s, and 11 s to the end
            InteractionHeld(start + 3, row.interaction_id),
            InteractionResumed(start + 6, row.interaction_id),
            InteractionHeld(start + 11, row.interaction_id),
        ):
            stored = record_payload(record)
            events.append(tx, stored.kind, stored.at, tenant_id=row.tenant_id,
                          interaction_id=stored.interaction_id, **stored.payload)  # fmt: skip
    page = sign_in("calidad").get(f"/recordings/{rid}").text
    holds = re.findall(r'data-testid="timeline-hold"[^>]*left:([\d.]+)%;width:([\d.]+)%', page)
    pauses = re.findall(r'data-testid="timeline-pause"[^>]*left:([\d.]+)%;width:([\d.]+)%', page)
    assert holds == [("24.0", "24.0"), ("88.0", "12.0")]  # of 12.5 s
    assert pauses == [("16.0", "20.0")]  # paused 2.0-4.5 s
    assert re.search(r'data-testid="holds">3.0–6.0 s 11.0–12.5 s', page)


@pytest.fixture
def failed(store: Store, seeded: dict[str, int]) -> dict[str, int]:
    """A recording of the demo tenant that failed storing today (as the recorder fails
    one: `do_fail_recording`), and another tenant with its own supervisor."""
    now = utcnow()
    with store.transaction() as tx:
        tenant_id = tx.session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
        row = rec.do_start_recording(
            tx, tenant_id=tenant_id, interaction_id="rec-failed", started_at=now,
            policy=resolve(), caller_number="+573004445566", at=now, actor="test",
        )  # fmt: skip
        rec.do_fail_recording(
            tx, recording_id=row.id, stage="store", error="No space left on device", at=now
        )
        other = actions.do_create_tenant(tx, slug="otra", name="Otra S.A.", at=now, actor="t")
        actions.do_create_user(
            tx, tenant_id=other.id, username="otra-supervisora", display_name="Otra",
            role="supervisor", password=DEMO_PASSWORD, at=now, actor="t",
        )  # fmt: skip
    return {**seeded, "failed": row.id}


def test_a_failed_recording_is_found_by_its_state_with_its_stage_and_reason(
    sign_in,  # type: ignore[no-untyped-def]
    failed,
) -> None:
    admin = sign_in("admin")
    found = admin.get("/api/v1/recordings", params={**today_range(), "state": "failed"}).json()
    assert [(r["id"], r["state"]) for r in found["items"]] == [(failed["failed"], "failed")]
    assert found["items"][0]["failure"] == {"stage": "store", "reason": "No space left on device"}
    for other in ("converted", "complete"):
        rows = admin.get("/api/v1/recordings", params={**today_range(), "state": other}).json()
        assert failed["failed"] not in [r["id"] for r in rows["items"]]
        assert [r["failure"] for r in rows["items"]] == [None] * rows["total"]
    every = admin.get("/api/v1/recordings", params=today_range()).json()
    assert {r["id"] for r in every["items"]} == {failed["today"], failed["failed"]}

    page = admin.get("/recordings", params={**today_range(), "state": "failed"}).text
    [row] = re.findall(r'<tr data-recording="(\d+)">(.*?)</tr>', page, re.S)
    assert row[0] == str(failed["failed"])
    assert 'data-state="failed"' in row[1] and 'data-stage="store"' in row[1]
    assert "almacenamiento" in row[1] and "No space left on device" in row[1]  # Spanish
    assert '<option value="failed" selected>' in page
    detail = admin.get(f"/recordings/{failed['failed']}").text
    assert 'data-stage="store"' in detail and "No space left on device" in detail


def test_the_search_page_warns_of_the_tenants_failed_recordings_of_the_last_7_days(
    sign_in,  # type: ignore[no-untyped-def]
    failed,
) -> None:
    admin = sign_in("admin")
    page = admin.get("/recordings").text
    banner = re.search(r'data-testid="failed-banner" data-failed="(\d+)">(.*?)</li>', page, re.S)
    assert banner is not None and banner[1] == "1"
    assert "1 grabación falló en los últimos 7 días" in banner[2]
    href = re.search(r'href="([^"]+)"', banner[2])[1].replace("&amp;", "&")  # type: ignore[index]
    assert "state=failed" in href
    shown = admin.get(href).text
    assert re.findall(r'<tr data-recording="(\d+)">', shown) == [str(failed["failed"])]

    outsider = sign_in("otra-supervisora")
    theirs = outsider.get("/recordings")
    assert theirs.status_code == 200 and 'data-testid="failed-banner"' not in theirs.text
    api = outsider.get("/api/v1/recordings", params={**today_range(), "state": "failed"})
    assert api.json()["items"] == []
    supervisor = sign_in("supervisora")  # the demo tenant's: sees it too
    assert 'data-failed="1"' in supervisor.get("/recordings").text


def test_an_unknown_state_is_refused_naming_the_field_and_the_accepted_states(
    sign_in,  # type: ignore[no-untyped-def]
) -> None:
    analyst = sign_in("calidad")
    answer = analyst.get("/api/v1/recordings", params={**today_range(), "state": "stored"})
    body = answer.json()
    assert answer.status_code == 422 and body["code"] == "invalid" and body["field"] == "state"
    assert body["accepted"] == ["recording", "complete", "converted", "failed", "purged"]
    assert "converted" in body["message"] and "failed" in body["message"]
    assert analyst.get("/recordings", params={"state": "stored"}).status_code == 422
