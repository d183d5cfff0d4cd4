from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import Count, Sum

from tests.personas import Personas
from yincai.assessment.models import Assessment, ItemScore
from yincai.demo.models import TrueItemParams, TrueMastery, TrueStudentState
from yincai.demo.services import build_demo_school
from yincai.school.models import Enrolment, Staff, StaffRole, Student


def _fingerprint(school: object) -> tuple[list[str], float]:
    names = list(Student.objects.filter(school=school).order_by("student_no").values_list("name", flat=True))
    total = ItemScore.objects.filter(student__school=school).aggregate(s=Sum("score"))["s"]
    return names, float(total)


@pytest.mark.django_db
def test_the_small_demo_school_is_complete_and_keeps_its_truth(personas: Personas) -> None:
    result = build_demo_school(seed=7, classes_per_grade=2, class_size=(10, 12))
    school = result.school
    assert 120 <= result.students <= 144
    assert Staff.objects.filter(school=school).count() == result.staff
    roles = set(StaffRole.objects.filter(staff__school=school).values_list("role", flat=True))
    assert roles == {"admin", "grade_lead", "head_teacher", "subject_teacher", "mentor", "counselor"}
    math = Assessment.objects.filter(term__school=school, subject__code="math")
    per_grade = math.filter(term__name__startswith="2026-2027").values("grade").annotate(n=Count("id"))
    assert {row["n"] for row in per_grade} == {3}
    assert TrueStudentState.objects.filter(student__school=school).count() == Enrolment.objects.filter(
        student__school=school).count()
    assert TrueMastery.objects.filter(student__school=school).exists()
    assert TrueItemParams.objects.filter(item__assessment__in=math).count() == sum(a.items.count() for a in math)
    absent = ItemScore.objects.filter(student__school=school, state="absent")
    assert absent.exists() and not absent.filter(score__isnull=False).exists()
    tagged = ItemScore.objects.filter(item__assessment__in=math).values("item").distinct().count()
    assert tagged == sum(a.items.filter(knowledge_points__isnull=False).distinct().count() for a in math)
    assert {login.role for login in result.logins} == {"校长/教导处", "年级组长", "班主任", "科任教师", "导师",
                                                      "心理教师", "学生", "家长"}


class _Rollback(Exception):
    pass


def _fingerprint_then_roll_back(seed: int) -> tuple[list[str], float]:
    try:
        with transaction.atomic():
            school = build_demo_school(seed=seed, classes_per_grade=1, class_size=(8, 8), grades=[3]).school
            raise _Rollback(_fingerprint(school))
    except _Rollback as done:
        return done.args[0]


@pytest.mark.django_db
def test_the_demo_is_deterministic_for_a_seed(personas: Personas) -> None:
    first = _fingerprint_then_roll_back(11)
    assert first == _fingerprint_then_roll_back(11)
    assert first != _fingerprint_then_roll_back(12)


@pytest.mark.django_db
def test_building_twice_is_refused(personas: Personas) -> None:
    build_demo_school(seed=13, classes_per_grade=1, class_size=(5, 5), grades=[2])
    with pytest.raises(ValueError, match="演示学校已存在"):
        build_demo_school(seed=13, classes_per_grade=1, class_size=(5, 5), grades=[2])
