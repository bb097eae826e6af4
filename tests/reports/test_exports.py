"""The exports read back: CSV parsed, XLSX opened with openpyxl, PDF parsed with pypdf;
figures checked against the hand-computed day of `test_exports_day`."""

from __future__ import annotations

import csv
import io

import pytest

from centralita.reports import exports, queries
from centralita.reports.files import human, to_csv, to_xlsx
from centralita.reports.pdf import to_pdf
from reports.test_exports_day import BOGOTA, DAY, record_day


@pytest.fixture
def day_reports(demo_store):
    day = record_day(demo_store)
    f = queries.Filters([day.tenant_a], DAY, DAY, BOGOTA)
    with demo_store.read() as session:
        return {
            kind: exports.build(session, kind, f, exports.Options(period=period), "en")
            for kind, period in (("queues", "day"), ("agents", "total"), ("calls", "total"))
        }


def _csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode())  # spreadsheets then read the accents right
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_carries_the_figures_raw_and_no_figure_as_empty(day_reports):
    (ventas,) = _csv(to_csv(day_reports["queues"].tables[-1]))
    assert (ventas["Period"], ventas["Queue"], ventas["Offered"]) == ("2026-03-01", "Ventas", "4")
    assert (ventas["Service level"], ventas["SL of answered"], ventas["SL of offered"]) == (
        "0.3333",
        "0.5",
        "0.25",
    )
    assert (ventas["ASA"], ventas["AHT"], ventas["Longest wait"]) == ("15.0", "90.0", "40.0")
    calls = {r["Interaction"]: r for r in _csv(to_csv(day_reports["calls"].tables[-1]))}
    assert calls["A2"]["Answered at"] == "" and calls["A2"]["Wait"] == "40.0"  # never answered
    assert calls["A4"]["Legs"] == "Ventas 18:03:10→18:05:12 answered"


def test_xlsx_has_a_sheet_per_table_with_numbers_and_their_formats(day_reports):
    from openpyxl import load_workbook

    body = to_xlsx([day_reports["queues"], day_reports["agents"]])
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Totals", "Per queue and interval", "Agents"]
    rows = list(book["Per queue and interval"].iter_rows(values_only=True))
    ventas = dict(zip(rows[0], rows[1], strict=True))
    assert ventas["Service level"] == pytest.approx(1 / 3)
    assert (ventas["Answered"], ventas["ASA"], ventas["Avg. hold"]) == (2, 15, 10)
    agents = list(book["Agents"].iter_rows(values_only=True))
    ana = dict(zip(agents[0], agents[1], strict=True))
    assert (ana["Logged in"], ana["Talking"], ana["Pause: break"]) == (400, 140, 110)
    assert ana["First log-in"].isoformat() == "2026-03-01T18:00:00"
    assert ana["Utilisation"] == pytest.approx(0.45)
    header = agents[0]
    cell = book["Agents"].cell(row=2, column=header.index("Utilisation") + 1)
    assert cell.number_format == "0.0%"


def test_pdf_has_the_charts_then_the_tables_as_text(day_reports):
    from pypdf import PdfReader

    body = to_pdf([day_reports["queues"], day_reports["agents"]], "Energía del Valle")
    pdf = PdfReader(io.BytesIO(body))
    # queues: charts, totals, per interval; agents: chart, table
    assert len(pdf.pages) == 5
    assert pdf.metadata.title == "Energía del Valle"
    first = pdf.pages[0].extract_text()
    assert "Service level per interval" in first and "Calls per interval" in first
    totals = pdf.pages[1].extract_text()
    assert "Ventas" in totals and "33.3 %" in totals and "1:30" in totals  # SL, AHT
    agents = pdf.pages[4].extract_text()
    assert "Ana Restrepo" in agents and "66.7 %" in agents and "45.0 %" in agents


def test_a_long_table_runs_over_pages_of_24_rows():
    from pypdf import PdfReader

    table = exports.Table(
        "t",
        "Numbers",
        [exports.Column("n", "N"), exports.Column("r", "Ratio", "ratio")],
        [[i, i / 50] for i in range(50)],
    )
    report = exports.Report("x", "Long", "2026-03-01", [table])
    pdf = PdfReader(io.BytesIO(to_pdf([report], "Test")))
    assert len(pdf.pages) == 3  # 24 + 24 + 2 rows, no chart page
    assert "(3/3)" in pdf.pages[2].extract_text() and "98.0 %" in pdf.pages[2].extract_text()


def test_human_figures():
    assert human(None, "ratio") == "–"
    assert human(1 / 3, "ratio") == "33.3 %"
    assert human(90, "seconds") == "1:30"
    assert human(3725, "seconds") == "1:02:05"
