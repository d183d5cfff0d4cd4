"""Rosters the way a school office keeps them, built with openpyxl: a title row merged across the sheet, header
cells merged over two rows, full-width digits and brackets, stray spaces — and the checks that no field of the
database holds a given text (an ID number must never be stored)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from typing import Any

import openpyxl

ID_NUMBER = "11010520160101123X"  # a made-up 身份证号 (valid shape, not a real person)
ID_NUMBER_2 = "110105201703025678"
ADDRESS = "北京市朝阳区幸福路8号"


def office_sheet(wb: Any, name: str, title: str, headers: Sequence[Sequence[Any]], rows: Sequence[Sequence[Any]],
                 merges: Sequence[str] = ()) -> None:
    """A sheet with a merged title row, then the header row(s), then the data."""
    ws = wb.create_sheet(name)
    width = max(len(h) for h in headers)
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for h in headers:
        ws.append(list(h))
    for row in rows:
        ws.append(list(row))
    for m in merges:
        ws.merge_cells(m)


def book(*sheets: tuple[str, str, Sequence[Sequence[Any]], Sequence[Sequence[Any]], Sequence[str]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, title, headers, rows, merges in sheets:
        office_sheet(wb, name, title, headers, rows, merges)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _blob_texts(data: bytes) -> list[str]:
    """A binary value as text, and every member of it when it is a zip (an .xlsx keeps strings compressed)."""
    texts = [data.decode("utf-8", "ignore")]
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            texts += [archive.read(info).decode("utf-8", "ignore") for info in archive.infolist()]
    return texts


def fields_holding(needle: str) -> list[str]:
    """Every model field (text, JSON, binary — uploaded files included) whose stored value contains `needle`."""
    from django.apps import apps
    from django.db import models

    hits = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.CharField | models.TextField):
                if model._default_manager.filter(**{f"{f.name}__contains": needle}).exists():
                    hits.append(f"{model._meta.label}.{f.name}")
            elif isinstance(f, models.JSONField):
                values = model._default_manager.values_list(f.name, flat=True)
                if any(needle in json.dumps(v, ensure_ascii=False) for v in values):
                    hits.append(f"{model._meta.label}.{f.name}")
            elif isinstance(f, models.BinaryField):
                for blob in model._default_manager.values_list(f.name, flat=True):
                    if blob and any(needle in t for t in _blob_texts(bytes(blob))):
                        hits.append(f"{model._meta.label}.{f.name}")
                        break
    return hits
