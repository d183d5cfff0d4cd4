"""Permission-filtered reads of drills and the figures on their pages: a student sees their own drills, a
parent their children's, staff those of the students they may see (school.selectors). Curves compare a
student only with their own past: no class median, no rank."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet, Sum

from yincai.practice.models import SPEED_MIN_SECONDS, DrillSession
from yincai.school.models import SchoolClass, Student, Term
from yincai.school.selectors import students_visible_to
from yincai.support.models import PointsEntry


def drills_visible_to(user: Any, term: Term | None = None) -> QuerySet[DrillSession]:
    return DrillSession.objects.filter(student__in=students_visible_to(user, term)).select_related("student")


def own_drills(user: Any) -> QuerySet[DrillSession]:
    """Drills the user did themself (only a student has any)."""
    return DrillSession.objects.filter(student__user=user)


def curve(student: Student, *, since: datetime.date | None = None,
          upto: datetime.date | None = None) -> list[dict[str, Any]]:
    """Per day (finished drills with answers): speed = correct items per minute, accuracy in %."""
    qs = DrillSession.objects.filter(student=student, ended_at__isnull=False, items__gt=0)
    if since is not None:
        qs = qs.filter(date__gte=since)
    if upto is not None:
        qs = qs.filter(date__lte=upto)
    per_day: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in qs.only("date", "items", "correct", "seconds"):
        acc = per_day[s.date]
        acc[0] += s.items
        acc[1] += s.correct
        acc[2] += s.seconds
    return [{"date": d.isoformat(), "speed": round(c * 60 / max(sec, SPEED_MIN_SECONDS), 2) if n else None,
             "accuracy": round(100 * c / n, 1) if n else None, "items": n}
            for d, (n, c, sec) in sorted(per_day.items())]


def class_curves(school_class: SchoolClass, *, upto: datetime.date) -> list[dict[str, Any]]:
    """Each student's own curve this term, in student-number order (never sorted by result)."""
    students = Student.objects.filter(enrolments__school_class=school_class).order_by("student_no").distinct()
    since = school_class.term.start_date
    return [{"student": s, "points": curve(s, since=since, upto=upto)} for s in students]


def practice_points(student: Student, term: Term | None) -> int:
    """Points the student earned by drills this term (streaks and personal bests)."""
    if term is None:
        return 0
    total = PointsEntry.objects.filter(student=student, term=term, source__in=["practice_streak", "personal_best"],
                                       ).aggregate(s=Sum("points"))["s"]
    return int(total or 0)


def balance(student: Student, term: Term | None) -> int:
    if term is None:
        return 0
    return int(PointsEntry.objects.filter(student=student, term=term).aggregate(s=Sum("points"))["s"] or 0)


def practice_minutes(school_class: SchoolClass, date: datetime.date) -> int:
    """Planned 今日练习 minutes of a class on a day (the teacher's scope), for the 双减 daily budget."""
    from yincai.practice.models import PracticeScope

    scope = PracticeScope.objects.filter(school_class=school_class).first()
    if scope is None or not scope.knowledge_points.exists():
        return 0
    if not school_class.term.start_date <= date <= school_class.term.end_date:
        return 0
    return int(scope.minutes_per_day)


def class_practice_rows(school_class: SchoolClass, *, since: datetime.date,
                        upto: datetime.date) -> list[dict[str, Any]]:
    """Each student's own practice this term (sessions, items, correct, minutes), in student-number order."""
    from yincai.practice.models import PracticeSession

    students = Student.objects.filter(enrolments__school_class=school_class).order_by("student_no").distinct()
    rows = []
    for s in students:
        qs = PracticeSession.objects.filter(student=s, date__gte=since, date__lte=upto)
        agg = qs.aggregate(n=Sum("items"), c=Sum("correct"), sec=Sum("seconds"))
        n, c = int(agg["n"] or 0), int(agg["c"] or 0)
        rows.append({"student": s, "days": qs.values("date").distinct().count(), "items": n, "correct": c,
                     "minutes": round(int(agg["sec"] or 0) / 60), "accuracy": round(100 * c / n) if n else None})
    return rows
