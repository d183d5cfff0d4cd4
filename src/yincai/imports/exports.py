"""Spreadsheet output: any table as .xlsx or .csv, with formula/CSV-injection escaping.

A cell whose text starts with = + - @ (or a tab/carriage return) would run as a formula when a teacher opens
the file in Excel/WPS. CSV cells get a leading apostrophe; .xlsx cells are written as explicit strings (never
formulas). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def escape_csv(value: Any) -> Any:
    """Neutralise a text cell that a spreadsheet would execute; other values unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def to_csv(table: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([escape_csv(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([escape_csv(_plain(v)) if v is not None else "" for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def write_sheet(ws: Any, table: Table) -> None:
    """Append `table` to an openpyxl worksheet; text is always stored as text, never as a formula."""
    from openpyxl.styles import Font

    for c, h in enumerate(table.headers, start=1):
        cell = ws.cell(row=1, column=c)
        cell.value = h
        cell.data_type = "s"
        cell.font = Font(bold=True)
    for r, row in enumerate(table.rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            value = _plain(value)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    ws.freeze_panes = "A2"


def to_xlsx(tables: Sequence[Table]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for table in tables:
        write_sheet(wb.create_sheet(_sheet_title(table.title)), table)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, "_")
    return title[:31] or "Sheet"


def download(content: bytes, file_name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def table_response(tables: Sequence[Table], file_stem: str, fmt: str) -> HttpResponse:
    """The download button of any page: `?format=csv` gives the first table as CSV, anything else .xlsx."""
    if fmt == "csv":
        return download(to_csv(tables[0]), f"{file_stem}.csv", "text/csv; charset=utf-8")
    return download(to_xlsx(tables), f"{file_stem}.xlsx", XLSX_TYPE)
