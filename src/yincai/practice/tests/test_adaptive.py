from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.personas import Personas
from yincai.curriculum.models import KnowledgePoint
from yincai.homework.selectors import day_load
from yincai.practice import adaptive
from yincai.practice.models import PracticeAttempt, PracticeScope
from yincai.practice.selectors import practice_minutes
from yincai.practice.services import PracticeError
from yincai.school.models import Staff

pytestmark = pytest.mark.django_db


def day(p: Personas, offset: int = 5) -> datetime.date:
    return p.term.start_date + datetime.timedelta(days=offset)


def at(d: datetime.date, seconds: float = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time(17, 0))) + datetime.timedelta(seconds=seconds)


def times_kps() -> list[KnowledgePoint]:
    kps = list(KnowledgePoint.objects.filter(code__in=["M2A08", "M2A10"]))
    assert kps, "the 人教版 KP tree holds the 表内乘法 KPs"
    return kps


def scope(p: Personas, minutes: int = 15) -> PracticeScope:
    return adaptive.set_scope(school_class=p.class31, kp_ids=[k.pk for k in times_kps()], minutes=minutes,
                              by=Staff.objects.get(user__username="ma"))


def test_scope_refusals_and_budget(personas: Personas) -> None:
    ma = Staff.objects.get(user__username="ma")
    with pytest.raises(PracticeError, match="分钟"):
        adaptive.set_scope(school_class=personas.class31, kp_ids=[times_kps()[0].pk], minutes=0, by=ma)
    with pytest.raises(PracticeError, match="知识点"):
        adaptive.set_scope(school_class=personas.class31, kp_ids=[], minutes=10, by=ma)
    assert not PracticeScope.objects.exists()
    assert practice_minutes(personas.class31, day(personas)) == 0
    scope(personas, 15)
    assert practice_minutes(personas.class31, day(personas)) == 15
    assert practice_minutes(personas.class41, day(personas)) == 0
    assert ("今日练习", 15) in [(name, int(m)) for name, m in day_load(personas.class31, day(personas))]


def test_session_updates_state_after_each_answer(personas: Personas) -> None:
    scope(personas)
    d = day(personas)
    s = adaptive.start_practice(student=personas.alice, school_class=personas.class31, today=d, now=at(d))
    first = adaptive.pending(s)
    assert first is not None and first.generator == "times_table" and 0.0 < first.predicted < 1.0
    before = adaptive.mastery_of(s)[first.knowledge_point_id]
    done, nxt = adaptive.answer_practice(session=s, attempt_id=first.pk, response=first.answer, now=at(d, 5))
    s.refresh_from_db()
    assert done.correct is True and nxt.index == 2 and s.items == 1 and s.correct == 1
    assert adaptive.mastery_of(s)[first.knowledge_point_id] > before  # the state moved at once
    with pytest.raises(PracticeError):
        adaptive.answer_practice(session=s, attempt_id=first.pk, response=first.answer, now=at(d, 6))
    wrong_done, _ = adaptive.answer_practice(session=s, attempt_id=nxt.pk, response="-1", now=at(d, 9))
    assert wrong_done.correct is False
    # the selector keeps predictions in the zone while the state is uncertain
    predicted = list(PracticeAttempt.objects.filter(session=s).values_list("predicted", flat=True))
    assert all(0.5 < p < 0.95 for p in predicted)
    adaptive.finish_practice(session=s, now=at(d, 20))
    s.refresh_from_db()
    assert s.ended_at is not None and s.seconds == 9 and not s.attempts.filter(answered_at__isnull=True).exists()


def test_no_scope_refused(personas: Personas) -> None:
    d = day(personas)
    with pytest.raises(PracticeError, match="练习范围"):
        adaptive.start_practice(student=personas.alice, school_class=personas.class31, today=d, now=at(d))


def test_views_and_refusals(personas: Personas) -> None:
    ma = Client()
    ma.force_login(personas.users["ma"])
    kp_ids = [k.pk for k in times_kps()]
    r = ma.post(reverse("practice:scope", args=[personas.class31.pk]), {"kps": kp_ids, "minutes": "12"})
    assert r.status_code == 302 and PracticeScope.objects.get(school_class=personas.class31).minutes_per_day == 12
    r = ma.post(reverse("practice:scope", args=[personas.class31.pk]), {"kps": kp_ids, "minutes": "abc"})
    assert r.status_code == 200 and PracticeScope.objects.get().minutes_per_day == 12
    assert ma.post(reverse("practice:scope", args=[personas.class41.pk]), {"kps": kp_ids, "minutes": "5"}
                   ).status_code == 404
    alice = Client()
    alice.force_login(personas.users["alice"])
    alice.post(reverse("practice:today"))
    page = alice.get(reverse("practice:today")).content.decode()
    assert "提交" in page and "attempt_id" in page
    from yincai.practice.models import PracticeSession

    s = PracticeSession.objects.get(student=personas.alice)
    first = adaptive.pending(s)
    assert first is not None
    alice.post(reverse("practice:answer", args=[s.pk]), {"attempt_id": first.pk, "response": first.answer,
                                                          "correct": "0"})
    first.refresh_from_db()
    assert first.correct is True
    other = PracticeSession.objects.create(student=personas.dan, date=s.date)
    assert alice.post(reverse("practice:answer", args=[other.pk]), {"attempt_id": 1, "response": "1"}
                      ).status_code == 404
    assert alice.post(reverse("practice:finish", args=[other.pk])).status_code == 404
    results = ma.get(reverse("practice:scope", args=[personas.class31.pk])).content.decode()
    assert personas.alice.name in results and "不排名" in results


def test_practice_minutes_count_in_the_homework_budget(personas: Personas) -> None:
    from decimal import Decimal

    from yincai.homework.models import Homework
    from yincai.homework.services import budget_check
    from yincai.school.models import Subject

    hw = Homework.objects.create(school_class=personas.class31, subject=Subject.objects.get(code="math"),
                                 date=day(personas), title="练习", author=Staff.objects.get(user__username="ma"),
                                 kind="written")
    before = budget_check(hw)
    scope(personas, 20)
    after = budget_check(hw)
    assert ("今日练习", Decimal(20)) in after.others and after.total == before.total + 20
