"""Permission-filtered reads of the parent portal and the message threads.

A parent reaches only their own children (`child_of` → 404 otherwise); a teacher only the students they
head or teach this term and only their own threads. Families never see a class median, rank or tier.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from yincai.accounts.roles import Role
from yincai.family.models import Announcement, HomeNote, Message, Notification, Outbox, SharedEntry, Thread
from yincai.requestcache import cached
from yincai.school.models import Guardian, Staff, StaffRole, Student, Term
from yincai.school.selectors import children_of, staff_of

TEACHER_ROLES = (Role.HEAD_TEACHER, Role.SUBJECT_TEACHER)


def child_of(user: Any, student_id: int) -> Student:
    student = children_of(user).filter(pk=student_id).first()
    if student is None:
        raise Http404("找不到该学生")
    return student


def _class_in(student: Student, term: Term | None) -> Any:
    """The child's class in `term`, looked up once per request (the portal asks in three places)."""
    if term is None:
        return None
    return cached(f"family.class_in:{student.pk}:{term.pk}", lambda: student.class_in(term))


def teacher_rows(student: Student, term: Term | None = None) -> list[dict[str, Any]]:
    """The student's head teacher and subject teachers this term: [{"staff", "label"}], head teacher first."""
    term = term or Term.current()
    klass = _class_in(student, term)
    if klass is None:
        return []
    rows: dict[int, dict[str, Any]] = {}
    roles = StaffRole.objects.filter(term=term, school_class=klass, role__in=TEACHER_ROLES).select_related(
        "staff", "subject").order_by("role", "subject_id")
    for r in roles:
        label = "班主任" if r.role == Role.HEAD_TEACHER else f"{r.subject.name}老师" if r.subject else "科任老师"
        row = rows.setdefault(r.staff_id, {"staff": r.staff, "labels": []})
        if label not in row["labels"]:
            row["labels"].append(label)
    result = [{"staff": v["staff"], "label": "、".join(v["labels"])} for v in rows.values()]
    result.sort(key=lambda row: "班主任" not in row["label"])
    return result


def teacher_of_child(student: Student, teacher_id: int) -> Staff:
    for row in teacher_rows(student):
        if row["staff"].pk == teacher_id:
            return row["staff"]
    raise Http404("这位老师不教该学生")


def students_taught_by(user: Any, term: Term | None = None) -> QuerySet[Student]:
    """Students whose class the user heads or teaches in `term` (the only families a teacher may message)."""
    term = term or Term.current()
    classes = StaffRole.objects.filter(staff__user=user, term=term, role__in=TEACHER_ROLES).values("school_class")
    return Student.objects.filter(enrolments__term=term, enrolments__school_class__in=classes).distinct()


def taught_student(user: Any, student_id: int) -> Student:
    student = students_taught_by(user).filter(pk=student_id).first()
    if student is None:
        raise Http404("找不到该学生")
    return student


def head_taught_student(user: Any, student_id: int) -> Student:
    """A student of a class the user heads this term (guardian accounts are the head teacher's job)."""
    term = Term.current()
    classes = StaffRole.objects.filter(staff__user=user, term=term, role=Role.HEAD_TEACHER).values("school_class")
    student = Student.objects.filter(pk=student_id, enrolments__term=term, enrolments__school_class__in=classes).first()
    if student is None:
        raise Http404("找不到该学生")
    return student


def teacher_threads(user: Any) -> QuerySet[Thread]:
    return Thread.objects.filter(teacher__user=user, student__in=students_taught_by(user)).select_related("student")


def thread_messages(thread: Thread | None) -> list[Message]:
    return list(thread.messages.select_related("sender")) if thread and thread.pk else []


def message_by_number(thread: Thread | None, number: int) -> Message:
    msg = thread.messages.filter(number=number).exclude(image="").first() if thread else None
    if msg is None:
        raise Http404("找不到该图片")
    return msg


def guardian_users(student: Student) -> list[Any]:
    return [g.user for g in Guardian.objects.filter(links__student=student, user__isnull=False).select_related("user")]


def notifications_for(user: Any, now: datetime.datetime | None = None) -> QuerySet[Notification]:
    """Delivered notifications only: those held by quiet hours appear at `deliver_after`."""
    return Notification.objects.filter(user=user, deliver_after__lte=now or timezone.now())


def unread_count(user: Any, now: datetime.datetime | None = None) -> int:
    return notifications_for(user, now).filter(read_at__isnull=True).count()


def unread_threads_for_parent(user: Any, student: Student) -> dict[int, int]:
    """teacher id → number of the teacher's messages the family has not read yet."""
    counts: dict[int, int] = {}
    rows = Message.objects.filter(thread__student=student, from_teacher=True, read_at__isnull=True)
    for teacher_id in rows.values_list("thread__teacher_id", flat=True):
        counts[teacher_id] = counts.get(teacher_id, 0) + 1
    return counts


