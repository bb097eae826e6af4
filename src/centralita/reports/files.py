"""A report's values as files and text: raw for JSON and CSV, formatted for people, and
the CSV and XLSX files.

`plain` is what the JSON API and the CSV carry (seconds as numbers, ratios as fractions,
times ISO); `human` is what the pages and the PDF show (33.3 %, 1:30). `to_csv` writes one
table, `to_xlsx` every table of some reports, each on its own sheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from centralita.reports.exports import Kind, Report, Table


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
