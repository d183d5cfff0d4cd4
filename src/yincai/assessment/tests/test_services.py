"""assessment.services: create, edit, delete (refused with scores, cascade when confirmed, audited)."""

from __future__ import annotations

import datetime

import pytest

from tests.personas import Personas
from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.assessment.services import (
    AssessmentRefused,
    assessment_create,
    assessment_delete,
    assessment_update,
    draft_resolve,
    parse_kind,
)
from yincai.oversight.models import AuditLog
from yincai.school.models import Subject

pytestmark = pytest.mark.django_db


def _math() -> Subject:
    return Subject.objects.get(code="math")


def _create(p: Personas, user: str, **kw: object) -> Assessment:
    args: dict = {"name": "第三单元测试", "kind": "unit", "grade": p.class31.grade, "subject": _math(),
                  "date": datetime.date.today(), "school_class": None, "term": p.term} | kw
    return assessment_create(user=p.users[user], **args)


def test_it_creates_a_grade_assessment_for_the_admin(personas: Personas) -> None:
    a = _create(personas, "wang", kind="practice")
    assert (a.term, a.grade, a.school_class, a.get_kind_display()) == (personas.term, personas.class31.grade, None, "练习")
    assert a.created_by.user == personas.users["wang"]


def test_a_subject_teacher_may_create_for_her_class_or_her_grade_in_her_subject(personas: Personas) -> None:
    own_class = _create(personas, "ma", school_class=personas.class31, name="随堂练习")
    grade_wide = _create(personas, "ma", name="年级单元测")
    assert own_class.school_class == personas.class31 and grade_wide.school_class is None


def test_a_subject_teacher_is_refused_another_class_grade_or_subject(personas: Personas) -> None:
    chinese = Subject.objects.get(code="chinese")
    refusals = [
        {"school_class": personas.class32},
        {"grade": personas.class41.grade},
        {"subject": chinese},
    ]
    before = Assessment.objects.count()
    for kw in refusals:
        with pytest.raises(AssessmentRefused, match="只能为您任教或负责的班级、学科"):
            _create(personas, "ma", **kw)
    assert Assessment.objects.count() == before


def test_a_head_teacher_may_create_any_subject_for_her_class_but_not_the_grade(personas: Personas) -> None:
    assert _create(personas, "hu", school_class=personas.class31).subject == _math()
    with pytest.raises(AssessmentRefused):
        _create(personas, "hu")  # grade-wide math: hu does not teach math


def test_a_grade_lead_creates_for_her_grade_only(personas: Personas) -> None:
    assert _create(personas, "lin").grade == personas.class31.grade
    with pytest.raises(AssessmentRefused):
        _create(personas, "lin", grade=personas.class41.grade)


def test_bad_input_is_refused_with_every_reason(personas: Personas) -> None:
    with pytest.raises(AssessmentRefused) as exc:
        _create(personas, "wang", name=" ", kind="exam", date=personas.term.end_date + datetime.timedelta(days=1))
    text = "；".join(exc.value.errors)
    assert "请填写测评名称" in text and "测评类型应为" in text and "不在学期「本学期」" in text


def test_a_class_of_another_grade_is_refused(personas: Personas) -> None:
    with pytest.raises(AssessmentRefused, match="不是本学期三年级的班级"):
        _create(personas, "wang", school_class=personas.class41)


def test_kind_and_draft_words_as_teachers_write_them(personas: Personas) -> None:
    assert [parse_kind(w) for w in ("期末", "期末考试", "final", "摸底", "单元", "练习")] == [
        "final", "final", "final", "diagnostic", "unit", "practice"]
    got = draft_resolve(term=personas.term, draft={"grade": "三年级", "subject": "math", "date": "2026/1/5",
                                                    "kind": "期中", "class": "3(1)班", "name": ""})
    assert got["school_class"] == personas.class31 and got["kind"] == "midterm"
    assert got["name"] == "2026-01-05 三年级(1)班数学期中"
    with pytest.raises(AssessmentRefused) as exc:
        draft_resolve(term=personas.term, draft={"grade": "9", "subject": "物理", "date": "明天"})
    assert len(exc.value.errors) == 3 and "年级「9」不存在" in exc.value.errors[0]


