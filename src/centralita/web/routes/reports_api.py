"""The reports as JSON: `GET /api/v1/reports/<kind>` with the pages' query parameters.

Authorised by the administration token (`Authorization: Bearer ...`, every tenant) or a
signed-in reader's session (its tenants). Rows are objects keyed by the columns' stable
keys; seconds are numbers, ratios fractions (0.8 = 80 %), times local ISO strings.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from centralita.reports import exports
from centralita.reports.files import plain
from centralita.web.routes.reports import NoSuchReport
from centralita.web.routes.reports_scope import Reader, parse, reader

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/{kind}")
def report_json(
    request: Request, who: Annotated[Reader, Depends(reader)], kind: str
) -> dict[str, Any]:
    """One report (queues, agents, dispositions, ivr, lines, calls) for a local date range
    (`start`, `end`, YYYY-MM-DD, in the center's time zone), `period` (15, 30, 60, day,
    week, month, total), `group` (agent, team, site), and the ids `tenant`, `site`, `queue`,
    `team`, `agent`, `campaign` (repeat or comma-separate); calls also take `outcome`,
    `number` and `page` (50 a page)."""
    if kind not in exports.KINDS:
        raise NoSuchReport(report=kind, accepted=list(exports.KINDS))
    zone = request.app.state.settings.timezone
    with request.app.state.store.read() as session:
        asked = parse(session, who, kind, request.query_params, zone)
        report = exports.build(session, kind, asked.filters, asked.options, who.lang)
    f = asked.filters
    return {
        "report": kind,
        "title": report.title,
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "timezone": f.tz.key,
        "tenants": list(f.tenant_ids),
        "period": asked.options.period,
        "total": report.total,
        "page": asked.page if kind == "calls" else None,
        "tables": [
            {
                "name": table.name,
                "title": table.title,
                "columns": [
                    {"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns
                ],
                "rows": [
                    {c.key: plain(v, c.kind) for c, v in zip(table.columns, row, strict=True)}
                    for row in table.rows
                ],
            }
            for table in report.tables
        ],
        "charts": [
            {
                "name": c.name,
                "title": c.title,
                "type": c.type,
                "labels": c.labels,
                "series": c.series,
                "percent": c.percent,
            }
            for c in report.charts
        ],
    }
