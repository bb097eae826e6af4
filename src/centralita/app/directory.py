"""The routing core's configuration, read from the store.

Core ids are strings: an agent is `str(user.id)`, a queue `str(queue.id)` (unique across
tenants, so one router can serve several client companies). A queue's members are the
tenant's active agents holding any skill in the queue's `settings["skills"]`, or all of the
tenant's agents when the queue names no skills; an interaction entering the queue requires
those skills at those levels (relaxed by the queue's `settings["relax"]` steps).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from centralita.core import AgentConfig, PauseReason, QueueConfig, RelaxStep, Strategy, WhenNoAgents
from centralita.store.models import AgentSkill, Queue, Site, Skill, User
from centralita.store.models import PauseReason as PauseReasonRow


@dataclass
class Directory:
    """What the router needs, and which tenant each core id belongs to."""

    queues: list[QueueConfig] = field(default_factory=list)
    agents: list[AgentConfig] = field(default_factory=list)
    pause_reasons: list[PauseReason] = field(default_factory=list)
    queue_skills: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    tenant_of_queue: dict[str, int] = field(default_factory=dict)
    tenant_of_agent: dict[str, int] = field(default_factory=dict)
    queue_by_name: dict[tuple[int, str], str] = field(default_factory=dict)


def load_directory(session: Session, tenant_ids: list[int] | None = None) -> Directory:
    """Build the core configuration of the given tenants (default: all)."""
    directory = Directory()

    def of_tenants(model: type[User] | type[PauseReasonRow] | type[Queue]) -> ColumnElement[bool]:
        return true() if tenant_ids is None else model.tenant_id.in_(tenant_ids)

    sites = {s.id: s.name for s in session.scalars(select(Site))}
    skill_names = {s.id: s.name for s in session.scalars(select(Skill))}
    levels: dict[int, dict[str, int]] = defaultdict(dict)
    for row in session.scalars(select(AgentSkill)):
        levels[row.user_id][skill_names[row.skill_id]] = row.level

    # pause reasons are each company's own: an agent may use only its tenant's, with
    # its tenant's limits; the router's list (for the wallboard's choices) is the union
    # ("missed" the core adds to every list itself)
    by_tenant: dict[int, dict[str, PauseReason]] = defaultdict(dict)
    codes: dict[str, PauseReason] = {}
    for reason in session.scalars(
        select(PauseReasonRow).where(of_tenants(PauseReasonRow)).order_by(PauseReasonRow.id)
    ):
        own = PauseReason(reason.code, float(reason.max_seconds) if reason.max_seconds else None)
        by_tenant[reason.tenant_id][reason.code] = own
        codes.setdefault(reason.code, own)
    directory.pause_reasons = list(codes.values())

    agents_by_tenant: dict[int, list[str]] = defaultdict(list)
    for user in session.scalars(
        select(User)
        .where(of_tenants(User), User.role == "agent", User.active.is_(True))
        .order_by(User.id)
    ):
        agent_id = str(user.id)
        directory.agents.append(
            AgentConfig(
                id=agent_id,
                skills=dict(levels[user.id]),
                site=sites.get(user.site_id) if user.site_id else None,
                pause_reasons=tuple(by_tenant[user.tenant_id].values()),
            )
        )
        directory.tenant_of_agent[agent_id] = user.tenant_id
        agents_by_tenant[user.tenant_id].append(agent_id)
    agent_skills = {a.id: a.skills for a in directory.agents}

    for queue in session.scalars(select(Queue).where(of_tenants(Queue)).order_by(Queue.id)):
        queue_id = str(queue.id)
        required = tuple(
            sorted((str(k), int(v)) for k, v in dict(queue.settings.get("skills", {})).items())
        )
        members = tuple(
            a
            for a in agents_by_tenant[queue.tenant_id]
            if not required or any(s in agent_skills[a] for s, _ in required)
        )
        directory.queues.append(
            QueueConfig(
                id=queue_id,
                members=members,
                strategy=Strategy(queue.strategy),
                default_priority=queue.priority,
                ring_timeout=float(queue.ring_timeout_seconds),
                wrap_up=float(queue.wrapup_seconds),
                max_wait=float(queue.max_wait_seconds) if queue.max_wait_seconds else None,
                max_length=queue.max_length,
                overflow_queue=str(queue.overflow_queue_id) if queue.overflow_queue_id else None,
                overflow_destination=queue.overflow_destination,
                when_no_agents=WhenNoAgents(queue.when_no_agents),
                relax=tuple(
                    RelaxStep(float(s["after"]), int(s["max_level"]))
                    for s in queue.settings.get("relax", [])
                ),
                short_abandon=float(queue.short_abandon_seconds),
            )
        )
        directory.queue_skills[queue_id] = required
        directory.tenant_of_queue[queue_id] = queue.tenant_id
        directory.queue_by_name[(queue.tenant_id, queue.name)] = queue_id
    return directory
