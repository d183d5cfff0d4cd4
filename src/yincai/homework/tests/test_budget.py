"""双减 budget on publishing: grade 1–2 written homework refused naming the rule, the daily 60-minute total with
its figures, the grade lead's recorded approval, and the school's own limits."""

from __future__ import annotations

import datetime

import pytest

from yincai.homework import services as svc
from yincai.homework.models import Homework
from yincai.homework.tests.conftest import bank, day, homework, staff
from yincai.school.models import Enrolment, Grade, SchoolClass, Student, Subject

pytestmark = pytest.mark.django_db


def _grade1_class(p):
    g1 = Grade.objects.create(school=p.school, level=1)
    klass = SchoolClass.objects.create(term=p.term, grade=g1, number=1)
    s = Student.objects.create(school=p.school, student_no="20260101", name="小一", gender="M",
                               birth_date=datetime.date(2019, 3, 1))
    Enrolment.objects.create(student=s, term=p.term, school_class=klass)
    return klass


def test_grade_1_written_homework_is_refused_naming_the_rule(personas, math) -> None:
    klass = _grade1_class(personas)
    hw = homework(personas, math, klass=klass, author="wang")
    svc.item_add(homework=hw, bank_item=bank(personas, math, "8 + 5 =", "13", "3"), layer="basic")
    with pytest.raises(svc.HomeworkError) as exc:
        svc.homework_publish(homework=hw, by=staff("wang"))
    message = exc.value.messages[0]
    assert "一、二年级不布置家庭书面作业" in message and "《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》" in message
    hw.refresh_from_db()
    assert hw.status == "draft" and hw.published_at is None


def test_grade_1_oral_homework_is_allowed(personas, math) -> None:
    klass = _grade1_class(personas)
    hw = homework(personas, math, klass=klass, author="wang", kind="oral")
    svc.item_add(homework=hw, bank_item=bank(personas, math, "口算：9 + 6", "15", "3"), layer="basic")
    check = svc.homework_publish(homework=hw, by=staff("wang"))
    assert check.allowed and Homework.objects.get(pk=hw.pk).status == "published"


def test_grade_lead_cannot_approve_a_grade_1_written_homework(personas, math) -> None:
    klass = _grade1_class(personas)
    hw = homework(personas, math, klass=klass, author="wang")
    svc.item_add(homework=hw, bank_item=bank(personas, math, "8 + 5 =", "13", "3"), layer="basic")
    with pytest.raises(svc.HomeworkError, match="一、二年级"):
        svc.approval_grant(homework=hw, by=staff("wang"), note="特批")
    assert Homework.objects.get(pk=hw.pk).status == "draft"


def _publish_chinese(p, minutes: str, date: datetime.date) -> Homework:
    chinese = Subject.objects.get(code="chinese")
    hw = homework(p, chinese, date=date, author="hu", title="语文")
    svc.item_add(homework=hw, bank_item=bank(p, chinese, "抄写生字", "", minutes), layer="basic")
    svc.homework_publish(homework=hw, by=staff("hu"))
    return hw


def test_over_the_daily_total_is_refused_with_the_figures(personas, math) -> None:
    date = day(personas, 3)
    _publish_chinese(personas, "40", date)
    hw = homework(personas, math, date=date)
    svc.item_add(homework=hw, bank_item=bank(personas, math, "竖式计算 4 题", "", "15"), layer="basic")
    svc.item_add(homework=hw, bank_item=bank(personas, math, "解决问题 2 题", "", "10"), layer="extended")
    with pytest.raises(svc.HomeworkError) as exc:
        svc.homework_publish(homework=hw, by=staff("ma"))
    msg = exc.value.messages[0]
    assert f"{date.month} 月 {date.day} 日" in msg
    assert "已有语文 40 分钟" in msg and "本次数学 25 分钟" in msg and "合计 65 分钟" in msg and "超过 60 分钟上限" in msg
    assert Homework.objects.get(pk=hw.pk).status == "draft"


def test_under_the_limit_publishes(personas, math) -> None:
    date = day(personas, 4)
    _publish_chinese(personas, "20", date)
    hw = homework(personas, math, date=date)
    svc.item_add(homework=hw, bank_item=bank(personas, math, "竖式计算", "", "20"), layer="basic")
    check = svc.homework_publish(homework=hw, by=staff("ma"))
    assert check.total == 40 and "未超过 60 分钟上限" in check.message


def test_the_grade_leads_approval_is_recorded_and_publishes(personas, math) -> None:
    date = day(personas, 6)
    _publish_chinese(personas, "50", date)
    hw = homework(personas, math, date=date)
    svc.item_add(homework=hw, bank_item=bank(personas, math, "单元复习卷", "", "30"), layer="basic")
    with pytest.raises(svc.HomeworkError, match="请填写申请理由"):
        svc.approval_request(homework=hw, by=staff("ma"), reason=" ")
    svc.approval_request(homework=hw, by=staff("ma"), reason="单元复习")
    svc.approval_grant(homework=hw, by=staff("lin"), note="本周仅此一次")
    hw.refresh_from_db()
    assert hw.status == "published" and hw.approved_by == staff("lin") and hw.approval_note == "本周仅此一次"


def test_the_school_may_change_a_grades_limit(personas, math) -> None:
    svc.limit_set(school=personas.school, grade_level=3, minutes=30, by=staff("wang"))
    hw = homework(personas, math, date=day(personas, 7))
    svc.item_add(homework=hw, bank_item=bank(personas, math, "练习", "", "35"), layer="basic")
    with pytest.raises(svc.HomeworkError, match="超过 30 分钟上限"):
        svc.homework_publish(homework=hw, by=staff("ma"))
    with pytest.raises(svc.HomeworkError):
        svc.limit_set(school=personas.school, grade_level=3, minutes=500, by=staff("wang"))


def test_budget_counts_the_top_layer_and_the_largest_extras(personas, math) -> None:
    hw = homework(personas, math, date=day(personas, 8))
    for layer, minutes in (("basic", "10"), ("extended", "5"), ("challenge", "4")):
        svc.item_add(homework=hw, bank_item=bank(personas, math, f"{layer} 题", "", minutes), layer=layer)
    assert svc.layer_minutes(hw) == {"basic": 10, "extended": 15, "challenge": 19}
    assert svc.budget_minutes(hw) == 19
