"""The reports as tables and charts, and their files: CSV, XLSX and PDF.

`build(session, kind, f, options, lang)` turns one report of `queries` into a `Report`:
titled tables (columns with a kind that says how to show a value) and chart series.
The web pages, the JSON API, the exports and the scheduled reports all render that one
value, so a figure reads the same everywhere. Values stay raw: seconds as numbers,
ratios as fractions (0.8 = 80 %), times as local wall-clock datetimes; `None` is "no
figure" (a ratio with nothing to divide), never a made-up 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from centralita.i18n import t
from centralita.reports import queries
from centralita.reports.projector import STATES

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
        values += [r.offers, r.answered, r.rona, r.aht, r.occupancy, r.utilization]
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
    names = _tenant_names(session, {r.tenant_id for r in rows})
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


def _tenant_names(session: Session, ids: set[int]) -> dict[int, str]:
    from sqlalchemy import select

    from centralita.store.models import Tenant

    if not ids:
        return {}
    return {
        i: n for i, n in session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(ids)))
    }


IVR_COUNTS = (
    "visits",
    "abandoned_ivr",
    "self_served",
    "queued",
    "transferred",
    "voicemail",
    "rejected",
)


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
        acc = flows.setdefault(r.flow, [0] * 6)
        for i, k in enumerate(IVR_COUNTS[1:]):
            acc[i] += getattr(r, k)
    summary = Table(
        "ivr_flows",
        t("rep.ivr_flows", lang),
        [_col("flow", lang, "text"), _col("calls_in", lang)]
        + [_col(k, lang) for k in IVR_COUNTS[1:]]
        + [_col("containment", lang, "ratio")],
        [
            [flow, sum(acc), *acc, acc[1] / sum(acc) if sum(acc) else None]
            for flow, acc in flows.items()
        ],
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
    queue_names = _queue_names(session, {leg.get("queue_id") for r in rows for leg in r.legs})
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


def _queue_names(session: Session, ids: set[Any]) -> dict[int, str]:
    from sqlalchemy import select

    from centralita.store.models import Queue

    wanted = [int(i) for i in ids if i is not None]
    if not wanted:
        return {}
    return {
        i: n for i, n in session.execute(select(Queue.id, Queue.name).where(Queue.id.in_(wanted)))
    }


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


# --- files ---------------------------------------------------------------------------------


def plain(value: Any, kind: Kind) -> Any:
    """A value as JSON and CSV carry it: numbers rounded, times ISO, legs as they are."""
    if value is None:
        return None
    if kind == "time":
        return value.isoformat(sep=" ", timespec="seconds")
    if kind == "ratio":
        return round(float(value), 4)
    if kind in ("seconds", "number"):
        return round(float(value), 1)
    if kind == "int":
        return int(value)
    return value


def _csv_cell(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind == "legs":
        return " | ".join(
            f"{leg['queue']} {leg['entered']}→{leg['ended']} {leg['outcome']}" for leg in value
        )
    return str(plain(value, kind))


def to_csv(table: Table) -> bytes:
    """One table as CSV (UTF-8 with a byte-order mark, so spreadsheets read accents)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(reports: Sequence[Report]) -> bytes:
    """Every table of `reports` on its own sheet, numbers as numbers (ratios as %)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    formats = {"ratio": "0.0%", "seconds": "0.0", "number": "0.00", "time": "yyyy-mm-dd hh:mm:ss"}
    used: set[str] = set()
    for report in reports:
        for table in report.tables:
            name = _sheet_name(table.title or report.title, used)
            sheet = book.create_sheet(name)
            sheet.append([c.label for c in table.columns])
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for row in table.rows:
                sheet.append(
                    [
                        _csv_cell(v, c.kind) if c.kind == "legs" else v
                        for v, c in zip(row, table.columns, strict=True)
                    ]
                )
            for i, column in enumerate(table.columns, start=1):
                fmt = formats.get(column.kind)
                letter = sheet.cell(row=1, column=i).column_letter
                sheet.column_dimensions[letter].width = max(10, min(40, len(column.label) + 2))
                if fmt:
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                        cell.number_format = fmt
            sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "report"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name)
    return name


def human(value: Any, kind: Kind) -> str:
    """A value as a person reads it: 33.3 %, 1:30 (minutes:seconds), 2026-03-01 18:00."""
    if value is None or value == "":
        return "–"
    if kind == "ratio":
        return f"{value * 100:.1f} %"
    if kind == "seconds":
        s = round(value)
        if s >= 3600:
            return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
        return f"{s // 60}:{s % 60:02d}"
    if kind == "number":
        return f"{value:.2f}"
    if kind == "time":
        return str(value.strftime("%Y-%m-%d %H:%M:%S"))
    if kind == "int":
        return str(int(value))
    if kind == "legs":
        return _csv_cell(value, kind)
    return str(value)


#: A4 landscape, in inches
PAGE = (11.69, 8.27)
ROWS_PER_PAGE = 24
COLORS = ("#1f5fbf", "#c0392b", "#e0a800", "#2e9d5b", "#8e44ad", "#6c757d", "#2c7be5")


def to_pdf(reports: Sequence[Report], heading: str) -> bytes:
    """A PDF for managers: per report a page of its charts, then its tables, paged.

    Drawn with matplotlib's PDF backend on plain `Figure`s (no pyplot state, so it is
    safe from the scheduler's thread); fonts are embedded as TrueType, so the text can be
    searched and copied."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    out = io.BytesIO()
    with (
        matplotlib.rc_context({"pdf.fonttype": 42, "font.size": 8}),
        PdfPages(out, metadata={"Title": heading, "Creator": "Centralita"}) as pdf,
    ):
        for report in reports:
            if report.charts:
                pdf.savefig(_chart_page(report, heading))
            for table in report.tables:
                if table.columns[-1].kind == "legs":
                    table = Table(
                        table.name, table.title, table.columns[:-1], [r[:-1] for r in table.rows]
                    )
                chunks = [
                    table.rows[i : i + ROWS_PER_PAGE]
                    for i in range(0, max(1, len(table.rows)), ROWS_PER_PAGE)
                ]
                for n, rows in enumerate(chunks, start=1):
                    pdf.savefig(_table_page(report, table, rows, n, len(chunks), heading))
    return out.getvalue()


