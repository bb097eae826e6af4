"""The store rows a simulated scenario needs, and how its ids map onto them.

A scenario names its queues (`sales`) and agent groups (`g1`, whose agents are `g1-1`,
`g1-2`, ...); the live center's records name store rows (`str(queue.id)`,
`str(user.id)`). `prepare_tenant` finds or creates, through the actions and in one
transaction, what the scenario needs in a tenant: its skills, its pause reasons, its
queues (named like the scenario's, with its thresholds and policy) and one agent user per
simulated agent (username = the agent's id unless `usernames` says otherwise; no password,
so nobody signs in as them). A second run finds them all and writes nothing. It returns
the `Mapping` of scenario ids to store ids, plus what the live center looks up on arrival:
the campaign of a dialed number and the contact of a caller's number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from centralita import schemas
from centralita.core.config import MISSED
from centralita.errors import Invalid
from centralita.sim.scenario import QueueSpec, Scenario
from centralita.store import actions
from centralita.store.actions.base import NoSuchTenant
from centralita.store.db import Tx
from centralita.store.models import (
    CHANNELS,
    AgentSkill,
    Campaign,
    CampaignNumber,
    ContactPhone,
    PauseReason,
    Queue,
    Skill,
    Tenant,
    User,
)


@dataclass
class StoreIds:
    """Scenario ids → store ids for one tenant (core ids are strings of row ids)."""

    tenant_id: int
    queues: dict[str, str] = field(default_factory=dict)  # scenario queue → str(queue.id)
    queue_names: dict[str, str] = field(default_factory=dict)  # str(queue.id) → its name
    agents: dict[str, str] = field(default_factory=dict)  # scenario agent → str(user.id)
    campaign_of_number: dict[str, int] = field(default_factory=dict)
    campaign_of_name: dict[str, int] = field(default_factory=dict)
    contact_of_phone: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # differences worth telling the user


def tenant_id_of(tx: Tx, slug: str) -> int:
    tenant = tx.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None:
        raise NoSuchTenant(f"no tenant {slug!r} (`--tenant` takes a tenant's slug)", tenant=slug)
    return tenant.id


def agent_ids(scenario: Scenario) -> list[tuple[str, str]]:
    """(agent id, group id) of every simulated agent, in the simulator's order."""
    return [(f"{g.id}-{k + 1}", g.id) for g in scenario.agent_groups for k in range(g.agents)]


def check_storable(scenario: Scenario, source: str) -> None:
    """Refuse what cannot be stored as days of the center, before anything is written."""
    if scenario.duration_hours > 24:
        raise Invalid(
            f"{source}: duration_hours: --store writes one day per --days; "
            f"a scenario of {scenario.duration_hours:g} hours is longer than a day",
            field="duration_hours",
        )
    for i, a in enumerate(scenario.arrivals):
        if a.channel not in CHANNELS:
            raise Invalid(
                f"{source}: arrivals[{i}].channel: {a.channel!r} is not a channel the store "
                f"knows ({', '.join(CHANNELS)})",
                field=f"arrivals[{i}].channel",
            )


