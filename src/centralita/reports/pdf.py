"""A report as a PDF for managers: per report a page of its charts, then its tables,
paged, on A4 landscape (matplotlib's PDF backend)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from centralita.reports.exports import Chart, Report, Table
from centralita.reports.files import human

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
