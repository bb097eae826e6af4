"""The report pages (`/reports/<kind>`) and their exports (`/reports/<kind>.csv|xlsx|pdf`).

Every page and file renders the one `exports.Report` built from the projection tables,
within the reader's tenants (see `reports_scope`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from centralita.errors import NotFound
from centralita.reports import exports
from centralita.reports.files import human, to_csv, to_xlsx
from centralita.reports.pdf import to_pdf
from centralita.reports.queries import Filters
from centralita.web.pages import render
from centralita.web.routes.reports_scope import PAGE_SIZE, Reader, choices, parse, reader

router = APIRouter(include_in_schema=False)
ReaderDep = Annotated[Reader, Depends(reader)]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class NoSuchReport(NotFound):
    code = "no-such-report"


@router.get("/reports")
async def reports_home() -> Response:
    return RedirectResponse("/reports/queues", status_code=303)


@router.get("/reports/{name}")
def report_page(request: Request, who: ReaderDep, name: str) -> Response:
    kind, _, fmt = name.partition(".")
    if kind not in exports.KINDS or (fmt and fmt not in MEDIA):
        raise NoSuchReport(report=name, accepted=list(exports.KINDS))
    zone = request.app.state.settings.timezone
    with request.app.state.store.read() as session:
        asked = parse(session, who, kind, request.query_params, zone, paged=not fmt)
        report = exports.build(session, kind, asked.filters, asked.options, who.lang)
        if fmt:
            return _file(report, fmt, asked.filters, who.lang)
        offered = choices(session, who, asked.filters)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return render(
        request,
        "reports/report.html",
        who.user,
        kind=kind,
        kinds=exports.KINDS,
        report=report,
        charts=[asdict(c) for c in report.charts],
        asked=asked,
        choices=offered,
        params=request.query_params,
        query=urlencode(query),
        page_size=PAGE_SIZE,
        human=human,
        zone=zone,
    )


def _file(report: exports.Report, fmt: str, f: Filters, lang: str) -> Response:
    if fmt == "csv":
        body = to_csv(report.tables[-1])
    elif fmt == "xlsx":
        body = to_xlsx([report])
    else:
        body = to_pdf([report], "Centralita")
    name = f"centralita-{report.kind}-{f.start}_{f.end}.{fmt}"
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
