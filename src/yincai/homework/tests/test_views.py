"""The homework pages through the test client: composing, refusals shown with their figures, answering,
marking, and object-level refusals (students and parents never see another student's homework or wrong-book)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from yincai.homework import services as svc
from yincai.homework import wrongbook
from yincai.homework.models import Homework, HomeworkAnswer, WrongBookEntry
from yincai.homework.tests.conftest import bank, day, homework, staff
from yincai.school.models import Subject

pytestmark = pytest.mark.django_db


def client(p, name: str) -> Client:
    c = Client()
    c.force_login(p.users[name])
    return c


def _published(p, math, klass=None, author="ma"):
    hw = homework(p, math, klass=klass, author=author)
    svc.generate_items(homework=hw, generator_key="times_table", level=1, count=2, layer="basic",
                       author=staff(author), seed=11)
    svc.item_add(homework=hw, bank_item=bank(p, math, "应用题", "", "5"), layer="basic")
    svc.homework_publish(homework=hw, by=staff(author))
    return hw


def _messages(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def test_a_teacher_creates_and_composes_a_homework(personas, math) -> None:
    c = client(personas, "ma")
    r = c.post(reverse("homework:new"), {"target": f"{personas.class31.pk}-{math.pk}", "date": day(personas).isoformat(),
                                         "title": "乘法练习", "kind": "written"})
    hw = Homework.objects.get(title="乘法练习")
    assert r.status_code == 302 and hw.author == staff("ma")
    c.post(reverse("homework:compose", args=[hw.pk]), {"action": "generate", "generator": "times_table", "level": "2",
                                                       "count": "4", "layer": "extended"})
    c.post(reverse("homework:compose", args=[hw.pk]), {"action": "quick", "stem": "画一画：3 个 4", "answer": "",
                                                       "item_type": "other", "minutes": "3", "layer": "basic"})
    assert hw.items.count() == 5
    page = c.get(reverse("homework:detail", args=[hw.pk])).content.decode()
    assert "营养加餐" in page and 'id="recommendations"' in page and "画一画" in page


def test_a_teacher_of_another_class_cannot_compose_or_see_it(personas, math) -> None:
    hw = homework(personas, math)
    r = client(personas, "ma2").post(reverse("homework:compose", args=[hw.pk]), {"action": "publish"})
    assert r.status_code == 404
    r = client(personas, "ma2").post(reverse("homework:new"), {"target": f"{personas.class31.pk}-{math.pk}",
                                                               "date": day(personas).isoformat(), "title": "x"})
    assert "请选择您任教的班级和学科" in _messages(r) and not Homework.objects.filter(title="x").exists()


def test_the_refused_publish_shows_the_minutes(personas, math) -> None:
    chinese = Subject.objects.get(code="chinese")
    date = day(personas, 9)
    other = homework(personas, chinese, date=date, author="hu")
    svc.item_add(homework=other, bank_item=bank(personas, chinese, "作文", "", "45"), layer="basic")
    svc.homework_publish(homework=other, by=staff("hu"))
    hw = homework(personas, math, date=date)
    svc.item_add(homework=hw, bank_item=bank(personas, math, "练习卷", "", "20"), layer="basic")
    r = client(personas, "ma").post(reverse("homework:compose", args=[hw.pk]), {"action": "publish"}, follow=True)
    text = r.content.decode()
    assert "已有语文 45 分钟" in text and "本次数学 20 分钟" in text and "合计 65 分钟" in text
    assert Homework.objects.get(pk=hw.pk).status == "draft"
    client(personas, "ma").post(reverse("homework:compose", args=[hw.pk]), {"action": "request", "reason": "复习"})
    page = client(personas, "lin").get(reverse("homework:grade_load", args=[personas.class31.grade_id])
                                       + f"?date={date:%Y-%m-%d}").content.decode()
    assert "练习" in page and "复习" in page and 'id="load-data"' in page
    assert client(personas, "ma").post(reverse("homework:approve", args=[hw.pk]), {"note": "x"}).status_code == 403
    client(personas, "lin").post(reverse("homework:approve", args=[hw.pk]), {"note": "同意"})
    hw.refresh_from_db()
    assert hw.status == "published" and hw.approved_by == staff("lin")


def test_a_grade_1_written_homework_is_refused_in_the_page(personas, math) -> None:
    from yincai.homework.tests.test_budget import _grade1_class

    klass = _grade1_class(personas)
    hw = homework(personas, math, klass=klass, author="wang")
    svc.item_add(homework=hw, bank_item=bank(personas, math, "8 + 5 =", "13", "3"), layer="basic")
    page = client(personas, "wang").get(reverse("homework:detail", args=[hw.pk])).content.decode()
    assert "一、二年级不布置家庭书面作业" in page
    r = client(personas, "wang").post(reverse("homework:compose", args=[hw.pk]), {"action": "publish"}, follow=True)
    assert "一、二年级不布置家庭书面作业（《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》，2021）" in r.content.decode()
    assert Homework.objects.get(pk=hw.pk).status == "draft"


def test_a_student_answers_online_and_sees_the_result(personas, math) -> None:
    hw = _published(personas, math)
    a = hw.assignments.get(student=personas.alice)
    online = [hi.bank_item for hi in hw.items.filter(online=True)]
    c = client(personas, "alice")
    c.post(reverse("homework:assignment", args=[a.pk]), {"action": "answer", f"a-{online[0].pk}": online[0].answer,
                                                          f"a-{online[1].pk}": "999"})
    page = c.get(reverse("homework:assignment", args=[a.pk])).content.decode()
    assert "✓ 对" in page and "✗ 错" in page and f"正确答案：{online[1].answer}" in page
    assert WrongBookEntry.objects.filter(student=personas.alice, bank_item=online[1]).exists()
    # the parent reports the real time but cannot answer
    pa = client(personas, "pa")
    pa.post(reverse("homework:assignment", args=[a.pk]), {"action": "minutes", "minutes": "30"})
    pa.post(reverse("homework:assignment", args=[a.pk]), {"action": "answer", f"a-{online[0].pk}": "1"})
    a.refresh_from_db()
    assert a.reported_minutes == 30 and a.answers.count() == 2


def test_the_teacher_marks_the_grid_in_one_save(personas, math) -> None:
    hw = _published(personas, math)
    paper = hw.items.get(online=False).bank_item
    alice, amy = hw.assignments.get(student=personas.alice), hw.assignments.get(student=personas.amy)
    page = client(personas, "ma").get(reverse("homework:mark", args=[hw.pk])).content.decode()
    assert f'data-key="{alice.pk}-{paper.pk}"' in page
    client(personas, "ma").post(reverse("homework:mark", args=[hw.pk]), {
        f"m-{alice.pk}-{paper.pk}": "wrong", f"r-{alice.pk}-{paper.pk}": "method",
        f"m-{amy.pk}-{paper.pk}": "right", f"r-{amy.pk}-{paper.pk}": ""})
    assert HomeworkAnswer.objects.get(assignment=alice, bank_item=paper).reason == "method"
    assert HomeworkAnswer.objects.get(assignment=amy, bank_item=paper).mark == "right"
    stats = client(personas, "ma").get(reverse("homework:stats", args=[hw.pk])).content.decode()
    assert "方法不会 1" in stats


def test_students_and_parents_never_see_another_students_homework_or_wrong_book(personas, math) -> None:
    hw = _published(personas, math, klass=personas.class32, author="ma2")
    bobs = hw.assignments.get(student=personas.bob)
    entry = wrongbook.entry_add(student=personas.bob, subject=math, today=day(personas), source_text="bob 的错题")
    for name in ("alice", "pa"):
        c = client(personas, name)
        assert c.get(reverse("homework:assignment", args=[bobs.pk])).status_code == 404
        assert c.get(reverse("homework:wrongbook", args=[personas.bob.pk])).status_code == 404
        assert c.get(reverse("homework:wrongbook_print", args=[personas.bob.pk])).status_code == 404
        assert "bob 的错题" not in c.get(reverse("homework:wrongbook", args=[personas.alice.pk])).content.decode()
        assert hw.title not in c.get(reverse("homework:index")).content.decode()
    assert client(personas, "alice").post(reverse("homework:wrongbook_review", args=[entry.pk]),
                                          {"response": "1"}).status_code == 404
    # alice's own classmate amy: same class, still not hers
    own = _published(personas, math)
    amys = own.assignments.get(student=personas.amy)
    assert client(personas, "alice").get(reverse("homework:assignment", args=[amys.pk])).status_code == 404
    assert client(personas, "alice").get(reverse("homework:wrongbook", args=[personas.amy.pk])).status_code == 404
    # a draft is not shown to the student
    draft = homework(personas, math, title="草稿作业")
    svc.item_add(homework=draft, bank_item=bank(personas, math, "题", "", "5"), layer="basic")
    assert "草稿作业" not in client(personas, "alice").get(reverse("homework:index")).content.decode()


def test_the_student_reviews_a_due_variant_in_the_wrong_book(personas, math, monkeypatch, tmp_path) -> None:
    hw = homework(personas, math)
    item = svc.generate_items(homework=hw, generator_key="times_table", level=1, count=1, layer="basic",
                              author=staff("ma"), seed=2)[0].bank_item
    from django.utils import timezone

    today = timezone.localdate()
    entry = wrongbook.entry_add(student=personas.alice, subject=math, today=today, bank_item=item)
    c = client(personas, "alice")
    r = c.post(reverse("homework:wrongbook_review", args=[entry.pk]), {"response": entry.pending_variant.answer},
               follow=True)
    assert "还没到复习时间" in r.content.decode()
    fake = tmp_path / "today"
    fake.write_text((today + datetime.timedelta(days=1)).isoformat())
    monkeypatch.setenv("YINCAI_TEST_CLOCK", "1")
    monkeypatch.setenv("YINCAI_FAKE_TODAY_FILE", str(fake))
    r = c.post(reverse("homework:wrongbook_review", args=[entry.pk]), {"response": entry.pending_variant.answer},
               follow=True)
    assert "答对了" in r.content.decode()
    entry.refresh_from_db()
    assert entry.streak == 1 and entry.next_due == today + datetime.timedelta(days=4)


def test_the_fake_clock_needs_the_test_flag(monkeypatch, tmp_path) -> None:
    from yincai.homework import clock

    fake = tmp_path / "today"
    fake.write_text("2030-01-02")
    monkeypatch.setenv("YINCAI_FAKE_TODAY_FILE", str(fake))
    monkeypatch.delenv("YINCAI_TEST_CLOCK", raising=False)
    assert clock.today() != datetime.date(2030, 1, 2)
    monkeypatch.setenv("YINCAI_TEST_CLOCK", "1")
    assert clock.today() == datetime.date(2030, 1, 2) and clock.now().date() == datetime.date(2030, 1, 2)
    fake.write_text("garbage")
    assert clock.today() != datetime.date(2030, 1, 2)


def test_students_and_parents_never_see_a_tier_label(personas, math) -> None:
    from yincai.insight.models import TierProposal

    TierProposal.objects.create(student=personas.alice, term=personas.term, subject=math, round="initial",
                                tier="struggling", point_tier="struggling", low_cut=0.2, high_cut=0.8)
    hw = _published(personas, math)
    a = hw.assignments.get(student=personas.alice)
    assert "学困" in a.recommendation_reason
    for name in ("alice", "pa"):
        page = client(personas, name).get(reverse("homework:assignment", args=[a.pk])).content.decode()
        assert "学困" not in page and "基础套餐" in page and "老师根据你最近的测评情况推荐" in page
    assert "学困" in client(personas, "hu").get(reverse("homework:assignment", args=[a.pk])).content.decode()


def test_print_sheet_class_statistics_and_collecting_an_assessment(personas, math) -> None:
    c = client(personas, "ma")
    r = c.post(reverse("homework:collect", args=[personas.math_assessment.pk]), {"class_id": personas.class31.pk})
    assert r.status_code == 302
    entries = WrongBookEntry.objects.filter(item_score__item__assessment=personas.math_assessment)
    assert entries.exists() and not entries.filter(student=personas.bob).exists()  # only ma's class
    sheet = client(personas, "alice").get(reverse("homework:wrongbook_print", args=[personas.alice.pk])).content.decode()
    assert "错题重做单" in sheet and "三年级数学单元测试" in sheet
    entry = entries.filter(student=personas.alice).first()
    entry.reason = "careless"
    entry.save()
    page = c.get(reverse("homework:class_wrongbook", args=[personas.class31.pk])).content.decode()
    assert "书写粗心 1" in page
    assert client(personas, "ma2").post(reverse("homework:collect", args=[personas.other_assessment.pk]),
                                        {"class_id": personas.class32.pk}).status_code == 404


def test_the_admin_sets_the_limits(personas, math) -> None:
    c = client(personas, "wang")
    c.post(reverse("homework:limits"), {"g3": "45", "g1": "0"})
    assert svc.daily_limit(personas.school, 3) == 45
    r = c.post(reverse("homework:limits"), {"g3": "50", "g4": "999"}, follow=True)
    assert "4年级上限应在 0–120 之间" in r.content.decode() and svc.daily_limit(personas.school, 4) == 60
    assert svc.daily_limit(personas.school, 3) == 45  # nothing written
    assert client(personas, "lin").post(reverse("homework:limits"), {"g3": "90"}).status_code == 403
