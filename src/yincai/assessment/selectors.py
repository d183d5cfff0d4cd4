"""Permission-filtered reads of assessments and scores (totals, trajectories)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.school.models import Enrolment, SchoolClass, Student, Subject, Term
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

    A fixed number of queries whatever the number of assessments or classmates (``trajectory_rows``). Pages
    for families, which never show the median, pass `with_class_median=False`: only the student's own scores
    are read and class_median is None."""
    term = term or Term.current()
    if term is None:
        return []
    subject_ids = list(subjects_visible_for(user, student, term).values_list("pk", flat=True))
    rows = trajectory_rows(term, subject_ids, [student.pk], with_class_median=with_class_median)
    return trajectory_points(row for student_rows in rows.values() for row in student_rows)


def trajectory_rows(term: Term, subject_ids: list[int], student_ids: list[int], *,
                    with_class_median: bool = True) -> dict[tuple[int, int], list[list[Any]]]:
    """(student_id, subject_id) → the student's papers of the previous and this term, each against the median
    of the class the student was in then, for many students in five queries (the recompute stores them).

    A row is ``[term_index, assessment_id, name, date, subject, total, max_total, class_median]``; a total
    counts only with at least one scored item (absent ≠ 0)."""
    terms = [t for t in (term.previous(), term) if t is not None]
    term_index = {t.pk: i for i, t in enumerate(terms)}
    enrolled = list(Enrolment.objects.filter(student_id__in=student_ids, term__in=terms).values_list(
        "student_id", "term_id", "school_class_id", "school_class__grade_id"))
    members: dict[int, list[int]] = defaultdict(list)
    if with_class_median:
        for class_id, sid in Enrolment.objects.filter(school_class_id__in={e[2] for e in enrolled}).values_list(
                "school_class_id", "student_id"):
            members[class_id].append(sid)
    papers = list(
        Assessment.objects.filter(term__in=terms, grade_id__in={e[3] for e in enrolled}, subject_id__in=subject_ids)
        .annotate(max_total_sum=Sum("items__max_score")).order_by("date", "id")
        .values_list("id", "term_id", "grade_id", "school_class_id", "subject_id", "subject__name", "name", "date",
                     "max_total_sum")
    )
    readers = {sid for m in members.values() for sid in m} if with_class_median else set(student_ids)
    totals = totals_by_assessment([p[0] for p in papers], readers) if papers else {}
    medians: dict[tuple[int, int], float | None] = {}
    out: dict[tuple[int, int], list[list[Any]]] = defaultdict(list)
    for sid, term_id, class_id, grade_id in sorted(enrolled, key=lambda e: term_index[e[1]]):
        for aid, paper_term, paper_grade, paper_class, subject_id, subject, name, day, max_total in papers:
            if paper_term != term_id or paper_grade != grade_id or paper_class not in (None, class_id):
                continue
            by_student = totals.get(aid, {})
            if with_class_median and (class_id, aid) not in medians:
                scored = [float(t.total) for s in members[class_id] if (t := by_student.get(s)) and t.total is not None]
                medians[class_id, aid] = statistics.median(scored) if scored else None
            own = by_student.get(sid)
            out[sid, subject_id].append([
                term_index[term_id], aid, name, day.isoformat(), subject,
                float(own.total) if own and own.total is not None else None, float(max_total or 0),
                medians.get((class_id, aid)),
            ])
    return dict(out)


def trajectory_points(rows: Iterable[list[Any]]) -> list[TrajectoryPoint]:
    """Rows of ``trajectory_rows`` (of one student, any subjects) as points: by term, then date."""
    return [TrajectoryPoint(assessment_id=r[1], name=r[2], date=r[3], subject=r[4], total=r[5], max_total=r[6],
                            class_median=r[7]) for r in sorted(rows, key=lambda r: (r[0], r[3], r[1]))]


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


def _teaching_pairs(user: Any, term: Term) -> list[tuple[int | None, int | None, int | None]]:
    """(class id, grade id, subject id) of every class × subject the user teaches in `term`."""
    from yincai.accounts.roles import Role, assignments_of

    return [(a.class_id, a.class_grade_id, a.subject_id) for a in assignments_of(user, term, {Role.SUBJECT_TEACHER})]


def assessments_visible_to(user: Any, term: Term | None = None) -> QuerySet[Assessment]:
    """Assessments of `term` (current by default) the user may open and edit.

    The admin (or `user=None`, the operator at the server shell) sees all; a grade lead their grade; a head
    teacher every subject of their class (its class assessments and the grade-wide ones); a subject teacher
    their subject in the classes they teach. The same rule as score and blueprint imports.
    """
    from yincai.accounts.roles import Role, assignments_of, roles_of

    term = term or Term.current()
    qs = Assessment.objects.filter(term=term).select_related("grade", "subject", "school_class__grade", "term")
    if user is None:
        return qs
    roles = roles_of(user, term)
    if Role.ADMIN in roles:
        return qs
    cond = Q(pk__in=[])
    lead_grades = sorted({a.grade_id for a in assignments_of(user, term, {Role.GRADE_LEAD}) if a.grade_id})
    if lead_grades:
        cond |= Q(grade_id__in=lead_grades)
    heads = assignments_of(user, term, {Role.HEAD_TEACHER})
    if heads:
        cond |= Q(school_class_id__in=sorted({a.class_id for a in heads if a.class_id}))
        cond |= Q(school_class__isnull=True, grade_id__in=sorted({a.class_grade_id for a in heads if a.class_grade_id}))
    for class_id, grade_id, subject_id in _teaching_pairs(user, term):
        cond |= Q(subject_id=subject_id) & (Q(school_class_id=class_id) | Q(school_class__isnull=True, grade_id=grade_id))
    return qs.filter(cond)


def may_create_assessment(user: Any, *, term: Term, grade_id: int, subject_id: int, class_id: int | None) -> bool:
    """Whether the user may create (or move an assessment to) this grade/class × subject.

    Admin: anything; grade lead: their grade; head teacher: their class, any subject; subject teacher: their
    subject, for a class they teach it in or for the whole grade of such a class.
    """
    from yincai.accounts.roles import Role, assignments_of, roles_of

    if user is None:
        return True
    if Role.ADMIN in roles_of(user, term):
        return True
    if any(a.grade_id == grade_id for a in assignments_of(user, term, {Role.GRADE_LEAD})):
        return True
    if class_id is not None and any(a.class_id == class_id for a in assignments_of(user, term, {Role.HEAD_TEACHER})):
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
