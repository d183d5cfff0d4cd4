"""Small builders for homeschool tests (inside each test's transaction; the personas stay untouched)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.test import Client

from tests.personas import Personas
from yincai.school.models import Enrolment, Guardian, GuardianLink, SchoolClass, Staff, Student


def staff(name: str) -> Staff:
    return Staff.objects.get(user__username=name)


def client_for(personas: Personas, name: str) -> Client:
    c = Client()
    c.force_login(personas.users[name])
    return c


def guardian(personas: Personas, name: str) -> Guardian:
    return Guardian.objects.get(user=personas.users[name])


def add_student(personas: Personas, name: str, no: str, klass: SchoolClass, *, parent: Guardian | None = None,
                birth: datetime.date = datetime.date(2017, 3, 1)) -> Student:
    user = get_user_model().objects.create(username=name)
    s = Student.objects.create(user=user, school=personas.school, student_no=no, name=name, gender="M", birth_date=birth)
    Enrolment.objects.create(student=s, term=personas.term, school_class=klass)
    if parent is not None:
        GuardianLink.objects.create(guardian=parent, student=s, relation="father")
    return s


def add_parent(personas: Personas, name: str, child: Student) -> Guardian:
    g = Guardian.objects.create(user=get_user_model().objects.create(username=name), name=name)
    GuardianLink.objects.create(guardian=g, student=child, relation="mother")
    return g
