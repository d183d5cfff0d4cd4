"""Permission-filtered reads of homework, assignments and the 错题本, and the figures shown on its pages.

Visibility: staff see homework of the classes they may open (classes_visible_to; a subject teacher only the
subjects they teach there, the head teacher/grade lead/admin every subject); a student only their own
assignments and wrong-book; a parent only their children's.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Q, QuerySet

from yincai.accounts.roles import Role, roles_of
from yincai.homework.models import ERROR_REASONS, Assignment, Homework, WrongBookEntry
from yincai.homework.services import LAYER_LABELS, LAYER_ORDER, budget_minutes, daily_limit, required_items
from yincai.school.models import Grade, SchoolClass, StaffRole, Student, Subject, Term
from yincai.school.selectors import classes_visible_to, students_visible_to

HOMEWORK_COMPLETION_THRESHOLD = 0.6  # early warning: completion of the period's homework at or below 60%


def _taught(user: Any, term: Term) -> QuerySet[StaffRole]:
    return StaffRole.objects.filter(staff__user=user, term=term, role=Role.SUBJECT_TEACHER)


def _staff_cond(user: Any, term: Term, roles: frozenset[Role]) -> Q:
    cond = Q(pk__in=[])
    if roles & {Role.ADMIN, Role.COUNSELOR}:
        cond |= Q(school_class__term=term)
    if Role.GRADE_LEAD in roles:
        cond |= Q(school_class__term=term, school_class__grade__in=StaffRole.objects.filter(
            staff__user=user, term=term, role=Role.GRADE_LEAD).values("grade"))
    if Role.HEAD_TEACHER in roles:
        cond |= Q(school_class__in=StaffRole.objects.filter(staff__user=user, term=term, role=Role.HEAD_TEACHER)
                  .values("school_class"))
    if Role.SUBJECT_TEACHER in roles:
        for klass_id, subject_id in _taught(user, term).values_list("school_class_id", "subject_id"):
            cond |= Q(school_class_id=klass_id, subject_id=subject_id)
    return cond


def own_students(user: Any) -> QuerySet[Student]:
    """The student themself and a parent's children."""
    return Student.objects.filter(Q(user=user) | Q(guardian_links__guardian__user=user)).distinct()


PUBLISHED = ("published", "closed")


def homeworks_visible_to(user: Any, term: Term | None = None) -> QuerySet[Homework]:
    term = term or Term.current()
    roles = roles_of(user, term)
    cond = _staff_cond(user, term, roles)
    if roles & {Role.STUDENT, Role.PARENT}:
        cond |= Q(assignments__student__in=own_students(user), status__in=PUBLISHED)
    if Role.MENTOR in roles:
        cond |= Q(assignments__student__mentors__mentor__user=user, assignments__student__mentors__term=term,
                  status__in=PUBLISHED)
    return Homework.objects.filter(cond).select_related("school_class__grade", "subject", "author").distinct()


def may_compose(user: Any, school_class: SchoolClass, subject: Subject) -> bool:
    """Subject teacher of that class and subject, head teacher of the class, grade lead of its grade, admin."""
    term = school_class.term
    roles = roles_of(user, term)
    if Role.ADMIN in roles:
        return True
    rows = StaffRole.objects.filter(staff__user=user, term=term)
    return (rows.filter(role=Role.SUBJECT_TEACHER, school_class=school_class, subject=subject).exists()
            or rows.filter(role=Role.HEAD_TEACHER, school_class=school_class).exists()
            or rows.filter(role=Role.GRADE_LEAD, grade=school_class.grade).exists())


def may_approve(user: Any, homework: Homework) -> bool:
    term = homework.school_class.term
    if Role.ADMIN in roles_of(user, term):
        return True
    return StaffRole.objects.filter(staff__user=user, term=term, role=Role.GRADE_LEAD,
                                    grade=homework.school_class.grade).exists()


def compose_choices(user: Any, term: Term | None = None) -> list[tuple[SchoolClass, Subject]]:
    """(class, subject) pairs the user may set homework for."""
    term = term or Term.current()
    subjects = list(Subject.objects.all())
    return [(k, s) for k in classes_visible_to(user, term) for s in subjects if may_compose(user, k, s)]


def assignments_visible_to(user: Any, term: Term | None = None) -> QuerySet[Assignment]:
    term = term or Term.current()
    roles = roles_of(user, term)
    cond = Q(homework__in=Homework.objects.filter(_staff_cond(user, term, roles)))
    if roles & {Role.STUDENT, Role.PARENT}:
        cond |= Q(student__in=own_students(user), homework__status__in=PUBLISHED)
    if Role.MENTOR in roles:
        cond |= Q(student__mentors__mentor__user=user, student__mentors__term=term, homework__status__in=PUBLISHED)
    return (Assignment.objects.filter(cond).select_related("homework__subject", "homework__school_class__grade",
                                                            "student").distinct())