def _page(report: Report, heading: str, title: str) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=PAGE)
    fig.text(0.04, 0.955, f"{heading} · {report.title}", fontsize=14, weight="bold")
    fig.text(0.04, 0.925, f"{title}  {report.subtitle}".strip(), fontsize=9, color="#555")
    return fig


def _chart_page(report: Report, heading: str) -> Any:
    fig = _page(report, heading, "")
    count = len(report.charts)
    for i, chart in enumerate(report.charts):
        ax = fig.add_axes((0.08, 0.08 + (count - 1 - i) * 0.84 / count, 0.88, 0.84 / count - 0.1))
        _draw(ax, chart)
    return fig


def _draw(ax: Any, chart: Chart) -> None:
    ax.set_title(chart.title, fontsize=10, loc="left")
    n = len(chart.labels)
    positions = list(range(n))
    step = max(1, n // 24)
    if chart.type == "line":
        for (name, values), color in zip(chart.series.items(), COLORS, strict=False):
            ys = [float("nan") if v is None else v * (100 if chart.percent else 1) for v in values]
            ax.plot(positions, ys, marker="o", markersize=3, label=name, color=color)
        if chart.percent:
            ax.set_ylim(0, 105)
            ax.set_ylabel("%")
    else:
        width = 0.8 / (1 if chart.type == "stacked" else max(1, len(chart.series)))
        base = [0.0] * n
        for k, ((name, values), color) in enumerate(
            zip(chart.series.items(), COLORS, strict=False)
        ):
            ys = [v or 0.0 for v in values]
            shift = 0.0 if chart.type == "stacked" else (k - (len(chart.series) - 1) / 2) * width
            where = [p + shift for p in positions]
            if chart.horizontal:
                ax.barh(where, ys, height=width, left=base, label=name, color=color)
            else:
                ax.bar(where, ys, width=width, bottom=base, label=name, color=color)
            if chart.type == "stacked":
                base = [b + y for b, y in zip(base, ys, strict=True)]
    if chart.horizontal:
        ax.set_yticks(positions, chart.labels, fontsize=7)
        ax.invert_yaxis()
    else:
        ax.set_xticks(positions[::step], chart.labels[::step], rotation=45, ha="right", fontsize=6)
    ax.grid(alpha=0.3)
    if chart.series:
        ax.legend(fontsize=7, loc="best")


def _table_page(
    report: Report, table: Table, rows: list[list[Any]], n: int, pages: int, heading: str
) -> Any:
    import textwrap

    suffix = f" ({n}/{pages})" if pages > 1 else ""
    fig = _page(report, heading, (table.title or "") + suffix)
    ax = fig.add_axes((0.02, 0.03, 0.96, 0.86))
    ax.axis("off")
    cells = [[human(v, c.kind) for v, c in zip(row, table.columns, strict=True)] for row in rows]
    labels = [
        "\n".join(textwrap.wrap(c.label, 10, break_long_words=False)) or c.label
        for c in table.columns
    ]
    if not cells:
        ax.text(0, 0.95, "–", fontsize=10)
        return fig
    # each column as wide as its longest line (header lines or values), the whole page wide
    chars = [
        max([len(line) for line in label.split("\n")] + [len(row[i]) for row in cells]) + 2
        for i, label in enumerate(labels)
    ]
    widths = [c / sum(chars) for c in chars]
    drawn = ax.table(
        cellText=cells, colLabels=labels, colWidths=widths, loc="upper center", cellLoc="right"
    )
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(6 if len(table.columns) > 12 else 8)
    drawn.scale(1, 1.25)
    for (row, _col), cell in drawn.get_celld().items():
        if row == 0:
            cell.set_height(cell.get_height() * 2.4)
            cell.set_facecolor("#e8eef7")
            cell.get_text().set_weight("bold")
    return fig
