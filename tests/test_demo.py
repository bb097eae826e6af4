"""The demo company is seeded once, through the actions, with what the issue lists."""

from __future__ import annotations

from sqlalchemy import select

from centralita.demo import DEMO_PASSWORD, DEMO_TENANT, seed_demo
from centralita.passwords import verify_password
from centralita.store import events
from centralita.store.models import Campaign, Disposition, Queue, Tenant, User


def test_given_empty_store_when_seeded_twice_then_demo_exists_once(store):
    assert seed_demo(store) is True
    with store.read() as session:
        count = len(events.read(session, limit=10**6))
    assert seed_demo(store) is False
    with store.read() as session:
        assert len(events.read(session, limit=10**6)) == count
        tenant = session.scalars(select(Tenant).where(Tenant.slug == DEMO_TENANT)).one()
        queues = set(session.scalars(select(Queue.name).where(Queue.tenant_id == tenant.id)))
        roles = {u.role for u in session.scalars(select(User))}
        agent = session.scalars(select(User).where(User.username == "ana")).one()
        campaigns = list(session.scalars(select(Campaign)))
        dispositions = session.scalars(select(Disposition)).all()
    assert {"Ventas", "Soporte", "Cobranzas"} <= queues
    assert roles == {"agent", "supervisor", "administrator", "quality_analyst", "client_viewer"}
    assert verify_password(agent.password_hash, DEMO_PASSWORD)
    assert all(c.form for c in campaigns) and len(dispositions) >= 9
