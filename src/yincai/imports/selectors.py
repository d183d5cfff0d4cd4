"""Who may import into or export from what. `user=None` is the operator at the server shell (`yincai import`).

A teacher may import scores or a blueprint only for assessments of classes and subjects they teach or lead
(school selectors decide which), and only the rows of students in those classes are accepted.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yincai.accounts.roles import Role, roles_of
from yincai.assessment.models import Assessment
from yincai.imports.models import ImportBatch
from yincai.school.models import SchoolClass, Student, Term
from yincai.school.selectors import classes_visible_to, subjects_for_class


def is_school_admin(user: Any, term: Term | None = None) -> bool:
    return user is None or Role.ADMIN in roles_of(user, term)


def score_classes_for(user: Any, assessment: Assessment) -> list[SchoolClass]:
    """Classes whose students' scores on `assessment` the user may write and read."""
    classes = SchoolClass.objects.filter(term=assessment.term, grade=assessment.grade).select_related("grade", "term")
    if assessment.school_class_id:
        classes = classes.filter(pk=assessment.school_class_id)
    if user is None:
        return list(classes)
    visible = classes_visible_to(user, assessment.term).filter(pk__in=classes.values("pk")).select_related("term")
    return [c for c in visible if subjects_for_class(user, c).filter(pk=assessment.subject_id).exists()]


def assessments_importable_by(user: Any, term: Term | None = None) -> QuerySet[Assessment]:
    """Assessments of `term` (current by default) the user may import scores/blueprint into."""
    term = term or Term.current()
    qs = Assessment.objects.filter(term=term).select_related("grade", "subject", "school_class__grade")
    if user is None or Role.ADMIN in roles_of(user, term):
        return qs.order_by("-date", "-id")
    allowed: list[int] = []
    for assessment in qs:
        if score_classes_for(user, assessment):
            allowed.append(assessment.pk)
    return qs.filter(pk__in=allowed).order_by("-date", "-id")


def students_for_scores(user: Any, assessment: Assessment) -> QuerySet[Student]:
    """Students whose scores on `assessment` the user may write: enrolled in one of `score_classes_for`."""
    classes = score_classes_for(user, assessment)
    return (
        Student.objects.filter(enrolments__term=assessment.term, enrolments__school_class__in=classes)
        .distinct()
        .order_by("student_no")
    )


def batches_visible_to(user: Any) -> QuerySet[ImportBatch]:
    """Import batches: the admin sees all; others their own and those of assessments they may import into."""
    qs = ImportBatch.objects.select_related("assessment", "created_by").defer("content")
    if is_school_admin(user):
        return qs
    assessments = assessments_importable_by(user)
    return qs.filter(Q(created_by=user) | Q(kind__in=["scores", "blueprint"], assessment__in=assessments))
