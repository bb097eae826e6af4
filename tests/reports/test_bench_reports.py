"""The reports benchmark's generated log is a real one: projected, it reports every call."""

from __future__ import annotations

from sqlalchemy import func, select

from centralita.perf.reports import run
from centralita.store.db import Store
from centralita.store.models import ReportCall, ReportQueueSlot


def test_the_generated_days_rebuild_into_reports_that_count_every_call(postgres_url):
    figures = run(postgres_url, days=2, agents=8, calls_per_day=600, queues=2)
    store = Store.from_url(postgres_url)
    try:
        with store.read() as session:
            offered = session.scalar(select(func.sum(ReportQueueSlot.offered)))
            records = session.scalar(select(func.count()).select_from(ReportCall))
    finally:
        store.dispose()
    assert figures["calls"] > 1000
    assert offered == records == figures["calls"]
    assert figures["interval_report_rows"] > 0 and figures["agent_report_rows"] == 8
