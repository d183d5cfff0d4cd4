"""Small builders for support tests (inside each test's transaction; the personas stay untouched)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from tests.personas import Personas
from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.curriculum.models import KnowledgePoint
from yincai.school.models import Enrolment, SchoolClass, Staff, Student


def staff(name: str) -> Staff:
    return Staff.objects.get(user__username=name)


def client_for(personas: Personas, name: str) -> Client:
    c = Client()
    c.force_login(personas.users[name])
    return c


def persona_kps(personas: Personas) -> list[KnowledgePoint]:
    """The four KPs of the persona math assessment, item 1 → KP 0 …"""
    return [item.knowledge_points.get() for item in personas.math_assessment.items.order_by("order")]


def add_assessment(personas: Personas, scores: dict[Student, list[float]], *, kps: list[KnowledgePoint] | None = None,
                   klass: SchoolClass | None = None, days_ago: int = 1, name: str = "新测评") -> Assessment:
    """A new assessment on the persona KPs (one 5-point item per KP) with the given item scores."""
    kps = kps or persona_kps(personas)
    klass = klass or personas.class31
    a = Assessment.objects.create(term=personas.term, grade=klass.grade, subject=personas.math_assessment.subject,
                                  kind="quiz", name=name, date=timezone.localdate() - datetime.timedelta(days=days_ago))
    items = []
    for j, kp in enumerate(kps):
        item = Item.objects.create(assessment=a, label=str(j + 1), order=j + 1, max_score=Decimal(5))
        item.knowledge_points.set([kp])
        items.append(item)
    for student, values in scores.items():
        for item, v in zip(items, values, strict=False):
            ItemScore.objects.create(item=item, student=student, score=Decimal(str(v)))
    return a


def add_students(personas: Personas, n: int, klass: SchoolClass | None = None) -> list[Student]:
    klass = klass or personas.class31
    out = []
    for i in range(n):
        s = Student.objects.create(school=personas.school, student_no=f"T{klass.pk}{i:03d}", name=f"测试生{i}",
                                   gender="F" if i % 2 else "M")
        Enrolment.objects.create(student=s, term=personas.term, school_class=klass)
        out.append(s)
    return out
