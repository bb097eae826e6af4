"""Recording actions, retention purge and legal hold, with the clock passed in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from centralita.app.recording_purge import purge
from centralita.recording.policy import resolve
from centralita.recording.storage import LocalStorage
from centralita.store import actions, events
from centralita.store.actions import recordings as rec
from centralita.store.actions.base import AlreadyExists
from centralita.store.db import Store
from centralita.store.models import Recording
from support import T0

KW = {"at": T0, "actor": "test"}


@pytest.fixture
def tenant_id(store: Store) -> int:
    with store.transaction() as tx:
        return actions.do_create_tenant(tx, slug="acme", name="Acme", **KW).id


def make(store: Store, storage: LocalStorage, tmp: Path, tenant_id: int, name: str, *,
         hold: bool = False, days: int = 10) -> int:  # fmt: skip
    policy = resolve(tenant={"retention_days": days, "legal_hold": hold})
    source = tmp / f"{name}.wav"
    source.write_bytes(b"RIFF....WAVE" + name.encode())
    key = f"acme/{name}.wav"
    size = storage.put(key, source)
    with store.transaction() as tx:
        row = rec.do_start_recording(
            tx, tenant_id=tenant_id, interaction_id=name, started_at=T0, policy=policy, **KW
        )
        rec.do_complete_recording(
            tx, recording_id=row.id, key=key, duration=3.0, size=size, sha256="0" * 64,
            paused=[(1.0, 1.5)], at=T0,
        )  # fmt: skip
        return row.id


def test_given_recordings_past_retention_then_purge_deletes_them_but_never_under_legal_hold(
    store: Store, tenant_id: int, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "recordings")
    short = make(store, storage, tmp_path, tenant_id, "short", days=10)
    long_ = make(store, storage, tmp_path, tenant_id, "long", days=30)
    held = make(store, storage, tmp_path, tenant_id, "held", days=10, hold=True)
    released = make(store, storage, tmp_path, tenant_id, "released", days=10, hold=True)
    with store.transaction() as tx:
        rec.do_set_legal_hold(tx, recording_id=released, hold=False, **KW)

    early = purge(store, storage, now=T0 + timedelta(days=9, hours=23))
    assert early.purged == [] and early.held == []
    result = purge(store, storage, now=T0 + timedelta(days=10))
    assert sorted(result.purged) == sorted([short, released])
    assert result.held == [held] and result.errors == {}
    assert not storage.exists("acme/short.wav") and not storage.exists("acme/released.wav")
    assert storage.exists("acme/held.wav") and storage.exists("acme/long.wav")
    with store.read() as session:
        states = dict(session.execute(select(Recording.id, Recording.state)).all())
        logged = [e for e in events.read(session) if e.kind == "recording.purged"]
    assert states == {short: "purged", long_: "complete", held: "complete", released: "purged"}
    assert sorted(e.payload["recording_id"] for e in logged) == sorted([short, released])
    assert {e.payload["key"] for e in logged} == {"acme/short.wav", "acme/released.wav"}
    assert {e.actor for e in logged} == {"retention"}
    # a second run finds nothing more to do
    again = purge(store, storage, now=T0 + timedelta(days=10))
    assert again.purged == [] and again.held == [held]
    with store.transaction() as tx, pytest.raises(rec.UnderLegalHold):
        rec.do_purge_recording(tx, recording_id=held, **KW)


def test_given_a_file_that_cannot_be_deleted_then_the_row_stays_to_retry(
    store: Store, tenant_id: int, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "recordings")
    row_id = make(store, storage, tmp_path, tenant_id, "stuck")
    (tmp_path / "recordings" / "acme" / "stuck.wav").unlink()
    (tmp_path / "recordings" / "acme" / "stuck.wav").mkdir()  # unlink() fails on it
    result = purge(store, storage, now=T0 + timedelta(days=11))
    assert list(result.errors) == [row_id] and result.purged == []
    with store.read() as session:
        assert session.get(Recording, row_id).state == "complete"  # type: ignore[union-attr]


def test_tags_legal_hold_and_accesses_each_write_one_event(
    store: Store, tenant_id: int, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "recordings")
    row_id = make(store, storage, tmp_path, tenant_id, "tagged")
    with store.transaction() as tx:
        rec.do_tag_recording(tx, recording_id=row_id, tag=" VIP ", source="agent", **KW)
        rec.do_tag_recording(tx, recording_id=row_id, tag="dispute", source="analyst", **KW)
    with store.transaction() as tx, pytest.raises(AlreadyExists):
        rec.do_tag_recording(tx, recording_id=row_id, tag="vip", source="analyst", **KW)
    with store.transaction() as tx:
        row = tx.session.get(Recording, row_id)
        rec.do_record_recording_access(
            tx, recording=row, tenant_id=None, user_id=1, role="agent", action="play",
            allowed=False, at=T0,
        )  # fmt: skip
    with store.read() as session:
        kinds = [e.kind for e in events.read(session) if e.kind.startswith("recording.")]
        [refused] = [e for e in events.read(session) if e.kind == "recording.access_refused"]
    assert kinds == [
        "recording.started", "recording.completed", "recording.tagged", "recording.tagged",
        "recording.access_refused",
    ]  # fmt: skip
    assert (refused.actor, refused.payload["action"]) == ("user:1", "play")


def test_policy_layers_are_stored_and_resolved_per_queue_and_campaign(
    store: Store, tenant_id: int
) -> None:
    with store.transaction() as tx:
        rec.do_set_recording_policy(
            tx, tenant_id=tenant_id, scope="tenant", settings={"mode": "sampled",
            "sample_share": 0.5}, **KW,
        )  # fmt: skip
        rec.do_set_recording_policy(
            tx, tenant_id=tenant_id, scope="campaign", scope_id=7,
            settings={"retention_days": 400}, **KW,
        )  # fmt: skip
    with store.read() as session:
        plain = rec.policy_for(session, tenant_id=tenant_id, queue_id=None, campaign_id=None)
        sales = rec.policy_for(session, tenant_id=tenant_id, queue_id=3, campaign_id=7)
    assert (plain.mode, plain.retention_days) == ("sampled", 90)
    assert (sales.mode, sales.sample_share, sales.retention_days) == ("sampled", 0.5, 400)


def test_cli_purge_takes_the_instant_and_reports_what_it_kept(
    migrated_url: str, tmp_path: Path
) -> None:
    from centralita.cli.main import app

    store = Store.from_url(migrated_url)
    try:
        with store.transaction() as tx:
            tenant_id = actions.do_create_tenant(tx, slug="acme", name="Acme", **KW).id
        storage = LocalStorage(tmp_path / "data" / "recordings")
        make(store, storage, tmp_path, tenant_id, "old")
        make(store, storage, tmp_path, tenant_id, "kept", hold=True)
    finally:
        store.dispose()
    env = {"CENTRALITA_DATABASE_URL": migrated_url, "CENTRALITA_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    later = (T0 + timedelta(days=30)).isoformat()
    dry = runner.invoke(app, ["recordings", "purge", "--now", later, "--dry-run"], env=env)
    assert dry.exit_code == 0 and "would purge 1 recording(s); 1 expired" in dry.output
    assert storage.exists("acme/old.wav")
    done = runner.invoke(app, ["recordings", "purge", "--now", later], env=env)
    assert done.exit_code == 0, done.output
    assert "purged 1 recording(s); 1 expired but under legal hold kept" in done.output
    assert not storage.exists("acme/old.wav") and storage.exists("acme/kept.wav")
    naive = runner.invoke(app, ["recordings", "purge", "--now", "2026-03-02T13:00"], env=env)
    assert naive.exit_code == 2
