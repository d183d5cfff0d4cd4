"""Permission-filtered reads of assessments and scores (totals, trajectories)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from yincai.assessment.models import Assessment, ItemScore
from yincai.school.models import SchoolClass, Student, Subject, Term
from yincai.school.selectors import subjects_visible_for


@dataclass(frozen=True)
class StudentTotal:
    student_id: int
    total: Decimal | None  # None when the student has no scored item (缺考/免考)
    state: str  # "scored", or the dominant non-scored state (absent/exempt/cheating)

    @property
    def label(self) -> str:
        if self.total is not None:
            return f"{self.total.normalize():f}"
        return dict(ItemScore.STATE_CHOICES).get(self.state, "—")


def student_totals(assessment: Assessment, student_ids: Iterable[int]) -> dict[int, StudentTotal]:
    """Total score per student on one assessment; absent ≠ 0."""
    rows = (
        ItemScore.objects.filter(item__assessment=assessment, student_id__in=list(student_ids))
        .values("student_id")
        .annotate(total=Sum("score"), scored=Count("id", filter=Q(state="scored")), n=Count("id"))
    )
    result: dict[int, StudentTotal] = {}
    absent_state = dict(
        ItemScore.objects.filter(item__assessment=assessment, student_id__in=list(student_ids))
        .exclude(state__in=["scored", "blank"])
        .values_list("student_id", "state")
    )
    for row in rows:
        sid = row["student_id"]
        if row["scored"]:
            result[sid] = StudentTotal(sid, row["total"] or Decimal(0), "scored")
        else:
            result[sid] = StudentTotal(sid, None, absent_state.get(sid, "absent"))
    return result


def latest_assessment(school_class: SchoolClass, subject: Subject | None = None) -> Assessment | None:
    qs = Assessment.objects.filter(term=school_class.term, grade=school_class.grade).filter(
        Q(school_class__isnull=True) | Q(school_class=school_class)
    )
    if subject is not None:
        qs = qs.filter(subject=subject)
    return qs.order_by("-date", "-id").first()


LEVELS = [(0.9, "优秀"), (0.75, "良好"), (0.6, "合格"), (0.0, "待提高")]


def result_level(total: float | None, max_total: float) -> str:
    """等级 for students and parents (教育部 2021: results as levels, never published scores or ranks)."""
    if total is None or max_total <= 0:
        return "缺考"
    rate = total / max_total
    return next(label for cut, label in LEVELS if rate >= cut)


@dataclass(frozen=True)
class TrajectoryPoint:
    assessment_id: int
    name: str
    date: str
    subject: str
    total: float | None
    max_total: float
    class_median: float | None

    @property
    def level(self) -> str:
        return result_level(self.total, self.max_total)


def score_trajectory(user: Any, student: Student, term: Term | None = None) -> list[TrajectoryPoint]:
    """The student's totals over the term (and the previous one) against the class median, never named peers."""
    term = term or Term.current()
    if term is None:
        return []
    subjects = subjects_visible_for(user, student, term)
    terms = [t for t in (term.previous(), term) if t is not None]
    points: list[TrajectoryPoint] = []
    for t in terms:
        klass = student.class_in(t)
        if klass is None:
            continue
        classmates = list(klass.enrolments.values_list("student_id", flat=True))
        assessments = (
            Assessment.objects.filter(term=t, grade=klass.grade, subject__in=subjects)
            .filter(Q(school_class__isnull=True) | Q(school_class=klass))
            .select_related("subject")
            .annotate(max_total_sum=Sum("items__max_score"))
            .order_by("date", "id")
        )
        for a in assessments:
            totals = student_totals(a, classmates)
            own = totals.get(student.pk)
            scored = [float(v.total) for v in totals.values() if v.total is not None]
            points.append(
                TrajectoryPoint(
                    assessment_id=a.pk,
                    name=a.name,
                    date=a.date.isoformat(),
                    subject=a.subject.name,
                    total=float(own.total) if own and own.total is not None else None,
                    max_total=float(a.max_total_sum or 0),
                    class_median=statistics.median(scored) if scored else None,
                )
            )
    return points


def class_latest_totals(school_class: SchoolClass, subject: Subject | None = None) -> tuple[Assessment | None, dict[int, StudentTotal]]:
    assessment = latest_assessment(school_class, subject)
    if assessment is None:
        return None, {}
    ids = school_class.enrolments.values_list("student_id", flat=True)
    return assessment, student_totals(assessment, ids)


def assessments_for_class(school_class: SchoolClass, subjects: QuerySet[Subject] | None = None) -> QuerySet[Assessment]:
    qs = Assessment.objects.filter(term=school_class.term, grade=school_class.grade).filter(
        Q(school_class__isnull=True) | Q(school_class=school_class)
    )
    if subjects is not None:
        qs = qs.filter(subject__in=subjects)
    return qs.select_related("subject").order_by("date", "id")
