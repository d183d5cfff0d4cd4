"""Parent portal: siblings, own-past progress only, homework minutes, notes, shared entries, praise; refusals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.personas import Personas
from yincai.family.models import HomeNote, Notification, SharedEntry
from yincai.family.tests.helpers import client_for, staff
from yincai.school.models import Guardian, GuardianLink
from yincai.support.models import Award, ProgressEntry

pytestmark = pytest.mark.django_db


def _link(personas: Personas, parent: str, student: object) -> None:
    GuardianLink.objects.create(guardian=Guardian.objects.get(user=personas.users[parent]), student=student,
                                relation="mother")


def test_parent_reaches_only_own_children(personas: Personas) -> None:
    pa = client_for(personas, "pa")
    r = pa.get(reverse("family:child", args=[personas.alice.pk]))
    assert r.status_code == 200 and "alice" in r.content.decode()
    assert pa.get(reverse("family:child", args=[personas.dan.pk])).status_code == 404
    assert pa.get(reverse("family:child", args=[personas.bob.pk])).status_code == 404
    assert client_for(personas, "pb").get(reverse("family:child", args=[personas.alice.pk])).status_code == 404


def test_one_login_for_siblings_with_switcher(personas: Personas) -> None:
    _link(personas, "pa", personas.bob)
    pa = client_for(personas, "pa")
    page = pa.get(reverse("family:portal")).content.decode()
    assert 'class="switcher"' in page
    assert reverse("family:child", args=[personas.bob.pk]) in page
    bob_page = pa.get(reverse("family:child", args=[personas.bob.pk])).content.decode()
    assert "bob" in bob_page and 'aria-current="page">bob<' in bob_page
    # bob's teachers (ma2) appear for bob, not alice's head teacher hu
    assert reverse("family:thread", args=[personas.bob.pk, staff("ma2").pk]) in bob_page
    assert reverse("family:thread", args=[personas.bob.pk, staff("hu").pk]) not in bob_page


def test_single_child_has_no_switcher(personas: Personas) -> None:
    page = client_for(personas, "pa").get(reverse("family:portal")).content.decode()
    assert 'class="switcher"' not in page and "alice" in page


def test_progress_shows_levels_never_median_rank_or_tier(personas: Personas) -> None:
    html = client_for(personas, "pa").get(reverse("family:child", args=[personas.alice.pk])).content.decode()
    page = html[html.index("<main"):html.index("</main>")]  # the footer states the no-ranking policy itself
    assert "三年级数学单元测试" in page
    assert any(f"level-{lv}" in page for lv in ("优秀", "良好", "合格", "待提高"))
    for forbidden in ("中位数", "排名", "名次", "百分位", "分层", "A层", "B层", "C层", "培优对象", "辅差对象"):
        assert forbidden not in page, forbidden
    assert '"class_median": null' in page  # the chart gets no class statistic


def test_homework_today_with_minutes(personas: Personas) -> None:
    from yincai.homework.models import Assignment, Homework
    from yincai.school.models import Subject

    hw = Homework.objects.create(school_class=personas.class31, subject=Subject.objects.get(code="math"),
                                 date=timezone.localdate(), title="口算练习", status="published", author=staff("ma"))
    Assignment.objects.create(homework=hw, student=personas.alice, recommended_layer="basic", chosen_layer="basic",
                              estimated_minutes=Decimal("25"))
    old = Homework.objects.create(school_class=personas.class31, subject=Subject.objects.get(code="math"),
                                  date=timezone.localdate() - datetime.timedelta(days=1), title="昨天的作业",
                                  status="published", author=staff("ma"))
    Assignment.objects.create(homework=old, student=personas.alice, recommended_layer="basic", chosen_layer="basic",
                              estimated_minutes=Decimal("40"))
    page = client_for(personas, "pa").get(reverse("family:child", args=[personas.alice.pk])).content.decode()
    assert "口算练习" in page and "预计 25 分钟" in page and "合计预计 25 分钟" in page
    assert "昨天的作业" not in page


def test_home_note_by_teacher_reaches_only_chosen_families(personas: Personas) -> None:
    hu = client_for(personas, "hu")
    r = hu.post(reverse("family:notes"), {"title": "睡前亲子阅读", "text": "每天陪孩子读15分钟", "students": [personas.alice.pk]})
    assert r.status_code == 302
    note = HomeNote.objects.get(title="睡前亲子阅读")
    assert list(note.students.all()) == [personas.alice]
    assert Notification.objects.filter(user=personas.users["pa"], text__contains="睡前亲子阅读").exists()
    assert "睡前亲子阅读" in client_for(personas, "pa").get(reverse("family:portal")).content.decode()
    assert not Notification.objects.filter(user=personas.users["pb"]).exists()


def test_home_note_refusals_write_nothing(personas: Personas) -> None:
    hu = client_for(personas, "hu")
    r = hu.post(reverse("family:notes"), {"title": "", "text": "内容", "students": [personas.alice.pk]}, follow=True)
    assert "请填写标题" in r.content.decode()
    # a teacher cannot address a student they do not teach (bob is in 三年级(2)班)
    r = hu.post(reverse("family:notes"), {"title": "t", "text": "x", "students": [personas.bob.pk]})
    assert r.status_code == 404
    assert not HomeNote.objects.exists() and not Notification.objects.exists()


def test_shared_entries_only(personas: Personas) -> None:
    hidden = ProgressEntry.objects.create(student=personas.alice, kind="note", text="内部讨论记录", author=staff("hu"))
    shown = ProgressEntry.objects.create(student=personas.alice, kind="session", text="完成了两位数乘法辅导",
                                         author=staff("hu"))
    hu = client_for(personas, "hu")
    url = reverse("family:share_entries", args=[personas.alice.pk])
    assert hu.post(url, {"entry": shown.pk, "shared": "1"}).status_code == 302
    assert SharedEntry.objects.filter(entry=shown).exists()
    page = client_for(personas, "pa").get(reverse("family:child", args=[personas.alice.pk])).content.decode()
    assert "完成了两位数乘法辅导" in page and "内部讨论记录" not in page
    hu.post(url, {"entry": shown.pk, "shared": "0"})
    page = client_for(personas, "pa").get(reverse("family:child", args=[personas.alice.pk])).content.decode()
    assert "完成了两位数乘法辅导" not in page
    # ma2 does not teach alice; an entry of another student cannot be shared through alice's page
    assert client_for(personas, "ma2").post(url, {"entry": shown.pk, "shared": "1"}).status_code == 404
    dan_entry = ProgressEntry.objects.create(student=personas.dan, kind="note", text="dan")
    assert hu.post(url, {"entry": dan_entry.pk, "shared": "1"}).status_code == 404
    assert hidden.pk and not SharedEntry.objects.filter(entry__in=[hidden, dan_entry]).exists()


def test_highlights_and_shared_plan(personas: Personas) -> None:
    from yincai.school.models import Subject
    from yincai.support.models import SupportPlan

    Award.objects.create(student=personas.alice, term=personas.term, kind="highlight", citation="主动帮助同学",
                         awarded_by=staff("hu"))
    SupportPlan.objects.create(student=personas.alice, term=personas.term, subject=Subject.objects.get(code="math"),
                               responsible=staff("hu"), created_by=staff("hu"), next_review=personas.term.end_date,
                               measures="每周两次小组辅导", family_note="请督促订正错题", cause_notes="内部原因",
                               causes_shared=False)
    page = client_for(personas, "pa").get(reverse("family:child", args=[personas.alice.pk])).content.decode()
    assert "主动帮助同学" in page and "每周两次小组辅导" in page and "请督促订正错题" in page
    assert "内部原因" not in page and "辅差转化" not in page


def test_head_teacher_links_existing_parent_account_to_sibling(personas: Personas) -> None:
    from yincai.school.models import Enrolment, Student

    sibling = Student.objects.create(school=personas.school, student_no="20240109", name="alan", gender="M")
    Enrolment.objects.create(student=sibling, term=personas.term, school_class=personas.class31)
    hu = client_for(personas, "hu")
    url = reverse("family:guardians", args=[sibling.pk])
    r = hu.post(url, {"username": "nobody", "relation": "mother"}, follow=True)
    assert "本校找不到家长账号「nobody」" in r.content.decode()
    assert hu.post(url, {"username": "pa", "relation": "mother"}).status_code == 302
    assert client_for(personas, "pa").get(reverse("family:child", args=[sibling.pk])).status_code == 200
    r = hu.post(url, {"username": "pa", "relation": "mother"}, follow=True)
    assert "已是 alan 的监护人" in r.content.decode()
    # only the head teacher of the child's class: ma (subject teacher) is refused, ma2 gets 404 for alice
    assert client_for(personas, "ma").post(url, {"username": "pb", "relation": "father"}).status_code == 403
    assert client_for(personas, "lin").get(reverse("family:guardians", args=[personas.alice.pk])).status_code == 403
    assert GuardianLink.objects.filter(student=sibling).count() == 1
