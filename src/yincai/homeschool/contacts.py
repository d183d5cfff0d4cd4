"""家校联系: the contact log and the seeds' rule (seed 004 §定期沟通) that every 后进生/学困 student's family
is contacted at least once a month.

A student is "in scope" in a term when their effective tier (insight.current_tiers, confirmed or proposed)
is 学困 in any subject, or they have an active 辅差 (catch_up) support plan. A student in scope is overdue
when no contact is recorded in the current calendar month.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from yincai.homeschool.models import HomeContact
from yincai.school.models import SchoolClass, Staff, Student, Subject, Term
from yincai.school.selectors import classes_visible_to, students_visible_to


@transaction.atomic
def contact_log(*, student: Student, author: Staff, term: Term, kind: str, date: datetime.date, content: str,
                actions: str = "", follow_up: datetime.date | None = None) -> HomeContact:
    """Record a contact and add it to the student's 转化记载簿."""
    from yincai.support.services import _entry  # the 转化记载簿 writer of support

    if kind not in dict(HomeContact.KIND_CHOICES):
        raise ValidationError("请选择联系方式（家访/电话/面谈/微信）")
    if not content.strip():
        raise ValidationError("请填写沟通内容")
    if date > timezone.localdate():
        raise ValidationError("联系日期不能晚于今天")
    if follow_up is not None and follow_up < date:
        raise ValidationError("跟进日期不能早于联系日期")
    contact = HomeContact.objects.create(student=student, author=author, term=term, kind=kind, date=date,
                                         content=content.strip(), actions=actions.strip(), follow_up=follow_up)
    text = f"家校联系·{contact.get_kind_display()}：{contact.content}"
    if contact.actions:
        text += f"；商定：{contact.actions}"
    _entry(student, "note", text, author=author, date=date)
    return contact


def contacts_of(student: Student) -> QuerySet[HomeContact]:
    return HomeContact.objects.filter(student=student).select_related("author")


def students_in_scope(student_ids: list[int], term: Term) -> set[int]:
    """后进生/学困: struggling tier in any subject (confirmed or proposed) or an active catch-up plan."""
    from yincai.insight.selectors import current_tiers
    from yincai.support.models import SupportPlan

    found: set[int] = set(SupportPlan.objects.filter(
        student_id__in=student_ids, term=term, kind="catch_up", status="active").values_list("student_id", flat=True))
    for subject in Subject.objects.all():
        for sid, t in current_tiers(student_ids, term, subject).items():
            if t["tier"] == "struggling":
                found.add(sid)
    return found


@dataclass(frozen=True)
class ComplianceRow:
    student: Student
    last_contact: datetime.date | None
    contacts_this_month: int

    @property
    def overdue(self) -> bool:
        return self.contacts_this_month == 0


@dataclass(frozen=True)
class ClassCompliance:
    klass: SchoolClass
    rows: list[ComplianceRow]

    @property
    def overdue(self) -> list[ComplianceRow]:
        return [r for r in self.rows if r.overdue]


def month_start(day: datetime.date | None = None) -> datetime.date:
    return (day or timezone.localdate()).replace(day=1)


def class_compliance(klass: SchoolClass, *, today: datetime.date | None = None) -> ClassCompliance:
    today = today or timezone.localdate()
    start = month_start(today)
    students = list(Student.objects.filter(enrolments__school_class=klass).order_by("student_no"))
    scope = students_in_scope([s.pk for s in students], klass.term)
    last = dict(HomeContact.objects.filter(student_id__in=scope).values("student_id")
                .annotate(m=Max("date")).values_list("student_id", "m"))
    month_counts: dict[int, int] = {}
    for sid in HomeContact.objects.filter(student_id__in=scope, date__gte=start, date__lte=today).values_list(
            "student_id", flat=True):
        month_counts[sid] = month_counts.get(sid, 0) + 1
    rows = [ComplianceRow(s, last.get(s.pk), month_counts.get(s.pk, 0)) for s in students if s.pk in scope]
    rows.sort(key=lambda r: (not r.overdue, r.student.student_no))
    return ClassCompliance(klass, rows)


def compliance_for(user: Any, term: Term | None = None) -> list[ClassCompliance]:
    """One line per class the user may open (all classes for 教导处)."""
    term = term or Term.current()
    return [class_compliance(k) for k in classes_visible_to(user, term)]


def reminders_for_head_teacher(user: Any, term: Term | None = None) -> list[ComplianceRow]:
    """Overdue students of the classes the user heads (the in-app reminder list)."""
    from yincai.accounts.roles import Role
    from yincai.school.models import StaffRole

    term = term or Term.current()
    classes = SchoolClass.objects.filter(pk__in=StaffRole.objects.filter(
        staff__user=user, term=term, role=Role.HEAD_TEACHER).values("school_class"))
    return [r for k in classes for r in class_compliance(k).overdue]


def contact_students_visible_to(user: Any) -> QuerySet[Student]:
    return students_visible_to(user)
