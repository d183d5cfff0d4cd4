"""The student's own page (phone-first): today's homework and practice, 错题本 items due, the goals of their
active 一人一案 and their self-set goals, points, and progress against their own past only."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yincai.accounts.access import role_required
from yincai.accounts.roles import Role
from yincai.homework import clock
from yincai.homework.models import Assignment
from yincai.homework.selectors import due_entries
from yincai.practice import resources as res
from yincai.practice import selectors as sel
from yincai.practice import services as svc
from yincai.practice.models import DrillSession, PracticeScope, PracticeSession
from yincai.practice.views import _me_student, _term
from yincai.school.models import Student, Term
from yincai.support.models import PlanGoal, SelfGoal


def student_home(student: Student, today: datetime.date, term: Term) -> dict[str, Any]:
    klass = student.class_in(term)
    points = sel.curve(student, since=term.start_date, upto=today)
    first, last = (points[0], points[-1]) if len(points) >= 2 else (None, None)
    return {
        "student": student, "today": today,
        "homework": Assignment.objects.filter(student=student, homework__date=today,
                                              homework__status__in=["published", "closed"]).select_related(
                                                  "homework__subject"),
        "scope": PracticeScope.objects.filter(school_class=klass).first() if klass else None,
        "practice": PracticeSession.objects.filter(student=student, date=today).first(),
        "drilled_today": DrillSession.objects.filter(student=student, date=today, ended_at__isnull=False).exists(),
        "due": due_entries(student, today)[:5], "due_count": due_entries(student, today).count(),
        "plan_goals": PlanGoal.objects.filter(plan__student=student, plan__term=term, plan__status="active")
        .order_by("due"),
        "self_goals": SelfGoal.objects.filter(student=student, term=term).exclude(status="dropped").order_by("due"),
        "balance": sel.balance(student, term), "streak": svc.streak(student, today), "curve": points,
        "first": first, "last": last, "recommended": res.recommendations(student, term),
        "done_resources": set(student.resource_uses.filter(status="done").values_list("resource_id", flat=True)),
    }


@role_required(Role.STUDENT)
def me(request: HttpRequest) -> HttpResponse:
    student = _me_student(request)
    return render(request, "practice/me.html", student_home(student, clock.today(), _term()))
