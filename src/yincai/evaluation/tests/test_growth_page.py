"""Class growth percentiles: on a generated grade (selector) and on the page (permissions, content)."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client

from tests.personas import Personas
from yincai.demo.services import build_demo_school
from yincai.evaluation.selectors import class_growth
from yincai.evaluation.tests.test_studies import _grow_class, _paper
from yincai.school.models import SchoolClass, Subject

pytestmark = pytest.mark.django_db


def test_growth_percentiles_of_a_generated_grade(personas: Personas) -> None:
    result = build_demo_school(seed=3, classes_per_grade=2, class_size=(14, 16), grades=[3])
    klass = SchoolClass.objects.filter(grade__school=result.school).order_by("-term__start_date", "number").first()
    report = class_growth(klass, Subject.objects.get(code="math"))
    assert report.reason == "", report.reason
    assert report.rows and all(1 <= r.sgp <= 99 for r in report.rows)
    assert report.cohort_size >= 20 and report.median is not None


def test_the_page_ranks_growth_not_attainment(personas: Personas) -> None:
    students = _grow_class(personas, 60)
    rng = np.random.default_rng(1)
    start = {s.pk: float(rng.uniform(0.3, 0.9)) for s in students}
    grew = {s.pk: (0.15 if k % 3 == 0 else -0.05) for k, s in enumerate(students)}
    _paper(personas, "期初", 40, start)
    _paper(personas, "期中", 5, {sid: min(1.0, max(0.0, start[sid] + grew[sid] + rng.normal(0, 0.02)))
                                 for sid in start})
    report = class_growth(personas.class31, Subject.objects.get(code="math"))
    assert report.reason == "" and report.rows
    by_growth = {True: [], False: []}
    for r in report.rows:
        by_growth[grew[r.student.pk] > 0].append(r.sgp)
    fast, slow = np.array(by_growth[True]), np.array(by_growth[False])
    print(f"median SGP: fast growers {np.median(fast)}, others {np.median(slow)}")
    assert np.median(fast) - np.median(slow) >= 40
    assert (fast[:, None] > slow[None, :]).mean() >= 0.9  # a fast grower is above an other in ≥ 90 % of pairs
    hu = Client()
    hu.force_login(personas.user("hu"))
    page = hu.get(f"/evaluation/growth/{personas.class31.pk}/?subject=math").content.decode()
    assert "班级成长百分位中位数" in page and report.rows[0].student.name in page
    lin = Client()
    lin.force_login(personas.user("lin"))
    assert lin.get(f"/evaluation/growth/{personas.class41.pk}/").status_code == 404
    for who in ("alice", "pa", "mei"):
        c = Client()
        c.force_login(personas.user(who))
        assert c.get(f"/evaluation/growth/{personas.class31.pk}/").status_code == 403


def test_too_few_students_are_explained(personas: Personas) -> None:
    report = class_growth(personas.class31, Subject.objects.get(code="math"))
    assert report.rows == [] and report.reason
