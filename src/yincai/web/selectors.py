"""What each role's home page shows. Reads only through the permission-filtered selectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from yincai.accounts.roles import Role, roles_of
from yincai.assessment.models import Assessment
from yincai.assessment.selectors import StudentTotal, class_latest_totals
from yincai.oversight.models import AuditLog
from yincai.school.models import SchoolClass, StaffRole, Student, Subject, Term
from yincai.school.selectors import children_of, classes_visible_to, students_visible_to


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


def _mean_rate(assessment: Assessment | None, totals: dict[int, StudentTotal]) -> float | None:
    if assessment is None:
        return None
    full = float(assessment.max_total)
    scored = [float(t.total) for t in totals.values() if t.total is not None]
    return sum(scored) / len(scored) / full if scored and full else None


def class_rows(user: Any, term: Term, subject_of_teacher: bool = False) -> list[ClassRow]:
    rows = []
    taught = {
        (r.school_class_id, r.subject_id)
        for r in StaffRole.objects.filter(staff__user=user, term=term, role=Role.SUBJECT_TEACHER)
    }
    classes = classes_visible_to(user, term).annotate(n=Count("enrolments"))
    for klass in classes:
        subjects = [Subject.objects.get(pk=s) for c, s in taught if c == klass.pk] if subject_of_teacher else [None]
        for subject in subjects or [None]:
            assessment, totals = class_latest_totals(klass, subject)
            rows.append(ClassRow(klass, klass.n, subject, assessment, _mean_rate(assessment, totals)))
    return rows


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
            "students": students_visible_to(user, term).count(),
            "classes": classes_visible_to(user, term).count(),
            "assessments": Assessment.objects.filter(term=term).count(),
            "staff": StaffRole.objects.filter(term=term).values("staff").distinct().count(),
        }
        ctx["recent_audit"] = AuditLog.objects.select_related("actor")[:8]
    if roles & {Role.ADMIN, Role.GRADE_LEAD}:
        ctx["grade_classes"] = class_rows(user, term)
    head_classes = SchoolClass.objects.filter(
        staff_roles__staff__user=user, staff_roles__role=Role.HEAD_TEACHER, term=term
    )
    if head_classes:
        ctx["head_classes"] = [(k, *class_student_rows(k)) for k in head_classes]
    if Role.SUBJECT_TEACHER in roles:
        ctx["taught_classes"] = class_rows(user, term, subject_of_teacher=True)
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
