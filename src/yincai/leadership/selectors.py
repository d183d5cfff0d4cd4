"""Reads of 教导处's tools (routine checks, teachers' term summaries, the work plan)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from yincai.leadership.models import GrowthRecord, RoutineCheck, WorkGroup, WorkTask
from yincai.school.models import Staff, StaffRole, Term


def teachers_of(term: Term) -> QuerySet[Staff]:
    """Staff holding a teaching role (head teacher, subject teacher, mentor) in the term."""
    ids = StaffRole.objects.filter(term=term, role__in=["head_teacher", "subject_teacher", "mentor"]).values("staff")
    return Staff.objects.filter(pk__in=ids).order_by("name")


def month_overview(term: Term, month: datetime.date) -> list[tuple[Staff, RoutineCheck | None]]:
    checks = {c.teacher_id: c for c in RoutineCheck.objects.filter(term=term, month=month.replace(day=1))
              .prefetch_related("items")}
    return [(t, checks.get(t.pk)) for t in teachers_of(term)]


@dataclass(frozen=True)
class TeacherSummary:
    teacher: Staff
    checks: list[RoutineCheck]
    average: float | None
    growth: list[GrowthRecord]


def teacher_summary(teacher: Staff, term: Term) -> TeacherSummary:
    """A teacher's assessment summary of the term: monthly check totals, their mean, growth records."""
    checks = list(RoutineCheck.objects.filter(teacher=teacher, term=term).prefetch_related("items").order_by("month"))
    totals = [c.total for c in checks]
    return TeacherSummary(teacher, checks, sum(totals) / len(totals) if totals else None,
                          list(GrowthRecord.objects.filter(teacher=teacher, term=term)))


def work_plan(term: Term) -> dict[str, Any]:
    tasks = list(WorkTask.objects.filter(term=term).select_related("owner"))
    return {
        "groups": WorkGroup.objects.filter(term=term).prefetch_related("members__staff"),
        "phases": [(code, label, [t for t in tasks if t.phase == code]) for code, label in WorkTask.PHASE_CHOICES],
        "overdue": [t for t in tasks if t.overdue],
        "done": sum(1 for t in tasks if t.status == "done"),
        "total": len(tasks),
    }
