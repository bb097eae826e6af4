"""The reports: figures from the projection tables, filtered and grouped in local time.

Every function takes an open session and a `Filters` (which tenants the viewer may see,
the local date range and the center's time zone, optional queues/agents/teams/sites/
campaigns) and returns plain dataclasses that the pages, the API and the exports all
render. Ratios follow KPIS.md; a ratio with nothing to divide is `None` (shown as "–"),
never a made-up 0 or 100 %.

Periods: "15", "30", "60" (minutes), "day", "week" (ISO, from Monday), "month", or
"total". A period is a span of local wall-clock time; on the night a daylight-saving
change repeats an hour, its two occurrences stay apart (the period carries its UTC offset).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Select, case, cast, func, literal, select, text
from sqlalchemy.orm import Session

from centralita.errors import Invalid
from centralita.reports.nogc import collector_paused
from centralita.reports.projector import AGENT_FIELDS, QUEUE_FIELDS, STATES
from centralita.store.models import (
    Campaign,
    Disposition,
    Interaction,
    Queue,
    ReportAgentPause,
    ReportAgentSession,
    ReportAgentSlot,
    ReportCall,
    ReportIvrSlot,
    ReportQueueSlot,
    Site,
    Team,
    TeamMember,
    User,
    WrapUp,
)

Period = Literal["15", "30", "60", "day", "week", "month", "total"]
PERIODS: tuple[str, ...] = ("15", "30", "60", "day", "week", "month", "total")
GROUPS: tuple[str, ...] = ("agent", "team", "site")


class BadReportRequest(Invalid):
    code = "invalid-report"


@dataclass(frozen=True)
class Filters:
    tenant_ids: Sequence[int]
    start: date  # first local day, inclusive
    end: date  # last local day, inclusive
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    queue_ids: Sequence[int] | None = None
    agent_ids: Sequence[int] | None = None
    team_ids: Sequence[int] | None = None
    site_ids: Sequence[int] | None = None
    campaign_ids: Sequence[int] | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise BadReportRequest(
                f"the range ends ({self.end}) before it starts ({self.start})",
                field="end",
            )
        if (self.end - self.start).days >= 366:
            raise BadReportRequest("a report covers at most 366 days", field="end")

    @property
    def utc_start(self) -> datetime:
        return datetime.combine(self.start, time(), self.tz).astimezone(UTC)

    @property
    def utc_end(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), self.tz).astimezone(UTC)


def period_of(at: datetime, period: str, tz: ZoneInfo) -> tuple[datetime, int]:
    """The local start of the period holding `at`, and its UTC offset in minutes (which
    tells apart the two occurrences of a repeated hour)."""
    local = at.astimezone(tz)
    offset = int(local.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    naive = local.replace(tzinfo=None, second=0, microsecond=0)
    if period in ("15", "30", "60"):
        step = int(period)
        return naive.replace(minute=naive.minute - naive.minute % step), offset
    day = naive.replace(hour=0, minute=0)
    if period == "day":
        return day, 0
    if period == "week":
        return day - timedelta(days=day.weekday()), 0
    if period == "month":
        return day.replace(day=1), 0
    if period == "total":
        return datetime(1970, 1, 1), 0
    raise BadReportRequest(f"unknown period {period!r}", field="period", accepted=list(PERIODS))


def _check_period(period: str) -> None:
    """Raise `invalid-report` unless `period` is one of `PERIODS`."""
    period_of(datetime(2000, 1, 1, tzinfo=UTC), period, _UTC)


class _Periods:
    """`period_of` remembered per slot: a month has 2,880 slots but many more rows."""

    def __init__(self, period: str, tz: ZoneInfo) -> None:
        self.period, self.tz = period, tz
        self.known: dict[datetime, tuple[datetime, int]] = {}

    def of(self, slot: datetime) -> tuple[datetime, int]:
        found = self.known.get(slot)
        if found is None:
            found = self.known[slot] = period_of(slot, self.period, self.tz)
        return found


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


# --- scope ---------------------------------------------------------------------------------


def _queue_ids(session: Session, f: Filters) -> dict[int, tuple[str, int]]:
    """The queues in scope: id → (name, tenant)."""
    query = select(Queue.id, Queue.name, Queue.tenant_id).where(Queue.tenant_id.in_(f.tenant_ids))
    if f.queue_ids is not None:
        query = query.where(Queue.id.in_(f.queue_ids))
    if f.site_ids is not None:
        query = query.where(Queue.site_id.in_(f.site_ids))
    if f.campaign_ids is not None:
        query = query.where(
            Queue.id.in_(select(Campaign.queue_id).where(Campaign.id.in_(f.campaign_ids)))
        )
    return {qid: (name, tenant) for qid, name, tenant in session.execute(query)}


def _agents(session: Session, f: Filters) -> dict[int, dict[str, Any]]:
    """The agents in scope: id → name, tenant, site, team."""
    query = (
        select(User.id, User.display_name, User.tenant_id, Site.name, Team.name)
        .outerjoin(Site, Site.id == User.site_id)
        .outerjoin(TeamMember, TeamMember.user_id == User.id)
        .outerjoin(Team, Team.id == TeamMember.team_id)
        .where(User.tenant_id.in_(f.tenant_ids))
    )
    if f.agent_ids is not None:
        query = query.where(User.id.in_(f.agent_ids))
    if f.site_ids is not None:
        query = query.where(User.site_id.in_(f.site_ids))
    if f.team_ids is not None:
        query = query.where(TeamMember.team_id.in_(f.team_ids))
    found: dict[int, dict[str, Any]] = {}
    for uid, name, tenant, site, team in session.execute(query):
        found.setdefault(uid, {"name": name, "tenant": tenant, "site": site, "team": team})
    return found


# --- queues ----------------------------------------------------------------------------------


class Counts(Mapping[str, float]):
    """A queue row's counters by name, over the list the database returned (building a
    dict for each of a month's 57,600 rows cost more than the query)."""

    __slots__ = ("cells",)

    def __init__(self, cells: Sequence[float]) -> None:
        self.cells = cells

    def __getitem__(self, name: str) -> float:
        return self.cells[_Q_INDEX[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(QUEUE_FIELDS)

    def __len__(self) -> int:
        return len(QUEUE_FIELDS)


_Q_INDEX = {name: i for i, name in enumerate(QUEUE_FIELDS)}


@dataclass(slots=True)
class QueueRow:
    period: datetime | None  # local start; None for "total"
    utc_offset: int
    queue_id: int | None  # None when all queues are summed
    queue: str
    counts: Mapping[str, float]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.counts[name]
        except KeyError:
            raise AttributeError(name) from None

    # KPIS.md figures
    @property
    def service_level(self) -> float | None:
        c = self.counts
        return _ratio(c["answered_within"], c["answered"] + c["abandoned"])

    @property
    def service_level_answered(self) -> float | None:
        return _ratio(self.counts["answered_within"], self.counts["answered"])

    @property
    def service_level_offered(self) -> float | None:
        return _ratio(self.counts["answered_within"], self.counts["offered"])

    @property
    def asa(self) -> float | None:
        return _ratio(self.counts["wait_answered"], self.counts["answered"])

    @property
    def average_abandon(self) -> float | None:
        c = self.counts
        return _ratio(c["wait_abandoned"], c["abandoned"] + c["short_abandoned"])

    @property
    def abandon_rate(self) -> float | None:
        c = self.counts
        return _ratio(c["abandoned"] + c["short_abandoned"], c["offered"])

    @property
    def aht(self) -> float | None:
        c = self.counts
        return _ratio(c["talk"] + c["hold"] + c["wrap"], c["handled"])

    @property
    def average_talk(self) -> float | None:
        return _ratio(self.counts["talk"], self.counts["handled"])

    @property
    def average_hold(self) -> float | None:
        return _ratio(self.counts["hold"], self.counts["handled"])

    @property
    def average_wrap(self) -> float | None:
        return _ratio(self.counts["wrap"], self.counts["handled"])


_BUCKET_SECONDS = {"15": 900, "30": 1800, "60": 3600, "day": 86400, "week": 86400}
_BUCKET_SECONDS.update(month=86400, total=86400)


def offset_spans(f: Filters) -> list[tuple[datetime, datetime, int]]:
    """The range cut where the time zone's UTC offset changes: (from, to, offset in
    seconds). Every offset is a multiple of 15 minutes, so 15-minute steps find them."""
    spans: list[tuple[datetime, datetime, int]] = []
    step = timedelta(minutes=15)
    t, end = f.utc_start, f.utc_end
    while t < end:
        offset = int(t.astimezone(f.tz).utcoffset().total_seconds())  # type: ignore[union-attr]
        if spans and spans[-1][2] == offset:
            spans[-1] = (spans[-1][0], t + step, offset)
        else:
            spans.append((t, t + step, offset))
        t += step
    return spans


def _epoch(session: Session, column: Any) -> Any:
    if _dialect(session) == "postgresql":
        return cast(func.extract("epoch", column), BigInteger)
    return cast(func.strftime("%s", column), BigInteger)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


@collector_paused()
def queue_report(
    session: Session, f: Filters, period: str = "30", *, by_queue: bool = True
) -> list[QueueRow]:
    """Queue figures per period (and queue, unless `by_queue` is false), in time order.

    The database adds the slots up into local periods: for each stretch of constant UTC
    offset, a period is `(epoch seconds + offset) // its length` (days for weeks and
    months, which are then added up here), and hands them back in report order, so a
    month of 40 queues by half hours is one GROUP BY and 57,600 rows made into report
    rows, not 115,200 rows added up and sorted in Python."""
    _check_period(period)
    queues = _queue_ids(session, f)
    if not queues:
        return []
    length = _BUCKET_SECONDS[period]
    sums = [
        (func.max if name == "max_wait" else func.sum)(getattr(ReportQueueSlot, name))
        for name in QUEUE_FIELDS
    ]
    by_name = sorted(queues, key=lambda qid: queues[qid][0])
    name_rank = case(
        {qid: rank for rank, qid in enumerate(by_name)}, value=ReportQueueSlot.queue_id
    )
    spans = offset_spans(f)
    if _dialect(session) == "postgresql":
        # the planner cannot guess how many periods there are; with the default 4 MB a
        # month's grouping spilled to disk
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    sub_day = period in ("15", "30", "60")
    rows: list[QueueRow] = []
    cells: dict[tuple[datetime, int | None], list[float]] = {}
    starts: dict[int, datetime] = {}
    for lo, hi, offset in spans:
        bucket = (_epoch(session, ReportQueueSlot.slot_start) + offset) // length
        group = [bucket, ReportQueueSlot.queue_id] if by_queue else [bucket]
        query = (
            select(*group, *sums)
            .where(
                ReportQueueSlot.tenant_id.in_(f.tenant_ids),
                ReportQueueSlot.queue_id.in_(list(queues)),
                ReportQueueSlot.slot_start >= lo,
                ReportQueueSlot.slot_start < hi,
            )
            .group_by(*group)
        )
        if sub_day:
            query = query.order_by(bucket, name_rank) if by_queue else query.order_by(bucket)
        # a Core result (not the ORM's), fetched at once: no per-row loading or fetching
        found = session.connection().execute(query).all()
        first = 2 if by_queue else 1
        for row in found:
            qid = row[1] if by_queue else None
            start = starts.get(row[0])
            if start is None:
                start = starts[row[0]] = _LOCAL_EPOCH + timedelta(seconds=int(row[0]) * length)
            if sub_day:
                # one row per period and queue already: a period of a day or less lies
                # within one offset, and a repeated local hour keeps its own offset
                name = queues[qid][0] if qid is not None else ""
                rows.append(QueueRow(start, offset // 60, qid, name, Counts(row[first:])))
                continue
            key = (period_of(start.replace(tzinfo=UTC), period, _UTC)[0], qid)
            cell = cells.get(key)
            if cell is None:
                cells[key] = list(row[first:])
            else:
                for i, v in enumerate(row[first:]):
                    v = v or 0
                    cell[i] = max(cell[i], v) if i == _MAX_WAIT else cell[i] + v
        starts.clear()
    if sub_day:
        if len(spans) > 1:
            # where the clock went back, periods of the second offset repeat the first's
            rows.sort(key=lambda r: (r.period, -r.utc_offset, r.queue))
        return rows
    rows = [
        QueueRow(
            None if period == "total" else start,
            0,
            qid,
            queues[qid][0] if qid is not None else "",
            Counts(cell),
        )
        for (start, qid), cell in cells.items()
    ]
    rows.sort(key=lambda r: (r.period or datetime.min, r.queue))
    return rows


_LOCAL_EPOCH = datetime(1970, 1, 1)
_UTC = ZoneInfo("UTC")
_MAX_WAIT = QUEUE_FIELDS.index("max_wait")


# --- agents ----------------------------------------------------------------------------------


@dataclass
class AgentRow:
    key: str  # agent name, team or site
    agent_id: int | None
    period: datetime | None
    seconds: dict[str, float]  # by state
    offers: int
    answered: int
    rona: int
    pauses: dict[str, float]  # by reason
    first_login: datetime | None = None
    last_logout: datetime | None = None
    utc_offset: int = 0  # tells apart a repeated local hour

    @property
    def logged_in(self) -> float:
        return sum(self.seconds.values())

    @property
    def handle(self) -> float:
        s = self.seconds
        return s["talking"] + s["on_hold"] + s["wrap_up"]

    @property
    def occupancy(self) -> float | None:
        return _ratio(self.handle, self.handle + self.seconds["available"])

    @property
    def utilization(self) -> float | None:
        return _ratio(self.handle, self.logged_in)

    @property
    def aht(self) -> float | None:
        return _ratio(self.handle, self.answered)


@collector_paused()
def agent_report(
    session: Session, f: Filters, period: str = "total", *, group: str = "agent"
) -> list[AgentRow]:
    """Time in each state and pause reason, interactions, AHT, occupancy and utilisation,
    by agent, team or site, per period."""
    if group not in GROUPS:
        raise BadReportRequest(f"unknown grouping {group!r}", field="group", accepted=list(GROUPS))
    _check_period(period)
    agents = _agents(session, f)
    if not agents:
        return []
    ids = list(agents)

    def label(agent_id: int) -> str:
        info = agents[agent_id]
        return str(info["name"] if group == "agent" else info[group] or "–")

    window = (ReportAgentSlot.slot_start >= f.utc_start, ReportAgentSlot.slot_start < f.utc_end)
    cols = [getattr(ReportAgentSlot, n) for n in AGENT_FIELDS]
    rows: dict[tuple[str, datetime, int, int], AgentRow] = {}

    periods = _Periods(period, f.tz)

    def row_for(agent_id: int, slot: datetime | None) -> AgentRow:
        start, offset = periods.of(slot) if slot is not None else (datetime(1970, 1, 1), 0)
        key = (label(agent_id), start, offset, agent_id if group == "agent" else 0)
        found = rows.get(key)
        if found is None:
            found = rows[key] = AgentRow(
                key[0],
                agent_id if group == "agent" else None,
                None if period == "total" else start,
                dict.fromkeys(STATES, 0.0),
                0,
                0,
                0,
                {},
                utc_offset=offset,
            )
        return found

    scope = (ReportAgentSlot.tenant_id.in_(f.tenant_ids), ReportAgentSlot.agent_id.in_(ids))
    if period == "total":  # the database adds the slots up
        query = (
            select(ReportAgentSlot.agent_id, literal(None), *map(func.sum, cols))
            .where(*scope, *window)
            .group_by(ReportAgentSlot.agent_id)
        )
    else:
        query = select(ReportAgentSlot.agent_id, ReportAgentSlot.slot_start, *cols).where(
            *scope, *window
        )
    for agent_id, slot, *values in session.execute(query):
        r = row_for(agent_id, slot)
        for name, value in zip(STATES, values, strict=False):
            r.seconds[name] += value
        r.offers += values[len(STATES)]
        r.answered += values[len(STATES) + 1]
        r.rona += values[len(STATES) + 2]
    pauses = select(
        ReportAgentPause.agent_id,
        ReportAgentPause.slot_start,
        ReportAgentPause.reason,
        ReportAgentPause.seconds,
    ).where(
        ReportAgentPause.tenant_id.in_(f.tenant_ids),
        ReportAgentPause.agent_id.in_(ids),
        ReportAgentPause.slot_start >= f.utc_start,
        ReportAgentPause.slot_start < f.utc_end,
    )
    for agent_id, slot, reason, seconds in session.execute(pauses):
        r = row_for(agent_id, slot)
        r.pauses[reason] = r.pauses.get(reason, 0.0) + seconds
    if group == "agent":
        for agent_id, login, logout in _session_rows(session, f, ids):
            r = row_for(agent_id, login)
            if r.first_login is None or login < r.first_login:
                r.first_login = login
            if logout is not None and (r.last_logout is None or logout > r.last_logout):
                r.last_logout = logout
    return sorted(rows.values(), key=lambda r: (r.period or datetime.min, -r.utc_offset, r.key))


@dataclass(frozen=True)
class Session_:
    agent_id: int
    agent: str
    logged_in_at: datetime
    logged_out_at: datetime | None

    @property
    def seconds(self) -> float | None:
        if self.logged_out_at is None:
            return None
        return (self.logged_out_at - self.logged_in_at).total_seconds()


def agent_sessions(session: Session, f: Filters) -> list[Session_]:
    """Each log-in in the range (by its start) with its log-out, per agent in scope."""
    agents = _agents(session, f)
    return [
        Session_(a, agents[a]["name"], i, o) for a, i, o in _session_rows(session, f, list(agents))
    ]


def _session_rows(
    session: Session, f: Filters, agent_ids: list[int]
) -> list[tuple[int, datetime, datetime | None]]:
    query = (
        select(
            ReportAgentSession.agent_id,
            ReportAgentSession.logged_in_at,
            ReportAgentSession.logged_out_at,
        )
        .where(
            ReportAgentSession.tenant_id.in_(f.tenant_ids),
            ReportAgentSession.agent_id.in_(agent_ids),
            ReportAgentSession.logged_in_at >= f.utc_start,
            ReportAgentSession.logged_in_at < f.utc_end,
        )
        .order_by(ReportAgentSession.logged_in_at, ReportAgentSession.agent_id)
    )
    return [(a, i, o) for a, i, o in session.execute(query)]


# --- dispositions, IVR -------------------------------------------------------------------------


@dataclass(frozen=True)
class DispositionRow:
    tenant_id: int
    campaign: str
    disposition: str
    label_en: str
    label_es: str
    count: int


def disposition_report(session: Session, f: Filters) -> list[DispositionRow]:
    """Interactions per disposition (typification), per campaign and client company."""
    query: Select[Any] = (
        select(
            Interaction.tenant_id,
            func.coalesce(Campaign.name, ""),
            func.coalesce(Disposition.code, ""),
            func.coalesce(Disposition.label_en, ""),
            func.coalesce(Disposition.label_es, ""),
            func.count(WrapUp.id),
        )
        .join(Interaction, Interaction.id == WrapUp.interaction_id)
        .outerjoin(Campaign, Campaign.id == Interaction.campaign_id)
        .outerjoin(Disposition, Disposition.id == WrapUp.disposition_id)
        .where(
            Interaction.tenant_id.in_(f.tenant_ids),
            Interaction.arrived_at >= f.utc_start,
            Interaction.arrived_at < f.utc_end,
        )
        .group_by(
            Interaction.tenant_id,
            Campaign.name,
            Disposition.code,
            Disposition.label_en,
            Disposition.label_es,
        )
    )
    if f.campaign_ids is not None:
        query = query.where(Interaction.campaign_id.in_(f.campaign_ids))
    if f.queue_ids is not None:
        query = query.where(Interaction.queue_id.in_(f.queue_ids))
    if f.agent_ids is not None or f.team_ids is not None or f.site_ids is not None:
        query = query.where(WrapUp.agent_id.in_(list(_agents(session, f))))
    rows = [DispositionRow(*r) for r in session.execute(query)]
    return sorted(rows, key=lambda r: (r.tenant_id, r.campaign, -r.count, r.disposition))


@dataclass(frozen=True)
class IvrRow:
    flow: str
    node: str
    visits: int
    abandoned_ivr: int
    self_served: int
    queued: int
    transferred: int
    voicemail: int
    rejected: int


def ivr_report(session: Session, f: Filters) -> list[IvrRow]:
    """Visits per IVR node and how calls left the IVR there."""
    names = ("visits", "abandoned_ivr", "self_served", "queued", "transferred", "voicemail")
    cols = [func.sum(getattr(ReportIvrSlot, n)) for n in (*names, "rejected")]
    query = (
        select(ReportIvrSlot.flow, ReportIvrSlot.node, *cols)
        .where(
            ReportIvrSlot.tenant_id.in_(f.tenant_ids),
            ReportIvrSlot.slot_start >= f.utc_start,
            ReportIvrSlot.slot_start < f.utc_end,
        )
        .group_by(ReportIvrSlot.flow, ReportIvrSlot.node)
        .order_by(ReportIvrSlot.flow, ReportIvrSlot.node)
    )
    return [
        IvrRow(flow, node, *(int(v or 0) for v in vals))
        for flow, node, *vals in session.execute(query)
    ]


# --- call detail records ------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRow:
    interaction_id: str
    tenant_id: int
    arrived_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    outcome: str
    channel: str | None
    ani: str | None
    dnis: str | None
    campaign: str | None
    first_queue: str | None
    last_queue: str | None
    agent: str | None
    wait_seconds: float
    talk_seconds: float
    hold_seconds: float
    wrap_seconds: float
    transfers: int
    overflows: int
    legs: list[Any]


def calls(
    session: Session,
    f: Filters,
    *,
    outcome: str | None = None,
    number: str | None = None,
    offset: int = 0,
    limit: int | None = 100,
) -> tuple[int, list[CallRow]]:
    """Call detail records in the range (by arrival), newest first: (total, page)."""
    first_q = Queue.__table__.alias("first_q")
    last_q = Queue.__table__.alias("last_q")
    where = [
        ReportCall.tenant_id.in_(f.tenant_ids),
        ReportCall.arrived_at >= f.utc_start,
        ReportCall.arrived_at < f.utc_end,
    ]
    if outcome is not None:
        where.append(ReportCall.outcome == outcome)
    if f.queue_ids is not None:
        where.append(ReportCall.last_queue_id.in_(f.queue_ids))
    if f.agent_ids is not None or f.team_ids is not None or f.site_ids is not None:
        where.append(ReportCall.agent_id.in_(list(_agents(session, f))))
    if f.campaign_ids is not None:
        where.append(Interaction.campaign_id.in_(f.campaign_ids))
    if number:
        where.append((Interaction.ani == number) | (Interaction.dnis == number))
    base = select(ReportCall).outerjoin(Interaction, Interaction.id == ReportCall.interaction_id)
    total = session.scalar(select(func.count()).select_from(base.where(*where).subquery())) or 0
    query = (
        select(
            ReportCall,
            Interaction.channel,
            Interaction.ani,
            Interaction.dnis,
            Campaign.name,
            first_q.c.name,
            last_q.c.name,
            User.display_name,
        )
        .outerjoin(Interaction, Interaction.id == ReportCall.interaction_id)
        .outerjoin(Campaign, Campaign.id == Interaction.campaign_id)
        .outerjoin(first_q, first_q.c.id == ReportCall.first_queue_id)
        .outerjoin(last_q, last_q.c.id == ReportCall.last_queue_id)
        .outerjoin(User, User.id == ReportCall.agent_id)
        .where(*where)
        .order_by(ReportCall.arrived_at.desc(), ReportCall.interaction_id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    page = [
        CallRow(
            c.interaction_id,
            c.tenant_id,
            c.arrived_at,
            c.answered_at,
            c.ended_at,
            c.outcome,
            channel,
            ani,
            dnis,
            campaign,
            fq,
            lq,
            agent,
            c.wait_seconds,
            c.talk_seconds,
            c.hold_seconds,
            c.wrap_seconds,
            c.transfers,
            c.overflows,
            list(c.legs),
        )
        for c, channel, ani, dnis, campaign, fq, lq, agent in session.execute(query)
    ]
    return total, page


# --- lines ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinesRow:
    period: datetime
    utc_offset: int
    peak: int
    average: float
    trunk: str = ""  # "" = all lines together; "–" = calls that came by no trunk


ALL_LINES = ""
NO_TRUNK = "–"


def lines_report(
    session: Session, f: Filters, period: str = "60", *, by_trunk: bool = False
) -> list[LinesRow]:
    """Simultaneous calls per period: the peak and the time-average, from the call
    detail records (a call occupies a line from arrival to its end); with `by_trunk`,
    also per carrier trunk (after the rows of all lines together)."""
    if period == "total":
        raise BadReportRequest("lines are reported per interval", field="period")
    _check_period(period)
    query = (
        select(ReportCall.arrived_at, ReportCall.ended_at, Interaction.trunk)
        .outerjoin(Interaction, Interaction.id == ReportCall.interaction_id)
        .where(
            ReportCall.tenant_id.in_(f.tenant_ids),
            ReportCall.ended_at > f.utc_start,
            ReportCall.arrived_at < f.utc_end,
        )
    )
    if f.queue_ids is not None or f.campaign_ids is not None or f.site_ids is not None:
        query = query.where(ReportCall.last_queue_id.in_(list(_queue_ids(session, f))))
    spans: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for arrived, ended, trunk in session.execute(query):
        spans[ALL_LINES].append((arrived, ended))
        if by_trunk:
            spans[trunk or NO_TRUNK].append((arrived, ended))
    if not spans:
        spans[ALL_LINES] = []
    rows: list[LinesRow] = []
    for line in sorted(spans):
        rows.extend(_lines(spans[line], f, period, line))
    return rows


def _lines(
    spans: list[tuple[datetime, datetime]], f: Filters, period: str, line: str
) -> list[LinesRow]:
    changes: list[tuple[datetime, int]] = []
    for arrived, ended in spans:
        changes.append((max(arrived, f.utc_start), 1))
        changes.append((min(ended, f.utc_end), -1))
    changes.sort(key=lambda c: (c[0], c[1]))  # an end before a start at the same instant
    peak: dict[tuple[datetime, int], int] = defaultdict(int)
    area: dict[tuple[datetime, int], float] = defaultdict(float)
    length: dict[tuple[datetime, int], float] = {}
    # walk the periods in UTC steps of 15 minutes (the finest period unit)
    t = f.utc_start
    level = 0
    i = 0
    step = timedelta(minutes=15)
    while t < f.utc_end:
        key = period_of(t, period, f.tz)
        upto = t + step
        length[key] = length.get(key, 0.0) + step.total_seconds()
        peak[key] = max(peak[key], level)
        cursor = t
        while i < len(changes) and changes[i][0] < upto:
            at, delta = changes[i]
            area[key] += level * (at - cursor).total_seconds()
            cursor = at
            level += delta
            peak[key] = max(peak[key], level)
            i += 1
        area[key] += level * (upto - cursor).total_seconds()
        t = upto
    return [
        LinesRow(start, offset, peak[(start, offset)], area[(start, offset)] / seconds, line)
        for (start, offset), seconds in length.items()
    ]
