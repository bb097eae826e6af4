"""The live center as the web layer sees it: the runner, and who may see which rows."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from centralita.app.runner import Runner
from centralita.errors import NotFound
from centralita.store.models import Team, TeamMember, User
from centralita.web.session import ADMIN, AGENT, CLIENT, SUPERVISOR, SignedIn


class NoSuchAgent(NotFound):
    code = "no-such-agent"


def runner_of(app: Any) -> Runner:
    runner: Runner = app.state.runner
    return runner


def get_runner(request: Request) -> Runner:
    return runner_of(request.app)


def supervised_agents(session: Session, who: SignedIn) -> list[str]:
    """Agents whose rows `who` sees: a supervisor its teams', an administrator all its
    tenants' agents, an agent itself, a client viewer nobody."""
    if who.role == AGENT:
        return [who.agent_id]
    if who.role == SUPERVISOR:
        query = (
            select(User.id)
            .join(TeamMember, TeamMember.user_id == User.id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.supervisor_id == who.id, User.role == "agent", User.active.is_(True))
        )
    elif who.role == ADMIN:
        query = select(User.id).where(
            User.tenant_id.in_(who.tenants), User.role == "agent", User.active.is_(True)
        )
    else:
        return []
    return sorted({str(i) for i in session.scalars(query)}, key=int)


def visible_queues(runner: Runner, who: SignedIn) -> list[str]:
    if who.role in (SUPERVISOR, ADMIN, CLIENT):
        return runner.view.queues_of_tenants(who.tenants)
    return []


def check_agent(session: Session, who: SignedIn, agent_id: str) -> None:
    if agent_id not in supervised_agents(session, who):
        raise NoSuchAgent(agent_id=agent_id)
