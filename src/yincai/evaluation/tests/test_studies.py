"""A/B studies in the app: start (randomised within class × tier, or existing classes), outcomes, result."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from tests.personas import Personas
from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.evaluation.models import Study, StudyParticipant
from yincai.evaluation.selectors import study_report
from yincai.evaluation.services import EvaluationError, study_create, study_set_outcomes
from yincai.oversight.models import AuditLog
from yincai.school.models import Enrolment, Staff, Student, Subject

pytestmark = pytest.mark.django_db


def _grow_class(p: Personas, n: int) -> list[Student]:
    """Add n students to 三年级(1)班 and (2)班 alternately, so a study has enough of them."""
    made = []
    for k in range(n):
        s = Student.objects.create(school=p.school, student_no=f"2099{k:04d}", name=f"学生{k}", gender="M")
        Enrolment.objects.create(student=s, term=p.term, school_class=p.class31 if k % 2 else p.class32)
        made.append(s)
    return made


def _paper(p: Personas, name: str, days_ago: int, rate_of: dict[int, float]) -> Assessment:
    a = Assessment.objects.create(term=p.term, grade=p.class31.grade, subject=Subject.objects.get(code="math"),
                                  kind="unit", name=name, date=datetime.date.today() - datetime.timedelta(days=days_ago))
    item = Item.objects.create(assessment=a, label="1", order=1, max_score=Decimal(100))
    ItemScore.objects.bulk_create([ItemScore(item=item, student_id=sid, score=Decimal(round(100 * r)))
                                   for sid, r in rate_of.items()])
    return a


def _start(p: Personas, **kw: object) -> Study:
    args = {"term": p.term, "subject": Subject.objects.get(code="math"), "author": Staff.objects.get(user__username="hu"),
            "name": "分层作业实验", "treatment": "分层作业", "control": "常规作业", "design": "randomised",
            "classes": [p.class31, p.class32], "seed": 5}
    args.update(kw)
    return study_create(**args)  # type: ignore[arg-type]


def test_it_randomises_within_class_and_tier(personas: Personas) -> None:
    _grow_class(personas, 40)
    study = _start(personas)
    rows = list(study.participants.values_list("stratum", "arm"))
    assert len(rows) == Enrolment.objects.filter(term=personas.term, school_class__grade=personas.class31.grade).count()
    for stratum in {s for s, _ in rows}:
        arms = [a for s, a in rows if s == stratum]
        assert abs(sum(arms) - (len(arms) - sum(arms))) <= 1
    assert AuditLog.objects.filter(model="策略对比实验", object_id=str(study.pk), action="create").exists()


def test_existing_groups_need_a_comparison_class_and_a_pre_test(personas: Personas) -> None:
    _grow_class(personas, 10)
    with pytest.raises(EvaluationError, match="对照班"):
        _start(personas, design="existing", treatment_classes=[personas.class31, personas.class32])
    study = _start(personas, design="existing", treatment_classes=[personas.class31])
    arms = dict(study.participants.values_list("student_id", "arm"))
    assert arms[personas.alice.pk] == 1 and arms[personas.bob.pk] == 0
    post = _paper(personas, "后测", 1, {sid: 0.8 for sid in arms})
    with pytest.raises(EvaluationError, match="前测"):
        study_set_outcomes(study=study, pre=None, post=post)


def test_bad_input_is_refused_and_writes_nothing(personas: Personas) -> None:
    before = Study.objects.count()
    for kw, message in (({"treatment": "常规作业"}, "不能相同"), ({"classes": []}, "至少选择"),
                        ({"name": " "}, "请填写"), ({"classes": [personas.class41]}, "太少")):
        with pytest.raises(EvaluationError, match=message):
            _start(personas, **kw)
    assert Study.objects.count() == before and not StudyParticipant.objects.exists()


def test_result_with_a_real_effect_and_with_too_few_students(personas: Personas) -> None:
    students = _grow_class(personas, 120)
    study = _start(personas)
    arms = dict(study.participants.values_list("student_id", "arm"))
    import numpy as np

    rng = np.random.default_rng(0)
    base = {sid: float(rng.uniform(0.3, 0.7)) for sid in arms}
    pre = _paper(personas, "前测", 30, base)
    post = _paper(personas, "后测", 1, {sid: min(1.0, base[sid] + 0.05 + 0.15 * arms[sid] + rng.normal(0, 0.05))
                                         for sid in arms})
    study_set_outcomes(study=study, pre=pre, post=post)
    report = study_report(study)
    assert report.result is not None and report.result.verdict == "better"
    assert report.result.g_low > 0 and "显著优于" in report.result.summary
    assert report.arms[0].post_mean > report.arms[1].post_mean

    small = _start(personas, name="小样本", classes=[personas.class31], seed=1)
    small.participants.exclude(student__in=students[:6]).exclude(student=personas.alice).delete()
    study_set_outcomes(study=small, pre=pre, post=post)
    assert study_report(small).result.verdict == "insufficient"
    assert "样本不足" in study_report(small).result.summary


def test_pages(personas: Personas) -> None:
    _grow_class(personas, 10)
    hu = Client()
    hu.force_login(personas.user("hu"))
    response = hu.post("/evaluation/studies/", {
        "name": "同伴互助实验", "subject": Subject.objects.get(code="math").pk, "treatment": "同伴互助",
        "control": "教师辅导", "design": "randomised", "classes": [personas.class31.pk]})
    study = Study.objects.get(name="同伴互助实验")
    assert response.status_code == 302 and response["Location"] == f"/evaluation/studies/{study.pk}/"
    page = hu.get(f"/evaluation/studies/{study.pk}/")
    assert "同伴互助" in page.content.decode() and "选择后测后显示结果" in page.content.decode()
    # a class the head teacher cannot open is silently not used: nothing is created from it
    hu.post("/evaluation/studies/", {"name": "越权", "subject": Subject.objects.get(code="math").pk, "treatment": "A",
                                     "control": "B", "design": "randomised", "classes": [personas.class41.pk]})
    assert not Study.objects.filter(name="越权").exists()
    bad = hu.post("/evaluation/studies/", {"name": "x", "treatment": "A", "control": "A", "design": "randomised"})
    assert bad.status_code == 200 and "请选择学科" in bad.content.decode()
    # another grade's teacher does not see it; families are refused outright
    other = Study.objects.create(term=personas.term, subject=study.subject, name="四年级实验", treatment="A",
                                 control="B", design="randomised", created_by=study.created_by)
    other.classes.set([personas.class41])
    lin = Client()
    lin.force_login(personas.user("lin"))
    assert lin.get(f"/evaluation/studies/{other.pk}/").status_code == 404
    assert "四年级实验" not in lin.get("/evaluation/studies/").content.decode()
    for who in ("pa", "alice", "zhou"):
        c = Client()
        c.force_login(personas.user(who))
        assert c.get(f"/evaluation/studies/{study.pk}/").status_code == 403