def wrongbook_students_visible_to(user: Any, term: Term | None = None) -> QuerySet[Student]:
    """Whose 错题本 the user may open: students/parents only their own, staff by relationship."""
    term = term or Term.current()
    roles = roles_of(user, term)
    if not roles - {Role.STUDENT, Role.PARENT}:
        return own_students(user)
    return students_visible_to(user, term)


def entries_visible_to(user: Any, term: Term | None = None) -> QuerySet[WrongBookEntry]:
    return WrongBookEntry.objects.filter(student__in=wrongbook_students_visible_to(user, term)).select_related(
        "student", "subject", "knowledge_point", "pending_variant")


def due_entries(student: Student, today: datetime.date) -> QuerySet[WrongBookEntry]:
    return WrongBookEntry.objects.filter(student=student, status="open", next_due__lte=today).select_related(
        "pending_variant", "knowledge_point", "subject")


# ------------------------------------------------------------------------------------------------ figures


def layer_table(homework: Homework) -> list[dict[str, Any]]:
    from yincai.homework.services import layer_minutes

    cumulative = layer_minutes(homework)
    items = sorted(homework.items.select_related("bank_item").prefetch_related("bank_item__knowledge_points"),
                   key=lambda i: (LAYER_ORDER.index(i.layer), i.order))
    return [{"code": layer, "label": LAYER_LABELS[layer], "minutes": cumulative[layer],
             "items": [i for i in items if i.layer == layer]} for layer in LAYER_ORDER]


@dataclass
class StudentRow:
    assignment: Assignment
    required: int
    answered: int
    right: float
    completion: float
    accuracy: float | None


def homework_stats(homework: Homework) -> dict[str, Any]:
    """Completion and accuracy per student and item, the 讲评 list and real vs estimated minutes."""
    rows: list[StudentRow] = []
    per_item: dict[int, Counter[str]] = defaultdict(Counter)
    reasons: Counter[str] = Counter()
    reported, estimated = [], []
    for a in homework.assignments.select_related("student").prefetch_related("answers", "extra_items").order_by(
            "student__student_no"):
        needed = {b.pk for b, _ in required_items(a)}
        answers = [x for x in a.answers.all() if x.bank_item_id in needed]
        right = sum(1.0 if x.mark == "right" else 0.5 if x.mark == "half" else 0.0 for x in answers)
        for x in answers:
            per_item[x.bank_item_id][x.mark] += 1
            if x.reason:
                per_item[x.bank_item_id]["reason:" + x.reason] += 1
                reasons[x.reason] += 1
        rows.append(StudentRow(a, len(needed), len(answers), right, len(answers) / len(needed) if needed else 0.0,
                               right / len(answers) if answers else None))
        if a.reported_minutes is not None:
            reported.append(a.reported_minutes)
            estimated.append(float(a.estimated_minutes))
    reason_labels = dict(ERROR_REASONS)
    items = []
    for hi in sorted(homework.items.select_related("bank_item"), key=lambda i: (LAYER_ORDER.index(i.layer), i.order)):
        c = per_item.get(hi.bank_item_id, Counter())
        n = c["right"] + c["half"] + c["wrong"]
        top = [(reason_labels[k[7:]], v) for k, v in c.most_common() if k.startswith("reason:")]
        items.append({"item": hi, "n": n, "wrong": c["wrong"], "half": c["half"],
                      "rate": (c["right"] + 0.5 * c["half"]) / n if n else None, "reasons": top})
    review = sorted([i for i in items if i["wrong"] + i["half"] > 0], key=lambda i: (-(i["wrong"] + 0.5 * i["half"]),
                                                                                    i["item"].order))[:10]
    return {"students": rows, "items": items, "review": review,
            "reasons": [(reason_labels[k], v) for k, v in reasons.most_common()],
            "completion": (sum(r.completion for r in rows) / len(rows)) if rows else None,
            "reported_mean": (sum(reported) / len(reported)) if reported else None,
            "estimated_mean": (sum(estimated) / len(estimated)) if estimated else None}


