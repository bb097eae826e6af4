"""Actions on tenants, sites, users, teams and agents' skills."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import available_timezones

from centralita.passwords import MIN_LENGTH, hash_password
from centralita.store import events
from centralita.store.actions.base import (
    NoSuchSite,
    NoSuchSkill,
    NoSuchTeam,
    NoSuchTenant,
    NoSuchUser,
    get,
    insert,
    require,
)
from centralita.store.db import Tx
from centralita.store.models import (
    ROLES,
    AgentSkill,
    Site,
    Skill,
    Team,
    TeamMember,
    Tenant,
    TenantGrant,
    User,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,100}$")


def do_create_tenant(tx: Tx, *, slug: str, name: str, at: datetime, actor: str | None) -> Tenant:
    require(
        bool(SLUG.match(slug)), "slug", "lowercase letters, digits and '-', 1-63 long", value=slug
    )
    require(bool(name.strip()), "name", "must not be empty")
    return insert(
        tx,
        Tenant(slug=slug, name=name.strip(), created_at=at),
        event="tenant.created",
        at=at,
        actor=actor,
        unique={"slug": slug},
        slug=slug,
        name=name,
    )


def do_create_site(
    tx: Tx, *, tenant_id: int, name: str, timezone: str, at: datetime, actor: str | None
) -> Site:
    get(tx, Tenant, NoSuchTenant, id=tenant_id)
    require(timezone in available_timezones(), "timezone", "an IANA time zone name", value=timezone)
    return insert(
        tx,
        Site(tenant_id=tenant_id, name=name, timezone=timezone),
        event="site.created",
        at=at,
        actor=actor,
        unique={"name": name},
        name=name,
        timezone=timezone,
    )


def do_create_user(
    tx: Tx,
    *,
    tenant_id: int,
    username: str,
    display_name: str,
    role: str,
    password: str | None,
    at: datetime,
    actor: str | None,
    email: str | None = None,
    site_id: int | None = None,
    language: str = "es",
) -> User:
    get(tx, Tenant, NoSuchTenant, id=tenant_id)
    require(
        bool(USERNAME.match(username)),
        "username",
        "2-100 letters, digits or . _ @ -",
        value=username,
    )
    require(role in ROLES, "role", f"one of {', '.join(ROLES)}", value=role)
    require(language in ("es", "en"), "language", "es or en", value=language)
    if password is not None:
        require(len(password) >= MIN_LENGTH, "password", f"at least {MIN_LENGTH} characters")
    if site_id is not None:
        get(tx, Site, NoSuchSite, id=site_id, tenant_id=tenant_id)
    user = User(
        tenant_id=tenant_id,
        username=username,
        display_name=display_name,
        role=role,
        email=email,
        site_id=site_id,
        language=language,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
        created_at=at,
    )
    return insert(
        tx,
        user,
        event="user.created",
        at=at,
        actor=actor,
        unique={"username": username},
        username=username,
        role=role,
    )


def do_grant_tenant(
    tx: Tx, *, user_id: int, tenant_id: int, at: datetime, actor: str | None
) -> TenantGrant:
    get(tx, User, NoSuchUser, id=user_id)
    get(tx, Tenant, NoSuchTenant, id=tenant_id)
    return insert(
        tx,
        TenantGrant(user_id=user_id, tenant_id=tenant_id),
        event="tenant.granted",
        at=at,
        actor=actor,
        unique={"user_id": user_id, "tenant_id": tenant_id},
        user_id=user_id,
    )


def do_create_team(
    tx: Tx,
    *,
    tenant_id: int,
    name: str,
    supervisor_id: int | None,
    at: datetime,
    actor: str | None,
) -> Team:
    get(tx, Tenant, NoSuchTenant, id=tenant_id)
    if supervisor_id is not None:
        supervisor = get(tx, User, NoSuchUser, id=supervisor_id, tenant_id=tenant_id)
        require(
            supervisor.role in ("supervisor", "administrator"),
            "supervisor_id",
            "must be a supervisor or administrator",
            value=supervisor_id,
        )
    return insert(
        tx,
        Team(tenant_id=tenant_id, name=name, supervisor_id=supervisor_id),
        event="team.created",
        at=at,
        actor=actor,
        unique={"name": name},
        name=name,
        supervisor_id=supervisor_id,
    )


def do_add_team_member(
    tx: Tx, *, team_id: int, user_id: int, at: datetime, actor: str | None
) -> TeamMember:
    team = get(tx, Team, NoSuchTeam, id=team_id)
    get(tx, User, NoSuchUser, id=user_id, tenant_id=team.tenant_id)
    return insert(
        tx,
        TeamMember(team_id=team_id, user_id=user_id),
        event="team.member_added",
        at=at,
        actor=actor,
        unique={"team_id": team_id, "user_id": user_id},
        tenant_id=team.tenant_id,
        team_id=team_id,
        user_id=user_id,
    )


def do_set_agent_skill(
    tx: Tx, *, user_id: int, skill_id: int, level: int, at: datetime, actor: str | None
) -> AgentSkill:
    """Give an agent a skill at `level` (1-5), or change its level (written as a new event)."""
    user = get(tx, User, NoSuchUser, id=user_id)
    get(tx, Skill, NoSuchSkill, id=skill_id, tenant_id=user.tenant_id)
    require(1 <= level <= 5, "level", "a whole number from 1 to 5", value=level)
    row = tx.session.get(AgentSkill, (user_id, skill_id))
    if row is None:
        row = AgentSkill(user_id=user_id, skill_id=skill_id, level=level)
        tx.session.add(row)
    else:
        row.level = level
    tx.session.flush()
    events.append(
        tx,
        "agent.skill_set",
        at,
        tenant_id=user.tenant_id,
        actor=actor,
        agent_id=user_id,
        skill_id=skill_id,
        level=level,
    )
    return row