def prepare_tenant(
    tx: Tx,
    tenant_id: int,
    scenarios: Iterable[Scenario],
    *,
    at: datetime,
    actor: str,
    usernames: Mapping[str, str] | None = None,
) -> StoreIds:
    """Find or create the rows of `scenarios` in the tenant (see the module's docstring)."""
    usernames = usernames or {}
    mapping = StoreIds(tenant_id)
    kw: dict[str, Any] = {"at": at, "actor": actor}
    session = tx.session
    specs = list(scenarios)

    queues = {q.name: q for q in session.scalars(select(Queue).where(Queue.tenant_id == tenant_id))}
    for s in specs:
        for q in _in_overflow_order(s.queues):
            row = queues.get(q.id)
            if row is None:
                row = actions.do_create_queue(tx, tenant_id=tenant_id, spec=_queue_spec(s, q), **kw)
                queues[q.id] = row
            else:
                _compare(row, q, mapping.notes)
            mapping.queues[q.id] = str(row.id)
            mapping.queue_names[str(row.id)] = row.name

    skills = {
        k.name: k.id for k in session.scalars(select(Skill).where(Skill.tenant_id == tenant_id))
    }
    wanted_skills = {name for s in specs for g in s.agent_groups for name in g.skills}
    wanted_skills |= {name for s in specs for a in s.arrivals for name in a.skills}
    wanted_skills |= {name for s in specs for q in s.queues for name in _skills_of(queues[q.id])}
    for name in sorted(wanted_skills - set(skills)):
        skills[name] = actions.do_create_skill(tx, tenant_id=tenant_id, name=name, **kw).id

    reasons = set(
        session.scalars(select(PauseReason.code).where(PauseReason.tenant_id == tenant_id))
    )
    wanted_reasons = {b.reason for s in specs for g in s.agent_groups for b in g.breaks}
    for code in sorted(wanted_reasons - reasons - {MISSED}):
        actions.do_create_pause_reason(
            tx, tenant_id=tenant_id, code=code, label_en=code, label_es=code, max_seconds=None, **kw
        )

    users = {
        u.username: u for u in session.scalars(select(User).where(User.tenant_id == tenant_id))
    }
    levels = {
        (a.user_id, a.skill_id): a.level
        for a in session.scalars(
            select(AgentSkill)
            .join(User, User.id == AgentSkill.user_id)
            .where(User.tenant_id == tenant_id)
        )
    }
    for s in specs:
        groups = {g.id: g for g in s.agent_groups}
        for agent, group_id in agent_ids(s):
            group = groups[group_id]
            username = usernames.get(agent, agent)
            user = users.get(username)
            if user is None:
                user = actions.do_create_user(
                    tx,
                    tenant_id=tenant_id,
                    username=username,
                    display_name=f"Simulated agent {agent}",
                    role="agent",
                    password=None,
                    **kw,
                )
                users[username] = user
            elif user.role != "agent":
                raise Invalid(
                    f"user {username!r} of the tenant is a {user.role}, not an agent: rename "
                    f"agent group {group_id!r}",
                    field="agent_groups",
                    username=username,
                )
            # the group's skills, and those of each queue it serves that it lacks (a queue
            # created here requires the skill named like it): the live center's membership
            # rule then finds the members the simulator had
            wanted: dict[str, int] = {}
            for served in s.group_queues(group):
                wanted |= _skills_of(queues[served])
            wanted |= dict(group.skills)
            for name, level in wanted.items():
                if (user.id, skills[name]) not in levels:
                    actions.do_set_agent_skill(
                        tx, user_id=user.id, skill_id=skills[name], level=level, **kw
                    )
                    levels[(user.id, skills[name])] = level
            mapping.agents[agent] = str(user.id)

    for number, campaign_id in session.execute(
        select(CampaignNumber.number, CampaignNumber.campaign_id).where(
            CampaignNumber.tenant_id == tenant_id
        )
    ):
        mapping.campaign_of_number[number] = campaign_id
    for name, campaign_id in session.execute(
        select(Campaign.name, Campaign.id).where(Campaign.tenant_id == tenant_id)
    ):
        mapping.campaign_of_name[name] = campaign_id
    for number, contact_id in session.execute(
        select(ContactPhone.number, ContactPhone.contact_id)
        .where(ContactPhone.tenant_id == tenant_id)
        .order_by(ContactPhone.contact_id.desc())
    ):
        mapping.contact_of_phone[number] = contact_id  # the lowest contact id wins, as intake
    return mapping


def _skills_of(queue: Queue) -> dict[str, int]:
    return {str(k): int(v) for k, v in dict(queue.settings.get("skills", {})).items()}


def _in_overflow_order(queues: list[QueueSpec]) -> list[QueueSpec]:
    """Queues ordered so that each one's overflow queue comes before it."""
    done: list[QueueSpec] = []
    names: set[str] = set()
    pending = list(queues)
    while pending:
        ready = [q for q in pending if q.overflow_queue is None or q.overflow_queue in names]
        if not ready:  # a cycle: the scenario's router accepted it, the store will not
            ready = pending[:1]
        for q in ready:
            pending.remove(q)
            done.append(q)
            names.add(q.id)
    return done


def _queue_spec(s: Scenario, q: QueueSpec) -> schemas.QueueSpec:
    wrap_up = q.wrap_up_seconds if q.wrap_up_seconds is not None else s.wrap_up_seconds
    try:
        return schemas.QueueSpec(
            name=q.id,
            strategy=q.strategy,
            priority=q.default_priority,
            service_level_seconds=max(1, round(q.service_level_seconds)),
            short_abandon_seconds=round(q.short_abandon_seconds),
            ring_timeout_seconds=max(3, round(q.ring_timeout_seconds)),
            wrapup_seconds=round(wrap_up),
            max_wait_seconds=round(q.max_wait_seconds) if q.max_wait_seconds else None,
            max_length=q.max_length or None,
            when_no_agents=q.when_no_agents,
            overflow_queue=q.overflow_queue,
            overflow_destination=q.overflow_destination,
            settings={
                "skills": {q.id: 1},
                "relax": [{"after": r.after_seconds, "max_level": r.max_level} for r in q.relax],
            },
        )
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"])
        raise Invalid(
            f"queue {q.id!r} cannot be created in the store: {where}: {error['msg']}",
            field="queues",
            queue=q.id,
        ) from None


def _compare(row: Queue, q: QueueSpec, notes: list[str]) -> None:
    """Note where an existing queue's reporting thresholds differ from the scenario's."""
    for label, stored, simulated in (
        ("service_level_seconds", row.service_level_seconds, q.service_level_seconds),
        ("short_abandon_seconds", row.short_abandon_seconds, q.short_abandon_seconds),
    ):
        if float(stored) != float(simulated):
            notes.append(
                f"queue {q.id!r}: the store's {label} is {stored:g}, the scenario's "
                f"{simulated:g}; reports use the store's"
            )
