"""Reads of the rollover app: archived graduates (school admin only) and the terms a student has data in."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yincai.accounts.roles import Role, roles_of
from yincai.school.models import Student, Term


def graduates_visible_to(user: Any) -> QuerySet[Student]:
    """Archived graduates: their data stays readable for the school admin (校长/教导处) only."""
    term = Term.current()
    if term is None or Role.ADMIN not in roles_of(user, term):
        return Student.objects.none()
    return Student.objects.filter(school=term.school, status=Student.GRADUATED).order_by("-graduated_on",
                                                                                        "student_no")


def terms_of(student: Student) -> QuerySet[Term]:
    """Terms in which the student was enrolled, latest first (for the past terms' 学习诊断卡)."""
    return Term.objects.filter(enrolments__student=student).distinct().order_by("-start_date")