def marking_grid(homework: Homework) -> dict[str, Any]:
    """Students × paper items with their current marks, for the phone-sized grid."""
    items = [hi for hi in sorted(homework.items.select_related("bank_item"),
                                 key=lambda i: (LAYER_ORDER.index(i.layer), i.order)) if not hi.online]
    rows = []
    for a in homework.assignments.select_related("student").prefetch_related("answers").order_by("student__student_no"):
        allowed = LAYER_ORDER[: LAYER_ORDER.index(a.chosen_layer) + 1]
        marks = {x.bank_item_id: x for x in a.answers.all()}
        rows.append({"assignment": a, "cells": [{"item": hi, "todo": hi.layer in allowed, "key": f"{a.pk}-{hi.bank_item_id}",
                                                 "answer": marks.get(hi.bank_item_id)} for hi in items]})
    return {"items": items, "rows": rows}


def day_load(school_class: SchoolClass, date: datetime.date) -> list[tuple[str, Decimal]]:
    """Written minutes per subject of the class's published homework on a day."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for hw in Homework.objects.filter(school_class=school_class, date=date, status__in=["published", "closed"],
                                      kind="written").select_related("subject"):
        out[hw.subject.name] += budget_minutes(hw)
    from yincai.practice.selectors import practice_minutes  # 今日练习 counts toward the 双减 budget

    if minutes := practice_minutes(school_class, date):
        out["今日练习"] += Decimal(minutes)
    return sorted(out.items())


def grade_load(grade: Grade, term: Term, date: datetime.date) -> dict[str, Any]:
    """年级作业总量调控: each class's day stacked by subject against the limit, real vs estimated."""
    classes = list(SchoolClass.objects.filter(term=term, grade=grade).order_by("number"))
    limit = daily_limit(term.school, grade.level)
    subjects: list[str] = []
    per_class = []
    for k in classes:
        load = dict(day_load(k, date))
        subjects += [s for s in load if s not in subjects]
        a = Assignment.objects.filter(homework__school_class=k, homework__date=date,
                                      homework__status__in=["published", "closed"], reported_minutes__isnull=False)
        real = [(x.reported_minutes, float(x.estimated_minutes)) for x in a]
        per_class.append({"class": k, "load": load, "total": sum(load.values(), Decimal(0)),
                          "real": sum(r for r, _ in real) / len(real) if real else None,
                          "estimated": sum(e for _, e in real) / len(real) if real else None, "n_reported": len(real)})
    chart = {"classes": [str(c["class"]) for c in per_class], "limit": limit,
             "series": [{"name": s, "data": [float(c["load"].get(s, 0)) for c in per_class]} for s in subjects]}
    from yincai.homework.services import budget_check

    pending = [(h, budget_check(h)) for h in Homework.objects.filter(
        school_class__in=classes, status="draft", approval_requested_at__isnull=False, approved_by__isnull=True
    ).select_related("school_class__grade", "subject", "author")]
    return {"classes": per_class, "limit": limit, "chart": chart, "pending": pending}


def class_wrongbook(school_class: SchoolClass, today: datetime.date, subject: Subject | None = None) -> dict[str, Any]:
    students = Student.objects.filter(enrolments__term=school_class.term, enrolments__school_class=school_class)
    entries = WrongBookEntry.objects.filter(student__in=students)
    if subject is not None:
        entries = entries.filter(subject=subject)
    labels = dict(ERROR_REASONS)
    reasons = Counter(entries.values_list("reason", flat=True))
    return {"reasons": [(labels.get(k, "未标注"), v) for k, v in reasons.most_common()],
            "open": entries.filter(status="open").count(), "mastered": entries.filter(status="mastered").count(),
            "due": entries.filter(status="open", next_due__lte=today).select_related("student", "knowledge_point")
            .order_by("student__student_no", "next_due")}


def homework_completion(student_ids: list[int], subject: Subject, periods: list[tuple[datetime.date, datetime.date]]
                        ) -> np.ndarray:
    """Early-warning indicator: share of the required items each student did of the subject's published homework
    dated in each period (start exclusive, end inclusive); nan where the student had no homework then."""
    n, p = len(student_ids), len(periods)
    done, need = np.zeros((n, p)), np.zeros((n, p))
    if n and p:
        row = {sid: i for i, sid in enumerate(student_ids)}
        lo, hi = min(s for s, _ in periods), max(e for _, e in periods)
        for a in (Assignment.objects.filter(student_id__in=student_ids, homework__subject=subject,
                                            homework__status__in=["published", "closed"], homework__date__gt=lo,
                                            homework__date__lte=hi)
                  .select_related("homework").prefetch_related("answers", "extra_items")):
            t = next((j for j, (s, e) in enumerate(periods) if s < a.homework.date <= e), None)
            if t is None:
                continue
            needed = {b.pk for b, _ in required_items(a)}
            need[row[a.student_id], t] += len(needed)
            done[row[a.student_id], t] += len({x.bank_item_id for x in a.answers.all()} & needed)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(need > 0, done / need, np.nan)
