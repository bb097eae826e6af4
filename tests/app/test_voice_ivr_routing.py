"""The skills an IVR flow sets decide who is offered the call: `LiveCenter.arrive` joins
them to the queue's (every skill of either, the higher level where both name one), and
the queue's relaxation steps still apply to the whole requirement. On the demo company:
Ventas requires ventas:1; ana has ventas 5, carlos ventas 3 and ingles 4, gloria ventas 2."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from centralita.app.center import LiveCenter
from centralita.app.directory import load_directory
from centralita.core import RelaxStep
from centralita.core.commands import OfferToAgent
from centralita.core.events import AgentLoggedIn, Tick
from centralita.demo import DEMO_TENANT
from centralita.store import events
from centralita.store.db import Store
from centralita.store.models import Tenant, User
from support import SteppingClock


@pytest.fixture
def store(sqlite_demo_file: Path, tmp_path: Path):
    path = tmp_path / "centralita.db"
    shutil.copyfile(sqlite_demo_file, path)
    the_store = Store.from_url(f"sqlite:///{path}")
    yield the_store
    the_store.dispose()


def _center(store: Store, *, relax: tuple[RelaxStep, ...] = ()):
    with store.read() as session:
        tenant_id = session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
        users = {u.username: str(u.id) for u in session.scalars(select(User))}
        directory = load_directory(session, [tenant_id])
    ventas = directory.queue_by_name[(tenant_id, "Ventas")]
    directory.queues = [
        dataclasses.replace(q, relax=relax) if q.id == ventas else q for q in directory.queues
    ]
    clock = SteppingClock()
    center = LiveCenter(store, directory, clock=clock)
    offers: list[tuple[str, str]] = []
    center.listen(
        lambda commands: offers.extend(
            (c.interaction_id, c.agent_id) for c in commands if isinstance(c, OfferToAgent)
        )
    )
    return center, clock, tenant_id, users, offers


def _log_in(center: LiveCenter, clock: SteppingClock, users: dict[str, str], *names: str) -> None:
    for name in names:  # the first logged in has been idle longest: offered first
        center.handle(AgentLoggedIn(users[name]))
        clock.now += 1


def _queued_skills(store: Store, interaction_id: str) -> list[list[object]]:
    with store.read() as session:
        [queued] = [
            e
            for e in events.read(session, limit=10**6)
            if e.kind == "acd.interaction_queued" and e.interaction_id == interaction_id
        ]
    return [list(pair) for pair in queued.payload["skills"]]


def test_given_flow_requires_ingles_3_then_only_the_agent_with_it_is_offered_the_call(
    store: Store,
) -> None:
    center, clock, tenant_id, users, offers = _center(store)
    _log_in(center, clock, users, "ana", "gloria", "carlos")
    center.arrive(
        interaction_id="ivr-1", tenant_id=tenant_id, queue="Ventas", skills=(("ingles", 3),)
    )
    assert offers == [("ivr-1", users["carlos"])]  # not ana, idle longest
    assert _queued_skills(store, "ivr-1") == [["ingles", 3], ["ventas", 1]]
    # without the flow's skills the queue's own decide: ana, idle longest
    center.arrive(interaction_id="plain", tenant_id=tenant_id, queue="Ventas")
    assert offers[-1] == ("plain", users["ana"])


def test_given_flow_asks_a_higher_level_of_the_queues_skill_then_the_higher_level_rules(
    store: Store,
) -> None:
    center, clock, tenant_id, users, offers = _center(store)
    _log_in(center, clock, users, "carlos", "gloria", "ana")
    center.arrive(
        interaction_id="ivr-2", tenant_id=tenant_id, queue="Ventas", skills=(("ventas", 4),)
    )
    assert offers == [("ivr-2", users["ana"])]  # carlos (ventas 3) is idle longer
    assert _queued_skills(store, "ivr-2") == [["ventas", 4]]


def test_given_nobody_holds_the_flows_skill_then_the_queues_relaxation_still_frees_the_call(
    store: Store,
) -> None:
    center, clock, tenant_id, users, offers = _center(store, relax=(RelaxStep(30.0, 0),))
    _log_in(center, clock, users, "ana")
    center.arrive(
        interaction_id="ivr-3", tenant_id=tenant_id, queue="Ventas", skills=(("ingles", 3),)
    )
    assert offers == []  # ana has no English
    clock.now += 29
    center.handle(Tick())
    assert offers == []
    clock.now += 1
    center.handle(Tick())
    assert offers == [("ivr-3", users["ana"])]  # relaxed: any member of the queue
