"""A process killed with SIGKILL mid-stream leaves no partial action in the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter

import pytest
from sqlalchemy import func, select

from centralita.store import events
from centralita.store.db import Store
from centralita.store.models import Contact, ContactPhone
from support import wait_for

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from centralita.schemas import ContactSpec
    from centralita.store import actions
    from centralita.store.db import Store

    store = Store.from_url(sys.argv[1])
    with store.transaction() as tx:
        tenant_id = actions.do_create_tenant(tx, slug="crash", name="Crash", at=datetime.now(UTC),
                                             actor="writer").id
    i = 0
    while True:  # until killed: each action = 1 contact + 3 phones + 1 event
        i += 1
        with store.transaction() as tx:
            actions.do_create_contact(tx, tenant_id=tenant_id, at=datetime.now(UTC),
                                      actor="writer", spec=ContactSpec(
                name=f"Contact {i}", phones=[f"+57300{i:07d}", f"+57310{i:07d}",
                                             f"+57320{i:07d}"]))
    """
)


@pytest.mark.slow
def test_given_writer_killed_with_sigkill_then_every_action_is_whole_or_absent(migrated_url):
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, migrated_url],
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    store = Store.from_url(migrated_url)
    try:

        def contacts_written() -> int:
            assert writer.poll() is None, writer.stderr.read().decode() if writer.stderr else ""
            with store.read() as session:
                return session.scalar(select(func.count()).select_from(Contact)) or 0

        wait_for(lambda: contacts_written() >= 200, timeout=60, what="the writer's actions")
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=10) == -signal.SIGKILL

        with store.read() as session:
            contacts = {c.id: c.name for c in session.scalars(select(Contact))}
            phones = Counter(p.contact_id for p in session.scalars(select(ContactPhone)))
            logged = [e for e in events.read(session, limit=10**6) if e.kind == "contact.created"]
        assert len(contacts) >= 200
        assert set(phones) == set(contacts), "a contact without its phones, or phones alone"
        assert set(phones.values()) == {3}
        assert sorted(e.payload["id"] for e in logged) == sorted(contacts)
        assert {e.payload["name"] for e in logged} == set(contacts.values())
    finally:
        if writer.poll() is None:
            writer.kill()
        if writer.stderr:
            writer.stderr.close()
        store.dispose()
