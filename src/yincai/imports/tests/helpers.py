"""Builders for in-memory workbooks and fresh assessments used by the import tests."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.personas import Personas
from yincai.assessment.models import Assessment, Item, ItemScore

FIXTURES = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "imports"


def xlsx(rows: Sequence[Sequence[Any]], *, title: str = "成绩", merges: Sequence[str] = (),
         extra_sheets: dict[str, Sequence[Sequence[Any]]] | None = None) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for m in merges:
        ws.merge_cells(m)
    for name, sheet_rows in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def fresh_assessment(p: Personas, *, n_items: int = 4, max_score: int = 5, school_class: Any = None,
                     name: str = "导入测试") -> Assessment:
    a = Assessment.objects.create(term=p.term, grade=p.class31.grade, subject=p.math_assessment.subject, kind="unit",
                                  name=name, date=datetime.date.today(), school_class=school_class)
    for j in range(n_items):
        Item.objects.create(assessment=a, label=str(j + 1), order=j + 1, max_score=Decimal(max_score))
    return a


def scores_of(a: Assessment) -> dict[tuple[str, str], tuple[str, Decimal | None]]:
    """(student_no, item label) → (state, score)."""
    return {
        (no, label): (state, score)
        for no, label, state, score in ItemScore.objects.filter(item__assessment=a).values_list(
            "student__student_no", "item__label", "state", "score"
        )
    }


def snapshot(a: Assessment) -> tuple[Any, ...]:
    """Everything an import of `a` could touch, to prove a refused import wrote nothing."""
    from yincai.imports.models import ImportBatch, ImportChange

    return (
        sorted(ItemScore.objects.filter(item__assessment=a).values_list("pk", "item_id", "student_id", "state", "score")),
        sorted(Item.objects.filter(assessment=a).values_list("pk", "label", "max_score", "section")),
        ImportBatch.objects.count(),
        ImportChange.objects.count(),
    )


SIMPLE_HEADER = ["学号", "姓名", "1", "2", "3", "4"]


def simple_rows(alice: Sequence[Any] = (1, 2, 3, 4), amy: Sequence[Any] = (5, 5, 5, 5)) -> list[list[Any]]:
    return [SIMPLE_HEADER, ["20240101", "alice", *alice], ["20240102", "amy", *amy]]