def test_edit_changes_name_and_date_but_not_the_scope_once_scores_exist(personas: Personas) -> None:
    a = Assessment.objects.get(pk=personas.math_assessment.pk)  # a copy: the personas' objects stay untouched
    new_date = datetime.date.today() - datetime.timedelta(days=3)
    assessment_update(user=personas.users["lin"], assessment=a, name="改名后", kind="final", grade=a.grade,
                      subject=a.subject, date=new_date, school_class=None)
    a.refresh_from_db()
    assert (a.name, a.kind, a.date) == ("改名后", "final", new_date)
    with pytest.raises(AssessmentRefused, match="已有成绩，不能更改年级、班级或学科"):
        assessment_update(user=personas.users["lin"], assessment=a, name="改名后", kind="final", grade=a.grade,
                          subject=a.subject, date=new_date, school_class=personas.class31)
    a.refresh_from_db()
    assert a.school_class is None


def test_edit_by_a_stranger_is_refused(personas: Personas) -> None:
    a = Assessment.objects.get(pk=personas.other_assessment.pk)
    with pytest.raises(AssessmentRefused, match="无权"):
        assessment_update(user=personas.users["ma"], assessment=a, name="x", kind="unit", grade=a.grade,
                          subject=a.subject, date=a.date)


def test_delete_without_scores_just_deletes(personas: Personas) -> None:
    a = _create(personas, "ma", school_class=personas.class31)
    Item.objects.create(assessment=a, label="1", order=1, max_score=5)
    pk = a.pk
    done = assessment_delete(user=personas.users["ma"], assessment=a)
    assert done.scores == 0 and not Assessment.objects.filter(pk=pk).exists()


def test_delete_with_scores_is_refused_then_cascades_when_confirmed(personas: Personas) -> None:
    a = Assessment.objects.get(pk=personas.math_assessment.pk)  # a copy: the personas' objects stay untouched
    pk = a.pk
    n_scores = ItemScore.objects.filter(item__assessment=a).count()
    assert n_scores == 12
    with pytest.raises(AssessmentRefused, match="已有 3 名学生的 12 条小题得分，不能直接删除"):
        assessment_delete(user=personas.users["lin"], assessment=a)
    assert ItemScore.objects.filter(item__assessment=a).count() == n_scores
    audits = AuditLog.objects.count()
    done = assessment_delete(user=personas.users["lin"], assessment=a, cascade=True)
    assert (done.items, done.scores, done.students) == (4, 12, 3)
    assert not Assessment.objects.filter(pk=pk).exists() and not Item.objects.filter(assessment_id=pk).exists()
    assert not ItemScore.objects.filter(item__assessment_id=pk).exists()
    entry = AuditLog.objects.filter(action="delete", model="assessment.Assessment", object_id=str(pk),
                                    detail__contains="连同").get()
    assert "12 条小题得分" in entry.detail and "三年级数学单元测试" in entry.detail
    assert AuditLog.objects.count() > audits


def test_cascade_is_refused_when_scores_of_other_classes_would_go(personas: Personas) -> None:
    # ma teaches math in 三年级(1)班 only; the grade-wide assessment holds bob's (三年级(2)班) scores too
    a = Assessment.objects.get(pk=personas.math_assessment.pk)  # a copy: the personas' objects stay untouched
    with pytest.raises(AssessmentRefused, match=r"三年级\(2\)班"):
        assessment_delete(user=personas.users["ma"], assessment=a, cascade=True)
    assert ItemScore.objects.filter(item__assessment=a).count() == 12


def test_a_head_teacher_who_does_not_teach_the_subject_cannot_edit_or_delete_the_grade_assessment(
        personas: Personas) -> None:
    a = _create(personas, "lin")  # grade-wide math, no scores; hu heads 三年级(1)班 and teaches 语文 there
    with pytest.raises(AssessmentRefused, match="三年级全年级的数学测评只能由年级组长、教导处或该学科的任课教师修改或删除"):
        assessment_delete(user=personas.users["hu"], assessment=a)
    with pytest.raises(AssessmentRefused, match="只能由年级组长"):
        assessment_update(user=personas.users["hu"], assessment=a, name="x", kind="unit", grade=a.grade,
                          subject=a.subject, date=a.date)
    assert Assessment.objects.get(pk=a.pk).name == "第三单元测试"
    assessment_delete(user=personas.users["ma"], assessment=a)  # the grade's math teacher may
    assert not Assessment.objects.filter(name="第三单元测试").exists()
