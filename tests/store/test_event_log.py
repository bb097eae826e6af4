"""The event log is append-only, and events are published only after their commit."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from centralita.store import actions, events
from centralita.store.actions.base import AlreadyExists
from centralita.store.models import Event
from support import T0


def _one_event(store):
    with store.transaction() as tx:
        actions.do_create_tenant(tx, slug="acme", name="Acme", at=T0, actor="test")


@pytest.mark.parametrize(
    "statement",
    ["UPDATE events SET kind = 'tampered'", "DELETE FROM events"],
    ids=["update", "delete"],
)
def test_given_logged_events_when_changed_in_place_then_the_database_refuses(store, statement):
    _one_event(store)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    with store.read() as session:
        assert [e.kind for e in events.read(session)] == ["tenant.created"]


def test_given_committed_action_then_subscribers_receive_its_events_after_commit(store):
    received: list[list[Event]] = []

    def subscriber(batch):
        # Committed already: a fresh connection sees the rows.
        with store.read() as session:
            assert events.read(session)[-1].kind == batch[-1].kind
        received.append(batch)

    store.subscribe(subscriber)
    _one_event(store)
    assert [[e.kind for e in batch] for batch in received] == [["tenant.created"]]


def test_given_failing_action_then_nothing_is_written_and_nothing_published(store):
    received: list[list[Event]] = []
    store.subscribe(received.append)
    _one_event(store)
    with pytest.raises(AlreadyExists), store.transaction() as tx:
        actions.do_create_tenant(tx, slug="globex", name="Globex", at=T0, actor="test")
        actions.do_create_tenant(tx, slug="acme", name="Acme again", at=T0, actor="test")
    with store.read() as session:
        assert [e.payload["slug"] for e in events.read(session)] == ["acme"]
    assert len(received) == 1


def test_events_stream_in_log_order_across_batches(store):
    with store.transaction() as tx:
        for i in range(25):
            actions.do_create_tenant(tx, slug=f"t{i}", name=f"T{i}", at=T0, actor="test")
    with store.read() as session:
        slugs = [e.payload["slug"] for e in events.stream(session, batch=7)]
    assert slugs == [f"t{i}" for i in range(25)]


def test_an_unsubscribed_subscriber_receives_nothing_more(store):
    received: list[list[Event]] = []
    unsubscribe = store.subscribe(received.append)
    _one_event(store)
    unsubscribe()
    unsubscribe()  # twice is harmless
    with store.transaction() as tx:
        actions.do_create_tenant(tx, slug="globex", name="Globex", at=T0, actor="test")
    assert [[e.kind for e in batch] for batch in received] == [["tenant.created"]]
