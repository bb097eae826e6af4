"""The reports as tables and charts (their files: `files` for CSV and XLSX, `pdf`).

`build(session, kind, f, options, lang)` turns one report of `queries` into a `Report`:
titled tables (columns with a kind that says how to show a value) and chart series.
The web pages, the JSON API, the exports and the scheduled reports all render that one
value, so a figure reads the same everywhere. Values stay raw: seconds as numbers,
ratios as fractions (0.8 = 80 %), times as local wall-clock datetimes; `None` is "no
figure" (a ratio with nothing to divide), never a made-up 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from centralita.i18n import t
from centralita.reports import queries
from centralita.reports.projector import STATES
from centralita.store.models import Queue, Tenant

Kind = Literal["int", "number", "seconds", "ratio", "time", "text", "legs"]
KINDS = ("queues", "agents", "dispositions", "ivr", "lines", "calls")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "int"


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip((c.key for c in self.columns), row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    type: Literal["line", "bar", "stacked"]
    labels: list[str]
    series: dict[str, list[float | None]]
    percent: bool = False
    horizontal: bool = False


@dataclass
class Report:
    kind: str
    title: str
    subtitle: str
    tables: list[Table]
    charts: list[Chart] = field(default_factory=list)
    total: int | None = None  # calls: how many match, of which `tables` holds one page


@dataclass(frozen=True)
class Options:
    period: str = "60"
    group: str = "agent"
    outcome: str | None = None
    number: str | None = None
    offset: int = 0
    limit: int | None = 50


def _col(key: str, lang: str, kind: Kind = "int") -> Column:
    return Column(key, t("rep." + key, lang), kind)


def _when(row_period: datetime | None, period: str) -> str:
    if row_period is None:
        return ""
    if period in ("15", "30", "60"):
        return row_period.strftime("%Y-%m-%d %H:%M")
    return row_period.strftime("%Y-%m-%d")


def _local(at: datetime | None, f: queries.Filters) -> datetime | None:
    return None if at is None else at.astimezone(f.tz).replace(tzinfo=None)


QUEUE_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("offered", "int"),
    ("answered", "int"),
    ("abandoned", "int"),
    ("short_abandoned", "int"),
    ("overflowed_in", "int"),
    ("overflowed_out", "int"),
    ("transferred_in", "int"),
    ("rejected", "int"),
    ("callbacks", "int"),
    ("rona", "int"),
    ("service_level", "ratio"),
    ("service_level_answered", "ratio"),
    ("service_level_offered", "ratio"),
    ("asa", "seconds"),
    ("average_abandon", "seconds"),
    ("max_wait", "seconds"),
    ("aht", "seconds"),
    ("average_talk", "seconds"),
    ("average_hold", "seconds"),
    ("average_wrap", "seconds"),
)


def _queue_values(row: queries.QueueRow) -> list[Any]:
    return [getattr(row, key) for key, _ in QUEUE_COLUMNS]


def queue_report(session: Session, f: queries.Filters, o: Options, lang: str) -> Report:
    rows = queries.queue_report(session, f, o.period)
    columns = [_col("period", lang, "text"), _col("queue", lang, "text")]
    columns += [_col(key, lang, kind) for key, kind in QUEUE_COLUMNS]
    table = Table(
        "queues",
        t("rep.by_queue_interval", lang),
        columns,
        [[_when(r.period, o.period), r.queue, *_queue_values(r)] for r in rows],
    )
    totals = queries.queue_report(session, f, "total")
    summed = queries.queue_report(session, f, "total", by_queue=False)
    total_table = Table(
        "queue_totals",
        t("rep.totals", lang),
        [_col("queue", lang, "text"), *columns[2:]],
        [[r.queue, *_queue_values(r)] for r in totals]
        + [[t("rep.all_queues", lang), *_queue_values(r)] for r in summed],
    )
    intraday = queries.queue_report(session, f, o.period, by_queue=False)
    labels = [_when(r.period, o.period) for r in intraday]
    charts = [
        Chart(
            "service_level",
            t("rep.chart_service_level", lang),
            "line",
            labels,
            {
                t("rep.service_level", lang): [r.service_level for r in intraday],
                t("rep.service_level_answered", lang): [r.service_level_answered for r in intraday],
                t("rep.service_level_offered", lang): [r.service_level_offered for r in intraday],
            },
            percent=True,
        ),
        Chart(
            "volumes",
            t("rep.chart_volumes", lang),
            "bar",
            labels,
            {
                t("rep.answered", lang): [r.answered for r in intraday],
                t("rep.abandoned", lang): [r.abandoned + r.short_abandoned for r in intraday],
                t("rep.overflowed_out", lang): [r.overflowed_out for r in intraday],
            },
        ),
    ]
    return Report("queues", t("rep.queues", lang), "", [total_table, table], charts)


def agent_report(session: Session, f: queries.Filters, o: Options, lang: str) -> Report:
    rows = queries.agent_report(session, f, o.period, group=o.group)
    reasons = sorted({reason for r in rows for reason in r.pauses})
    columns = [_col("period", lang, "text"), Column("key", t("rep.group." + o.group, lang), "text")]
    if o.group == "agent":
        columns += [_col("first_login", lang, "time"), _col("last_logout", lang, "time")]
    columns += [_col("logged_in", lang, "seconds")]
    columns += [Column(s, t("state." + s, lang), "seconds") for s in STATES]
    columns += [Column("pause:" + r, f"{t('rep.pause', lang)}: {r}", "seconds") for r in reasons]
    columns += [_col(k, lang, kind) for k, kind in AGENT_TAIL]
    table_rows = []
    for r in rows:
        values: list[Any] = [_when(r.period, o.period), r.key]
        if o.group == "agent":
            values += [_local(r.first_login, f), _local(r.last_logout, f)]
        values.append(r.logged_in)
        values += [r.seconds[s] for s in STATES]
        values += [r.pauses.get(reason, 0.0) for reason in reasons]
        values += [getattr(r, key) for key, _ in AGENT_TAIL]
        table_rows.append(values)
    totals = queries.agent_report(session, f, "total", group=o.group)
    chart = Chart(
        "agent_states",
        t("rep.chart_states", lang),
        "stacked",
        [r.key for r in totals],
        {t("state." + s, lang): [r.seconds[s] / 3600 for r in totals] for s in STATES},
        horizontal=True,
    )
    return Report(
        "agents", t("rep.agents", lang), "", [Table("agents", "", columns, table_rows)], [chart]
    )


AGENT_TAIL: tuple[tuple[str, Kind], ...] = (
    ("offers", "int"),
    ("answered", "int"),
    ("rona", "int"),
    ("aht", "seconds"),
    ("occupancy", "ratio"),
    ("utilization", "ratio"),
)


def disposition_report(session: Session, f: queries.Filters, o: Options, lang: str) -> Report:
    rows = queries.disposition_report(session, f)
    columns = [
        _col("company", lang, "text"),
        _col("campaign", lang, "text"),
        _col("disposition", lang, "text"),
        _col("count", lang),
        _col("share", lang, "ratio"),
    ]
    per_campaign: dict[tuple[int, str], int] = {}
    for r in rows:
        per_campaign[(r.tenant_id, r.campaign)] = (
            per_campaign.get((r.tenant_id, r.campaign), 0) + r.count
        )
    names = _names(session, Tenant, {r.tenant_id for r in rows})
    table = Table(
        "dispositions",
        "",
        columns,
        [
            [
                names.get(r.tenant_id, ""),
                r.campaign or "—",
                (r.label_es if lang == "es" else r.label_en) or r.disposition or "—",
                r.count,
                r.count / per_campaign[(r.tenant_id, r.campaign)],
            ]
            for r in rows
        ],
    )
    chart = Chart(
        "dispositions",
        t("rep.dispositions", lang),
        "bar",
        [f"{row[1]} · {row[2]}" for row in table.rows],
        {t("rep.count", lang): [float(row[3]) for row in table.rows]},
        horizontal=True,
    )
    return Report("dispositions", t("rep.dispositions", lang), "", [table], [chart])


IVR_COUNTS = (
    "visits",
    "abandoned_ivr",
    "self_served",
    "queued",
    "transferred",
    "voicemail",
    "rejected",
)
IVR_EXITS = IVR_COUNTS[1:]  # how a call left the flow


def ivr_report(session: Session, f: queries.Filters, o: Options, lang: str) -> Report:
    rows = queries.ivr_report(session, f)
    nodes = Table(
        "ivr_nodes",
        t("rep.ivr_nodes", lang),
        [_col("flow", lang, "text"), _col("node", lang, "text")]
        + [_col(k, lang) for k in IVR_COUNTS],
        [[r.flow, r.node, *(getattr(r, k) for k in IVR_COUNTS)] for r in rows],
    )
    flows: dict[str, list[int]] = {}
    for r in rows:
        acc = flows.setdefault(r.flow, [0] * len(IVR_EXITS))
        for i, k in enumerate(IVR_EXITS):
            acc[i] += getattr(r, k)
    served = IVR_EXITS.index("self_served")
    summary_rows = []
    for flow, acc in flows.items():
        left = sum(acc)
        summary_rows.append([flow, left, *acc, acc[served] / left if left else None])
    summary = Table(
        "ivr_flows",
        t("rep.ivr_flows", lang),
        [_col("flow", lang, "text"), _col("calls_in", lang)]
        + [_col(k, lang) for k in IVR_EXITS]
        + [_col("containment", lang, "ratio")],
        summary_rows,
    )
    return Report("ivr", t("rep.ivr", lang), "", [summary, nodes])


def lines_report(session: Session, f: queries.Filters, o: Options, lang: str) -> Report:
    period = o.period if o.period != "total" else "day"
    rows = queries.lines_report(session, f, period, by_trunk=True)
    every = [r for r in rows if r.trunk == queries.ALL_LINES]
    table = Table(
        "lines",
        "",
        [_col("period", lang, "text"), _col("peak", lang), _col("average", lang, "number")],
        [[_when(r.period, period), r.peak, r.average] for r in every],
    )
    trunks = Table(
        "lines_by_trunk",
        t("rep.lines_by_trunk", lang),
        [
            _col("period", lang, "text"),
            _col("trunk", lang, "text"),
            _col("peak", lang),
            _col("average", lang, "number"),
        ],
        [
            [_when(r.period, period), r.trunk, r.peak, r.average]
            for r in rows
            if r.trunk != queries.ALL_LINES and (r.peak or r.average)
        ],
    )
    chart = Chart(
        "lines",
        t("rep.lines", lang),
        "bar",
        [row[0] for row in table.rows],
        {
            t("rep.peak", lang): [float(row[1]) for row in table.rows],
            t("rep.average", lang): [row[2] for row in table.rows],
        },
    )
    return Report("lines", t("rep.lines", lang), "", [table, trunks], [chart])


CALL_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("interaction", "text"),
    ("arrived_at", "time"),
    ("answered_at", "time"),
    ("ended_at", "time"),
    ("outcome", "text"),
    ("ani", "text"),
    ("dnis", "text"),
    ("campaign", "text"),
    ("first_queue", "text"),
    ("last_queue", "text"),
    ("agent", "text"),
    ("wait", "seconds"),
    ("talk", "seconds"),
    ("hold", "seconds"),
    ("wrap", "seconds"),
    ("transfers", "int"),
    ("overflows", "int"),
    ("legs", "legs"),
)


def calls_report(session: Session, f: queries.Filters, o: Options, lang: str) -> Report:
    total, rows = queries.calls(
        session, f, outcome=o.outcome, number=o.number, offset=o.offset, limit=o.limit
    )
    queue_names = _names(session, Queue, {leg.get("queue_id") for r in rows for leg in r.legs})
    table = Table(
        "calls",
        "",
        [_col(k, lang, kind) for k, kind in CALL_COLUMNS],
        [
            [
                r.interaction_id,
                _local(r.arrived_at, f),
                _local(r.answered_at, f),
                _local(r.ended_at, f),
                r.outcome,
                r.ani,
                r.dnis,
                r.campaign,
                r.first_queue,
                r.last_queue,
                r.agent,
                r.wait_seconds,
                r.talk_seconds,
                r.hold_seconds,
                r.wrap_seconds,
                r.transfers,
                r.overflows,
                [_leg(leg, queue_names, f) for leg in r.legs],
            ]
            for r in rows
        ],
    )
    return Report("calls", t("rep.calls", lang), "", [table], total=total)


def _names(session: Session, model: type[Tenant] | type[Queue], ids: set[Any]) -> dict[int, str]:
    """The names of the rows of `model` with these ids (None left out)."""
    wanted = [int(i) for i in ids if i is not None]
    if not wanted:
        return {}
    query = select(model.id, model.name).where(model.id.in_(wanted))
    return {i: n for i, n in session.execute(query)}


def _leg(leg: dict[str, Any], names: dict[int, str], f: queries.Filters) -> dict[str, Any]:
    def at(seconds: float | None) -> str | None:
        if seconds is None:
            return None
        return datetime.fromtimestamp(seconds, f.tz).strftime("%H:%M:%S")

    queue = leg.get("queue_id")
    return {
        "queue": names.get(int(queue), str(queue)) if queue is not None else None,
        "entered": at(leg.get("entered_at")),
        "answered": at(leg.get("answered_at")),
        "ended": at(leg.get("ended_at")),
        "agent_id": leg.get("agent_id"),
        "outcome": leg.get("outcome"),
    }


BUILDERS = {
    "queues": queue_report,
    "agents": agent_report,
    "dispositions": disposition_report,
    "ivr": ivr_report,
    "lines": lines_report,
    "calls": calls_report,
}


def build(session: Session, kind: str, f: queries.Filters, o: Options, lang: str) -> Report:
    builder = BUILDERS.get(kind)
    if builder is None:
        raise queries.BadReportRequest(
            f"unknown report {kind!r}", field="report", accepted=list(KINDS)
        )
    report = builder(session, f, o, lang)
    report.subtitle = _subtitle(f, lang)
    return report


def _subtitle(f: queries.Filters, lang: str) -> str:
    span = str(f.start) if f.start == f.end else f"{f.start} – {f.end}"
    return f"{span} ({f.tz.key})"