def announcements_for_child(student: Student, term: Term | None = None) -> QuerySet[Announcement]:
    term = term or Term.current()
    klass = _class_in(student, term)
    return Announcement.objects.filter(school_class=klass).select_related("author") if klass else Announcement.objects.none()


def classes_for_announcement(user: Any, term: Term | None = None) -> list[Any]:
    term = term or Term.current()
    rows = StaffRole.objects.filter(staff__user=user, term=term, role__in=TEACHER_ROLES).select_related(
        "school_class__grade")
    return sorted({r.school_class for r in rows if r.school_class}, key=lambda k: (k.grade.level, k.number))


def outbox_for(user: Any) -> QuerySet[Outbox]:
    staff = staff_of(user)
    return Outbox.objects.filter(announcement__author=staff).select_related("announcement") if staff else Outbox.objects.none()


def home_notes_for(student: Student) -> QuerySet[HomeNote]:
    return student.home_notes.select_related("author")


def shared_entries(student: Student) -> QuerySet[Any]:
    from yincai.support.models import ProgressEntry

    return ProgressEntry.objects.filter(student=student, family_share__isnull=False).select_related("author")


def shared_entry_ids(student: Student) -> set[int]:
    return set(SharedEntry.objects.filter(entry__student=student).values_list("entry_id", flat=True))


def homework_today(student: Student, day: datetime.date | None = None) -> dict[str, Any]:
    """Today's published homework of the student with estimated minutes (双减: families see the load).

    Read defensively: the homework app may hold no data yet; then the list is empty.
    """
    day = day or timezone.localdate()
    try:
        from yincai.homework.models import Assignment
    except ImportError:  # pragma: no cover - the app is optional for the portal
        return {"items": [], "total": 0, "day": day}
    rows = Assignment.objects.filter(student=student, homework__date=day, homework__status="published").select_related(
        "homework__subject")
    items = [{"subject": a.homework.subject.name, "title": a.homework.title, "kind": a.homework.get_kind_display(),
              "layer": a.get_chosen_layer_display(), "minutes": int(round(float(a.estimated_minutes or 0))),
              "reported": a.reported_minutes} for a in rows]
    return {"items": items, "total": sum(i["minutes"] for i in items), "day": day}


def child_overview(user: Any, student: Student) -> dict[str, Any]:
    """Everything the portal shows of one child: own-past progress, homework, plan, notes, entries, praise."""
    from yincai.assessment.selectors import score_trajectory
    from yincai.support.models import Award, SupportPlan
    from yincai.support.selectors import family_plan_view

    term = Term.current()
    points = score_trajectory(user, student, term, with_class_median=False) if term else []
    plans = SupportPlan.objects.filter(student=student, term=term).exclude(status="closed").select_related(
        "subject", "responsible")
    unread = unread_threads_for_parent(user, student)
    teachers = [{**row, "unread": unread.get(row["staff"].pk, 0)} for row in teacher_rows(student, term)]
    return {
        "student": student,
        "klass": _class_in(student, term),
        "points": points,
        "latest": _latest_by_subject(points),
        "trajectory": [{**asdict(p), "class_median": None} for p in points],
        "homework": homework_today(student),
        "plans": [family_plan_view(p) for p in plans],
        "notes": home_notes_for(student)[:10],
        "entries": shared_entries(student)[:20],
        "highlights": Award.objects.filter(student=student, kind="highlight").order_by("-date")[:10],
        "teachers": teachers,
        "announcements": announcements_for_child(student, term)[:5],
    }


def _latest_by_subject(points: list[Any]) -> list[dict[str, Any]]:
    """Per subject: the latest 等级 and the change against the child's own previous score rate."""
    by_subject: dict[str, list[Any]] = {}
    for p in points:
        by_subject.setdefault(p.subject, []).append(p)
    result = []
    for subject, series in by_subject.items():
        last = series[-1]
        prev = series[-2] if len(series) > 1 else None
        change = None
        if prev is not None and last.total is not None and prev.total is not None and last.max_total and prev.max_total:
            change = round(100 * (last.total / last.max_total - prev.total / prev.max_total))
        result.append({"subject": subject, "level": last.level, "name": last.name, "change": change})
    return result


def staff_students_for_notes(user: Any) -> QuerySet[Student]:
    return students_taught_by(user).order_by("student_no")


def notes_by(user: Any) -> QuerySet[HomeNote]:
    return HomeNote.objects.filter(author__user=user).prefetch_related("students")
