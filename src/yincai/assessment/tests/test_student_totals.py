"""student_totals: absent ≠ 0, the dominant non-scored state for a student without a scored item, one query."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.assessment.selectors import student_totals
from yincai.school.models import Enrolment, Student, Subject

pytestmark = pytest.mark.django_db


def test_each_student_gets_a_total_or_the_state_that_explains_its_absence(personas) -> None:  # type: ignore[no-untyped-def]
    p = personas
    extra = [Student.objects.create(school=p.school, student_no=f"2099{k}", name=f"s{k}", gender="M",
                                    birth_date=datetime.date(2017, 1, 1)) for k in range(3)]
    for s in extra:
        Enrolment.objects.create(student=s, term=p.term, school_class=p.class31)
    a = Assessment.objects.create(term=p.term, grade=p.class31.grade, subject=Subject.objects.get(code="math"),
                                  kind="unit", name="小测", date=p.term.start_date)
    items = [Item.objects.create(assessment=a, label=str(j), order=j, max_score=Decimal(10)) for j in range(3)]
    sheet = {
        p.alice: [("scored", "4.5"), ("absent", None), ("scored", "3")],  # partly absent: still a total
        p.amy: [("absent", None), ("absent", None), ("exempt", None)],  # dominant: absent
        extra[0]: [("exempt", None), ("exempt", None), ("absent", None)],  # dominant: exempt
        extra[1]: [("blank", None), ("blank", None), ("cheating", None)],
        extra[2]: [("blank", None), ("blank", None), ("blank", None)],  # nothing else: 缺考
    }
    for student, cells in sheet.items():
        for item, (state, score) in zip(items, cells, strict=True):
            ItemScore.objects.create(item=item, student=student, state=state,
                                     score=Decimal(score) if score is not None else None)
    ids = p.class31.enrolments.values_list("student_id", flat=True)
    with CaptureQueriesContext(connection) as queries:
        totals = student_totals(a, ids)
    assert len(queries) == 1
    assert totals[p.alice.pk].total == Decimal("7.5") and totals[p.alice.pk].label == "7.5"
    assert [(totals[s.pk].total, totals[s.pk].state, totals[s.pk].label) for s in (p.amy, *extra)] == [
        (None, "absent", "缺考"), (None, "exempt", "免考"), (None, "cheating", "作弊"), (None, "absent", "缺考")]
    assert student_totals(a, [p.alice.pk]).keys() == {p.alice.pk}
