"""Who reads reports, and what a report request may see.

`reader(request)` is the signed-in supervisor, administrator, quality analyst or client
viewer (agents get 403), or the administration token (every tenant). `parse(...)` reads
the query string into `Filters` and `Options` confined to the reader's tenants: asking
for a tenant, queue, agent, team, site or campaign outside them answers 404 exactly as for
one that does not exist, so a URL tampered with learns nothing. Wrong values answer
`invalid-report` naming the field and, where it helps, the accepted values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from centralita.clock import utcnow
from centralita.i18n import LANGUAGES
from centralita.reports.exports import Options
from centralita.reports.queries import GROUPS, PERIODS, BadReportRequest, Filters
from centralita.store.actions.base import (
    NoSuchCampaign,
    NoSuchQueue,
    NoSuchSite,
    NoSuchTeam,
    NoSuchTenant,
)
from centralita.store.models import Campaign, Queue, Site, Team, Tenant, User
from centralita.web.deps import require_admin_token
from centralita.web.live import NoSuchAgent, supervised_agents
from centralita.web.session import ADMIN, CLIENT, QA, SUPERVISOR, SignedIn, WrongRole, current_user

REPORT_ROLES = (SUPERVISOR, ADMIN, QA, CLIENT)
OUTCOMES = (
    "answered",
    "abandoned",
    "short_abandoned",
    "overflowed",
    "rejected",
    "callback_requested",
    "lost",
)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Reader:
    tenants: frozenset[int]
    role: str  # a user's role, or "api" for the administration token
    lang: str
    user: SignedIn | None = None


def reader(request: Request) -> Reader:
    """The signed-in user allowed to read reports, or the administration token."""
    if request.headers.get("authorization"):
        require_admin_token(request, request.app.state.settings)
        with request.app.state.store.read() as session:
            tenants = frozenset(session.scalars(select(Tenant.id)))
        lang = request.query_params.get("lang") or request.app.state.settings.language
        return Reader(tenants, "api", lang if lang in LANGUAGES else "en")
    who = current_user(request)
    if who.role not in REPORT_ROLES:
        raise WrongRole("your role may not read reports", role=who.role)
    return Reader(who.tenants, who.role, who.lang, who)


def _ints(params: QueryParams, name: str) -> list[int] | None:
    found: list[int] = []
    for raw in params.getlist(name):
        for part in raw.split(","):
            if not part.strip():
                continue
            try:
                found.append(int(part))
            except ValueError:
                raise BadReportRequest(
                    f"{name} must be a number (an id), not {part!r}", field=name
                ) from None
    return found or None


def _date(params: QueryParams, name: str, default: date) -> date:
    raw = params.get(name) or ""
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadReportRequest(
            f"{name} must be a date as YYYY-MM-DD, not {raw!r}", field=name
        ) from None


def _check(
    session: Session, model: Any, ids: list[int] | None, tenants: list[int], error: Any
) -> None:
    """Every id names a row of `model` in `tenants`; else 404 as if it did not exist."""
    if ids is None:
        return
    query = select(model.id).where(model.id.in_(ids), model.tenant_id.in_(tenants))
    if model is User:
        query = query.where(User.role == "agent")
    found = set(session.scalars(query))
    for wanted in ids:
        if wanted not in found:
            raise error(id=wanted)


@dataclass(frozen=True)
class Request_:
    kind: str
    filters: Filters
    options: Options
    page: int


def parse(
    session: Session, who: Reader, kind: str, params: QueryParams, zone: str, *, paged: bool = True
) -> Request_:
    """The report request in `params`, confined to what `who` may see."""
    tz = ZoneInfo(zone)
    today = utcnow().astimezone(tz).date()
    start = _date(params, "start", today)
    end = _date(params, "end", start if params.get("start") else today)
    tenants = sorted(who.tenants)
    chosen = _ints(params, "tenant")
    if chosen is not None:
        for tenant in chosen:
            if tenant not in who.tenants:
                raise NoSuchTenant(id=tenant)
        tenants = chosen
    ids = {name: _ints(params, name) for name in ("site", "queue", "team", "agent", "campaign")}
    _check(session, Site, ids["site"], tenants, NoSuchSite)
    _check(session, Queue, ids["queue"], tenants, NoSuchQueue)
    _check(session, Team, ids["team"], tenants, NoSuchTeam)
    _check(session, User, ids["agent"], tenants, NoSuchAgent)
    _check(session, Campaign, ids["campaign"], tenants, NoSuchCampaign)
    period = params.get("period") or ("60" if kind in ("queues", "lines") else "total")
    if period not in PERIODS:
        raise BadReportRequest(f"unknown period {period!r}", field="period", accepted=list(PERIODS))
    group = params.get("group") or "agent"
    if group not in GROUPS:
        raise BadReportRequest(f"unknown grouping {group!r}", field="group", accepted=list(GROUPS))
    outcome = params.get("outcome") or None
    if outcome is not None and outcome not in OUTCOMES:
        raise BadReportRequest(
            f"unknown outcome {outcome!r}", field="outcome", accepted=list(OUTCOMES)
        )
    number = (params.get("number") or "").strip() or None
    if number is not None and len(number) > 30:
        raise BadReportRequest("a phone number has at most 30 characters", field="number")
    try:
        page = int(params.get("page") or 1)
    except ValueError:
        raise BadReportRequest("page must be a whole number from 1", field="page") from None
    if page < 1:
        raise BadReportRequest("page must be a whole number from 1", field="page")
    f = Filters(
        tenants,
        start,
        end,
        tz,
        queue_ids=ids["queue"],
        agent_ids=ids["agent"],
        team_ids=ids["team"],
        site_ids=ids["site"],
        campaign_ids=ids["campaign"],
    )
    if kind == "agents" and who.role == SUPERVISOR and who.user is not None:
        mine = [int(a) for a in supervised_agents(session, who.user)]
        if ids["agent"] is not None and not set(ids["agent"]) <= set(mine):
            raise NoSuchAgent(id=next(a for a in ids["agent"] if a not in mine))
        f = replace(f, agent_ids=ids["agent"] or mine)
    options = Options(
        period=period,
        group=group,
        outcome=outcome,
        number=number,
        offset=(page - 1) * PAGE_SIZE if paged else 0,
        limit=PAGE_SIZE if paged else 100_000,
    )
    return Request_(kind, f, options, page)


def choices(session: Session, who: Reader, f: Filters) -> dict[str, list[tuple[int, str]]]:
    """What the filter form offers: the reader's tenants, and the sites, queues, teams,
    agents and campaigns of the tenants chosen."""

    def rows(model: Any, label: Any, *where: Any) -> list[tuple[int, str]]:
        query = select(model.id, label).where(model.tenant_id.in_(f.tenant_ids), *where)
        return [(i, str(n)) for i, n in session.execute(query.order_by(label))]

    agents = rows(User, User.display_name, User.role == "agent")
    if who.role == SUPERVISOR and who.user is not None:
        mine = {int(a) for a in supervised_agents(session, who.user)}
        agents = [a for a in agents if a[0] in mine]
    tenants = session.execute(
        select(Tenant.id, Tenant.name).where(Tenant.id.in_(who.tenants)).order_by(Tenant.name)
    )
    return {
        "tenant": [(i, str(n)) for i, n in tenants],
        "site": rows(Site, Site.name),
        "queue": rows(Queue, Queue.name),
        "team": rows(Team, Team.name),
        "agent": agents,
        "campaign": rows(Campaign, Campaign.name),
    }
