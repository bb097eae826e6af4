"""Actions write their rows and one event together, and refuse bad input writing nothing."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from centralita.errors import Invalid
from centralita.passwords import verify_password
from centralita.schemas import CampaignSpec, ContactSpec, QueueSpec
from centralita.store import actions, events
from centralita.store.actions.base import AlreadyExists, NoSuchQueue, NoSuchTenant
from centralita.store.actions.contacts import contacts_by_phone
from centralita.store.actions.routing import campaign_for_number
from centralita.store.models import Base, Campaign, ContactPhone, Event, Queue, User
from support import T0

KW = {"at": T0, "actor": "test"}


def _count(store, model: type[Base]) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def tenant_id(store) -> int:
    with store.transaction() as tx:
        return actions.do_create_tenant(tx, slug="acme", name="Acme", **KW).id


def test_given_queue_spec_when_created_then_row_and_event_carry_the_policy(store, tenant_id):
    with store.transaction() as tx:
        actions.do_create_queue(tx, tenant_id=tenant_id, spec=QueueSpec(name="Tier 2"), **KW)
        queue = actions.do_create_queue(
            tx,
            tenant_id=tenant_id,
            **KW,
            spec=QueueSpec(
                name="Sales",
                strategy="ring_all",
                max_wait_seconds=60,
                overflow_queue="Tier 2",
                settings={"skills": {"sales": 3}},
            ),
        )
    with store.read() as session:
        row = session.get(Queue, queue.id)
        tier2 = session.scalars(select(Queue).where(Queue.name == "Tier 2")).one()
        assert (row.strategy, row.max_wait_seconds, row.overflow_queue_id) == (
            "ring_all",
            60,
            tier2.id,
        )
        assert row.settings == {"skills": {"sales": 3}}
        created = [e for e in events.read(session) if e.kind == "queue.created"]
    assert [e.payload["name"] for e in created] == ["Tier 2", "Sales"]
    assert created[1].payload["overflow_queue"] == "Tier 2"
    assert created[1].tenant_id == tenant_id


def test_given_overflow_to_unknown_queue_then_no_such_queue_and_nothing_written(store, tenant_id):
    before = _count(store, Event)
    with pytest.raises(NoSuchQueue) as caught, store.transaction() as tx:
        actions.do_create_queue(
            tx,
            tenant_id=tenant_id,
            **KW,
            spec=QueueSpec(name="Sales", max_wait_seconds=30, overflow_queue="Nowhere"),
        )
    assert caught.value.to_dict()["code"] == "no-such-queue"
    assert caught.value.to_dict()["name"] == "Nowhere"
    assert _count(store, Queue) == 0
    assert _count(store, Event) == before


def test_given_duplicate_queue_name_then_already_exists_and_first_queue_kept(store, tenant_id):
    with store.transaction() as tx:
        actions.do_create_queue(tx, tenant_id=tenant_id, spec=QueueSpec(name="Sales"), **KW)
    with pytest.raises(AlreadyExists) as caught, store.transaction() as tx:
        actions.do_create_queue(tx, tenant_id=tenant_id, spec=QueueSpec(name="Sales"), **KW)
    assert caught.value.to_dict() == {
        "code": "already-exists",
        "message": "queue already exists: name='Sales'",
        "entity": "queue",
        "name": "Sales",
    }
    assert _count(store, Queue) == 1


def test_queue_spec_names_the_bad_field():
    with pytest.raises(ValidationError) as caught:
        QueueSpec(name="Sales", strategy="fastest")
    assert caught.value.errors()[0]["loc"] == ("strategy",)
    with pytest.raises(ValidationError, match="overflow_queue or overflow_destination"):
        QueueSpec(name="Sales", when_no_agents="overflow")


def test_given_campaign_with_numbers_then_dialed_number_finds_it_and_reuse_is_refused(
    store, tenant_id
):
    spec = CampaignSpec(name="Soporte", direction="inbound", numbers=["6015550200"])
    with store.transaction() as tx:
        actions.do_create_campaign(tx, tenant_id=tenant_id, spec=spec, **KW)
    with store.transaction() as tx:
        found = campaign_for_number(tx, "6015550200")
        assert found is not None and found.name == "Soporte"
        assert campaign_for_number(tx, "6015550999") is None
        other = actions.do_create_tenant(tx, slug="globex", name="Globex", **KW).id
    with pytest.raises(AlreadyExists, match="number='6015550200'"), store.transaction() as tx:
        actions.do_create_campaign(
            tx,
            tenant_id=other,
            **KW,
            spec=CampaignSpec(name="Robada", direction="inbound", numbers=["6015550200"]),
        )
    assert _count(store, Campaign) == 1


def test_given_contacts_of_two_tenants_then_phone_lookup_sees_only_its_tenant(store, tenant_id):
    with store.transaction() as tx:
        other = actions.do_create_tenant(tx, slug="globex", name="Globex", **KW).id
        mine = actions.do_create_contact(
            tx,
            tenant_id=tenant_id,
            **KW,
            spec=ContactSpec(name="María", phones=["+573001234567", "+573001234567", "6014441234"]),
        )
        actions.do_create_contact(
            tx, tenant_id=other, **KW, spec=ContactSpec(name="Otra María", phones=["+573001234567"])
        )
    with store.transaction() as tx:
        found = contacts_by_phone(tx, tenant_id=tenant_id, number="+573001234567")
    assert [c.id for c in found] == [mine.id]
    assert _count(store, ContactPhone) == 3  # the repeated number is stored once


def test_given_user_with_password_then_only_a_hash_is_stored(store, tenant_id):
    with store.transaction() as tx:
        user = actions.do_create_user(
            tx,
            tenant_id=tenant_id,
            username="ana",
            display_name="Ana",
            role="agent",
            password="s3cret-pass",
            **KW,
        )
    with store.read() as session:
        stored = session.get(User, user.id).password_hash
        logged = [e.payload for e in events.read(session) if e.kind == "user.created"]
    assert "s3cret-pass" not in stored and verify_password(stored, "s3cret-pass")
    assert not verify_password(stored, "wrong")
    assert "s3cret-pass" not in repr(logged)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("role", {"role": "boss"}),
        ("username", {"username": "a b"}),
        ("password", {"password": "short"}),
    ],
)
def test_given_bad_user_input_then_invalid_names_the_field(store, tenant_id, field, kwargs):
    args = {"username": "ana", "display_name": "Ana", "role": "agent", "password": None}
    with pytest.raises(Invalid) as caught, store.transaction() as tx:
        actions.do_create_user(tx, tenant_id=tenant_id, **{**args, **kwargs}, **KW)
    assert caught.value.to_dict()["field"] == field
    assert _count(store, User) == 0


def test_given_unknown_tenant_then_no_such_tenant(store):
    with pytest.raises(NoSuchTenant) as caught, store.transaction() as tx:
        actions.do_create_skill(tx, tenant_id=999, name="ventas", **KW)
    assert caught.value.to_dict()["code"] == "no-such-tenant"


def test_given_interaction_then_wrapup_is_linked_and_both_are_logged(store, tenant_id):
    with store.transaction() as tx:
        user = actions.do_create_user(
            tx,
            tenant_id=tenant_id,
            username="ana",
            display_name="Ana",
            role="agent",
            password=None,
            **KW,
        )
        disposition = actions.do_create_disposition(
            tx, tenant_id=tenant_id, code="sale", label_en="Sale", label_es="Venta", **KW
        )
        actions.do_record_interaction(
            tx,
            interaction_id="i-1",
            tenant_id=tenant_id,
            channel="voice",
            direction="inbound",
            ani="3001",
            dnis="6015550100",
            **KW,
        )
        actions.do_record_wrapup(
            tx,
            interaction_id="i-1",
            agent_id=user.id,
            disposition_id=disposition.id,
            notes="Plan Hogar",
            **KW,
        )
    with store.read() as session:
        logged = [(e.kind, e.interaction_id) for e in events.read(session) if e.interaction_id]
        wrap = next(e for e in events.read(session) if e.kind == "interaction.wrapped_up")
    assert logged == [("interaction.arrived", "i-1"), ("interaction.wrapped_up", "i-1")]
    assert (wrap.agent_id, wrap.payload["notes"]) == (user.id, "Plan Hogar")
