"""Permission-filtered reads of assessments and scores (totals, trajectories)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from yincai.assessment.models import Assessment, Item, ItemScore
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


NOT_SCORED = ("absent", "exempt", "cheating")  # the states a total without any scored item is reported as


def student_totals(assessment: Assessment, student_ids: Iterable[int]) -> dict[int, StudentTotal]:
    """Total score per student on one assessment; absent ≠ 0."""
    return totals_by_assessment([assessment.pk], student_ids).get(assessment.pk, {})


def totals_by_assessment(assessment_ids: Iterable[int],
                         student_ids: Iterable[int]) -> dict[int, dict[int, StudentTotal]]:
    """assessment_id → student_id → total, for several assessments in one grouped query; absent ≠ 0.

    Item ids (and a queryset of student ids) go in as subqueries, so SQLite walks the (student, item) index.
    A student without any scored item is reported with the dominant non-scored state (缺考/免考/作弊; 缺考 when
    every item is only blank)."""
    ids = student_ids if isinstance(student_ids, QuerySet) else list(student_ids)
    rows = (
        ItemScore.objects.filter(item_id__in=Item.objects.filter(assessment_id__in=list(assessment_ids)).values("id"),
                                 student_id__in=ids)
        .values("item__assessment_id", "student_id")
        .annotate(total=Sum("score"), scored=Count("id", filter=Q(state="scored")),
                  **{state: Count("id", filter=Q(state=state)) for state in NOT_SCORED})
    )
    result: dict[int, dict[int, StudentTotal]] = {}
    for row in rows:
        sid = row["student_id"]
        if row["scored"]:
            total = StudentTotal(sid, row["total"] or Decimal(0), "scored")
        else:
            dominant = max(NOT_SCORED, key=lambda state: row[state])  # ties: the first of NOT_SCORED
            total = StudentTotal(sid, None, dominant if row[dominant] else "absent")
        result.setdefault(row["item__assessment_id"], {})[sid] = total
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


def score_trajectory(user: Any, student: Student, term: Term | None = None, *,
                     with_class_median: bool = True) -> list[TrajectoryPoint]:
    """The student's totals over the term (and the previous one) against the class median, never named peers.

    A fixed number of queries (the terms' classes, their assessments, every classmate's totals in one
    aggregate), whatever the number of assessments or classmates. Pages for families, which never show the
    median, pass `with_class_median=False`: only the student's own scores are read and class_median is None."""
    term = term or Term.current()
    if term is None:
        return []
    subjects = subjects_visible_for(user, student, term)
    terms = [t for t in (term.previous(), term) if t is not None]
    classes = {e.term_id: e.school_class for e in student.enrolments.filter(term__in=terms).select_related("school_class")}
    if not classes:
        return []
    in_class = Q(pk__in=[])
    for klass in classes.values():
        in_class |= Q(term_id=klass.term_id, grade_id=klass.grade_id) & (
            Q(school_class__isnull=True) | Q(school_class_id=klass.pk))
    assessments = list(
        Assessment.objects.filter(in_class, subject__in=subjects)
        .select_related("subject")
        .annotate(max_total_sum=Sum("items__max_score"))
        .order_by("date", "id")
    )
    if not assessments:
        return []
    # Each term's assessments against that term's classmates; a total counts only when at least one item was
    # scored (absent ≠ 0), as in student_totals.
    per_term = [
        ItemScore.objects.filter(item_id__in=Item.objects.filter(assessment_id__in=ids).values("id"),
                                 student_id__in=(klass.enrolments.values("student_id") if with_class_median
                                                 else [student.pk]))
        .values_list("item__assessment_id", "student_id")
        .annotate(total=Sum("score"), scored=Count("id", filter=Q(state="scored")))
        for klass in classes.values()
        if (ids := [a.pk for a in assessments if a.term_id == klass.term_id])
    ]
    scored: dict[int, list[float]] = {}
    own: dict[int, float] = {}
    rows = per_term[0].union(*per_term[1:], all=True) if len(per_term) > 1 else per_term[0]
    for assessment_id, student_id, total, n_scored in rows:
        if not n_scored:
            continue
        value = float(total or 0)
        scored.setdefault(assessment_id, []).append(value)
        if student_id == student.pk:
            own[assessment_id] = value
    order = {t.pk: k for k, t in enumerate(terms)}
    points: list[TrajectoryPoint] = []
    for a in sorted(assessments, key=lambda a: order[a.term_id]):
        peers = scored.get(a.pk)
        points.append(
            TrajectoryPoint(
                assessment_id=a.pk,
                name=a.name,
                date=a.date.isoformat(),
                subject=a.subject.name,
                total=own.get(a.pk),
                max_total=float(a.max_total_sum or 0),
                class_median=statistics.median(peers) if peers and with_class_median else None,
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


# ------------------------------------------------------------------------------------------------
# Which assessments a user may open, edit and create (the assessment pages, the CLI, imports).


def _teaching_pairs(user: Any, term: Term) -> list[tuple[int, int, int]]:
    """(class id, grade id, subject id) of every class × subject the user teaches in `term`."""
    from yincai.accounts.roles import Role
    from yincai.school.models import StaffRole

    return list(
        StaffRole.objects.filter(staff__user=user, term=term, role=Role.SUBJECT_TEACHER)
        .values_list("school_class_id", "school_class__grade_id", "subject_id")
    )


def assessments_visible_to(user: Any, term: Term | None = None) -> QuerySet[Assessment]:
    """Assessments of `term` (current by default) the user may open and edit.

    The admin (or `user=None`, the operator at the server shell) sees all; a grade lead their grade; a head
    teacher every subject of their class (its class assessments and the grade-wide ones); a subject teacher
    their subject in the classes they teach. The same rule as score and blueprint imports.
    """
    from yincai.accounts.roles import Role, roles_of
    from yincai.school.models import StaffRole

    term = term or Term.current()
    qs = Assessment.objects.filter(term=term).select_related("grade", "subject", "school_class__grade", "term")
    if user is None:
        return qs
    roles = roles_of(user, term)
    if Role.ADMIN in roles:
        return qs
    cond = Q(pk__in=[])
    if Role.GRADE_LEAD in roles:
        cond |= Q(grade__in=StaffRole.objects.filter(staff__user=user, term=term, role=Role.GRADE_LEAD).values("grade"))
    if Role.HEAD_TEACHER in roles:
        heads = StaffRole.objects.filter(staff__user=user, term=term, role=Role.HEAD_TEACHER)
        cond |= Q(school_class__in=heads.values("school_class"))
        cond |= Q(school_class__isnull=True, grade__in=heads.values("school_class__grade"))
    if Role.SUBJECT_TEACHER in roles:
        for class_id, grade_id, subject_id in _teaching_pairs(user, term):
            cond |= Q(subject_id=subject_id) & (Q(school_class_id=class_id) | Q(school_class__isnull=True, grade_id=grade_id))
    return qs.filter(cond)


def may_create_assessment(user: Any, *, term: Term, grade_id: int, subject_id: int, class_id: int | None) -> bool:
    """Whether the user may create (or move an assessment to) this grade/class × subject.

    Admin: anything; grade lead: their grade; head teacher: their class, any subject; subject teacher: their
    subject, for a class they teach it in or for the whole grade of such a class.
    """
    from yincai.accounts.roles import Role, roles_of
    from yincai.school.models import StaffRole

    if user is None:
        return True
    roles = roles_of(user, term)
    if Role.ADMIN in roles:
        return True
    rows = StaffRole.objects.filter(staff__user=user, term=term)
    if Role.GRADE_LEAD in roles and rows.filter(role=Role.GRADE_LEAD, grade_id=grade_id).exists():
        return True
    if class_id is not None and rows.filter(role=Role.HEAD_TEACHER, school_class_id=class_id).exists():
        return True
    for pair_class, pair_grade, pair_subject in _teaching_pairs(user, term):
        if pair_subject == subject_id and (pair_class == class_id or (class_id is None and pair_grade == grade_id)):
            return True
    return False


def may_manage_assessment(user: Any, assessment: Assessment) -> bool:
    """Editing or deleting the assessment itself: the right to create one of its scope (blueprint editing
    needs only visibility, like blueprint import)."""
    return may_create_assessment(user, term=assessment.term, grade_id=assessment.grade_id,
                                 subject_id=assessment.subject_id, class_id=assessment.school_class_id)


def assessment_score_counts(assessment: Assessment) -> tuple[int, int]:
    """(item scores, distinct students) stored for the assessment."""
    row = ItemScore.objects.filter(item__assessment=assessment).aggregate(n=Count("id"), s=Count("student", distinct=True))
    return int(row["n"] or 0), int(row["s"] or 0)


def assessment_list(user: Any, *, term: Term | None = None, grade_id: int | None = None,
                    subject_id: int | None = None) -> QuerySet[Assessment]:
    """The 测评列表: visible assessments, newest first, with item count, full marks and scored students."""
    qs = assessments_visible_to(user, term)
    if grade_id is not None:
        qs = qs.filter(grade_id=grade_id)
    if subject_id is not None:
        qs = qs.filter(subject_id=subject_id)
    from django.db.models import OuterRef, Subquery

    from yincai.assessment.models import Item

    per_item = Item.objects.filter(assessment=OuterRef("pk")).values("assessment")
    scored = ItemScore.objects.filter(item__assessment=OuterRef("pk")).values("item__assessment")
    return qs.annotate(
        n_items=Subquery(per_item.annotate(n=Count("id")).values("n")),
        full_marks=Subquery(per_item.annotate(s=Sum("max_score")).values("s")),
        n_students=Subquery(scored.annotate(n=Count("student", distinct=True)).values("n")),
    ).order_by("-date", "-id")
