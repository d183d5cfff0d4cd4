"""score_trajectory: each total and class median equals the per-assessment totals (student_totals), in a fixed
number of queries whatever the number of assessments."""

from __future__ import annotations

import datetime
import statistics
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yincai.accounts.roles import Role
from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.assessment.selectors import score_trajectory, student_totals
from yincai.school.models import Enrolment, SchoolClass, Student, Subject

pytestmark = pytest.mark.django_db


def _assessment(personas, klass: SchoolClass, name: str, scores: dict[Student, list[str | None]],  # type: ignore[no-untyped-def]
                *, own_class: bool = False, days_ago: int = 5) -> Assessment:
    a = Assessment.objects.create(term=klass.term, grade=klass.grade, subject=Subject.objects.get(code="math"),
                                  school_class=klass if own_class else None, kind="unit", name=name,
                                  date=klass.term.end_date - datetime.timedelta(days=days_ago))
    for j in range(3):
        item = Item.objects.create(assessment=a, label=str(j + 1), order=j + 1, max_score=Decimal(10))
        for student, values in scores.items():
            value = values[j]
            ItemScore.objects.create(item=item, student=student, score=None if value is None else Decimal(value),
                                     state="scored" if value is not None else "absent")
    return a


def _reference(user, student: Student) -> list[tuple[str, float | None, float | None]]:  # type: ignore[no-untyped-def]
    """The same figures, one assessment at a time, straight from student_totals."""
    out = []
    for point in score_trajectory(user, student):
        a = Assessment.objects.get(pk=point.assessment_id)
        klass = student.class_in(a.term)
        totals = student_totals(a, klass.enrolments.values_list("student_id", flat=True))
        scored = [float(t.total) for t in totals.values() if t.total is not None]
        own = totals.get(student.pk)
        out.append((a.name, float(own.total) if own and own.total is not None else None,
                    statistics.median(scored) if scored else None))
    return out


@pytest.fixture
def two_terms(personas):  # type: ignore[no-untyped-def]
    """alice and amy were classmates last term too (with bob); this term bob is in the other class."""
    prev_class = SchoolClass.objects.create(term=personas.prev_term, grade=personas.class31.grade, number=9)
    for s in (personas.alice, personas.amy, personas.bob):
        Enrolment.objects.create(student=s, term=personas.prev_term, school_class=prev_class)
    _assessment(personas, prev_class, "上学期期末", {personas.alice: ["7", "8.5", None], personas.amy: [None] * 3,
                                                personas.bob: ["10", "10", "2"]})
    _assessment(personas, personas.class31, "本班小测", {personas.alice: [None] * 3, personas.amy: ["3", "4", "5"],
                                                   personas.bob: ["9", "9", "9"]}, own_class=True)
    return personas


def test_the_totals_and_class_medians_match_the_per_assessment_totals(two_terms) -> None:  # type: ignore[no-untyped-def]
    p = two_terms
    for viewer, student in ((p.user(Role.HEAD_TEACHER), p.alice), (p.user(Role.ADMIN), p.amy),
                            (p.user(Role.STUDENT), p.alice), (p.user(Role.PARENT), p.alice)):
        points = score_trajectory(viewer, student)
        got = [(pt.name, pt.total, pt.class_median) for pt in points]
        assert got == _reference(viewer, student)
        assert [pt.name for pt in points][0] == "上学期期末"  # the previous term first
    alice = {pt.name: pt for pt in score_trajectory(p.user(Role.ADMIN), p.alice)}
    assert alice["上学期期末"].total == 15.5 and alice["上学期期末"].class_median == 18.75  # amy absent: not a 0
    assert alice["本班小测"].total is None  # absent ≠ 0
    assert alice["本班小测"].class_median == 12.0  # bob's 27 is in the other class now


def test_the_number_of_queries_does_not_grow_with_the_number_of_assessments(two_terms) -> None:  # type: ignore[no-untyped-def]
    p = two_terms
    viewer = p.user(Role.HEAD_TEACHER)
    with CaptureQueriesContext(connection) as before:
        n_before = len(score_trajectory(viewer, p.alice))
    for k in range(3):
        _assessment(p, p.class31, f"练习{k}", {p.alice: ["1", "2", "3"], p.amy: ["4", None, "6"]}, days_ago=k + 1)
    with CaptureQueriesContext(connection) as after:
        n_after = len(score_trajectory(viewer, p.alice))
    assert n_after == n_before + 3
    assert len(after) == len(before)


def test_without_the_class_median_only_the_own_scores_are_read(two_terms) -> None:  # type: ignore[no-untyped-def]
    p = two_terms
    viewer = p.user(Role.PARENT)
    full = score_trajectory(viewer, p.alice)
    with CaptureQueriesContext(connection) as queries:
        own = score_trajectory(viewer, p.alice, with_class_median=False)
    assert [(pt.name, pt.total, pt.max_total) for pt in own] == [(pt.name, pt.total, pt.max_total) for pt in full]
    assert all(pt.class_median is None for pt in own) and any(pt.class_median is not None for pt in full)
    aggregate = next(q["sql"] for q in queries if "SUM" in q["sql"] and "itemscore" in q["sql"])
    assert "school_enrolment" not in aggregate  # no classmates in the query
