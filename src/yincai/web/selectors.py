"""What each role's home page shows. Reads only through the permission-filtered selectors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, FloatField, Q, Sum

from yincai.accounts.roles import Role, assignments_of, roles_of
from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.assessment.selectors import StudentTotal, class_latest_totals
from yincai.oversight.models import AuditLog
from yincai.school.models import Enrolment, SchoolClass, StaffRole, Student, Subject, Term
from yincai.school.selectors import children_of, classes_visible_to


@dataclass(frozen=True)
class ClassRow:
    school_class: SchoolClass
    students: int
    subject: Subject | None
    assessment: Assessment | None
    mean_rate: float | None  # mean score rate (得分率) of the latest assessment, 0..1


@dataclass(frozen=True)
class StudentRow:
    student: Student
    latest: StudentTotal | None


def class_rows(user: Any, term: Term, subject_of_teacher: bool = False) -> list[ClassRow]:
    """One row per visible class (per class × taught subject with `subject_of_teacher`): size, latest assessment
    and its mean score rate. A fixed number of queries, whatever the number of classes."""
    return class_rows_by_mode(user, term, (subject_of_teacher,))[0]


def class_rows_by_mode(user: Any, term: Term, modes: tuple[bool, ...]) -> list[list[ClassRow]]:
    """`class_rows` for each `subject_of_teacher` value in `modes`, sharing the queries (a grade lead who also
    teaches sees both tables on the home page)."""
    taught = [(a.class_id, a.subject_id) for a in assignments_of(user, term, {Role.SUBJECT_TEACHER})]
    classes = list(classes_visible_to(user, term).select_related("grade", "term"))
    if not classes:
        return [[] for _ in modes]
    class_of = dict(Enrolment.objects.filter(school_class_id__in=[k.pk for k in classes])
                    .values_list("student_id", "school_class_id"))
    sizes = Counter(class_of.values())
    subjects = Subject.objects.in_bulk({s for _, s in taught}) if any(modes) else {}
    assessments = list(Assessment.objects.filter(term=term, grade_id__in={k.grade_id for k in classes})
                       .annotate(max_total_sum=Sum("items__max_score")).order_by("-date", "-id"))
    picks_by_mode: list[list[tuple[SchoolClass, Subject | None, Assessment | None]]] = []
    for subject_of_teacher in modes:
        picks: list[tuple[SchoolClass, Subject | None, Assessment | None]] = []
        for klass in classes:
            chosen = [subjects[s] for c, s in taught if c == klass.pk and s in subjects] if subject_of_teacher else []
            for subject in chosen or [None]:
                latest = next((a for a in assessments if a.grade_id == klass.grade_id
                               and a.school_class_id in (None, klass.pk)
                               and (subject is None or a.subject_id == subject.pk)), None)
                picks.append((klass, subject, latest))
        picks_by_mode.append(picks)
    used = {a.pk for picks in picks_by_mode for _, _, a in picks if a is not None}
    # Each student's total per assessment (counted only with at least one scored item: absent ≠ 0), added up
    # per class; students are placed in their class of the term by the enrolments above instead of a join.
    totals: dict[tuple[int, int], list[float]] = {}
    rows = (ItemScore.objects.filter(item_id__in=Item.objects.filter(assessment_id__in=used).values("id"))
            .values_list("item__assessment_id", "student_id")
            .annotate(total=Sum("score", output_field=FloatField()), scored=Count("id", filter=Q(state="scored"))))
    for assessment_id, student_id, total, scored in rows:
        class_id = class_of.get(student_id)
        if scored and class_id is not None:  # scores have one decimal: rounding undoes the float sum's error
            totals.setdefault((assessment_id, class_id), []).append(round(float(total or 0), 1))
    out: list[list[ClassRow]] = []
    for picks in picks_by_mode:
        mode_rows = []
        for klass, subject, latest in picks:
            rate = None
            if latest is not None:
                scored_totals, full = totals.get((latest.pk, klass.pk), []), float(latest.max_total_sum or 0)
                rate = sum(scored_totals) / len(scored_totals) / full if scored_totals and full else None
            mode_rows.append(ClassRow(klass, sizes[klass.pk], subject, latest, rate))
        out.append(mode_rows)
    return out


def class_student_rows(klass: SchoolClass, subject: Subject | None = None) -> tuple[Assessment | None, list[StudentRow]]:
    assessment, totals = class_latest_totals(klass, subject)
    students = Student.objects.filter(enrolments__school_class=klass).order_by("student_no")
    return assessment, [StudentRow(s, totals.get(s.pk)) for s in students]


def home_context(user: Any) -> dict[str, Any]:
    term = Term.current()
    roles = roles_of(user, term)
    ctx: dict[str, Any] = {"term": term, "roles": roles}
    if term is None:
        return ctx
    if Role.ADMIN in roles:
        ctx["school_stats"] = {
            # the admin sees every enrolled student: counting the term's enrolments (one per student) lets
            # PostgreSQL use the term index instead of a DISTINCT over the whole student table
            "students": Enrolment.objects.filter(term=term).count(),
            "classes": classes_visible_to(user, term).count(),
            "assessments": Assessment.objects.filter(term=term).count(),
            "staff": StaffRole.objects.filter(term=term).values("staff").distinct().count(),
        }
        ctx["recent_audit"] = AuditLog.objects.select_related("actor")[:8]
    modes = ((False,) if roles & {Role.ADMIN, Role.GRADE_LEAD} else ()) + (
        (True,) if Role.SUBJECT_TEACHER in roles else ())
    by_mode = dict(zip(modes, class_rows_by_mode(user, term, modes), strict=True)) if modes else {}
    if False in by_mode:
        ctx["grade_classes"] = by_mode[False]
    head_ids = sorted({a.class_id for a in assignments_of(user, term, {Role.HEAD_TEACHER}) if a.class_id})
    head_classes = list(SchoolClass.objects.filter(pk__in=head_ids, term=term).select_related("term", "grade")
                        ) if head_ids else []
    if head_classes:
        ctx["head_classes"] = [(k, *class_student_rows(k)) for k in head_classes]
    if True in by_mode:
        ctx["taught_classes"] = by_mode[True]
    if Role.MENTOR in roles:
        ctx["mentees"] = Student.objects.filter(mentors__mentor__user=user, mentors__term=term).distinct()
    if Role.COUNSELOR in roles:
        from yincai.school.models import PsychNote

        ctx["psych_recent"] = PsychNote.objects.select_related("student")[:10]
    if Role.PARENT in roles:
        ctx["children"] = children_of(user)
    if Role.STUDENT in roles:
        ctx["self_student"] = Student.objects.filter(user=user).first()
    return ctx
