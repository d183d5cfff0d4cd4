from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.personas import Personas
from yincai.practice import services as svc
from yincai.practice.models import DrillSession
from yincai.support.models import PointsEntry

pytestmark = pytest.mark.django_db


def no_rank(page: str) -> bool:
    body = page.replace("不公开排名", "").replace("不排名", "")
    return all(word not in body for word in ("排名", "名次", "中位数", "第一名"))


def login(p: Personas, name: str) -> Client:
    c = Client()
    c.force_login(p.users[name])
    return c


def test_student_drill_roundtrip_and_client_cannot_claim_correct(personas: Personas) -> None:
    c = login(personas, "alice")
    r = c.post(reverse("practice:drill_home"))
    s = DrillSession.objects.get(student=personas.alice)
    assert r.status_code == 302 and r["Location"] == reverse("practice:drill_run", args=[s.pk])
    page = c.get(r["Location"]).content.decode()
    item = svc.pending_item(s)
    assert item is not None and item.stem in page and "提前结束" in page and "<script>" not in page
    url = reverse("practice:drill_answer", args=[s.pk])
    d = json.loads(c.post(url, {"answer_id": item.pk, "response": "0", "correct": "1"}).content)
    assert d["correct"] is False and d["right"] == 0 and d["next"]["stem"]
    nxt = svc.pending_item(s)
    assert nxt is not None and nxt.pk == d["next"]["id"]
    d = json.loads(c.post(url, {"answer_id": nxt.pk, "response": nxt.answer}).content)
    assert d["correct"] is True and d["items"] == 2 and d["right"] == 1
    bad = c.post(url, {"answer_id": nxt.pk, "response": nxt.answer})  # the same item twice
    assert bad.status_code == 400 and "答过" in json.loads(bad.content)["error"]
    r = c.post(reverse("practice:drill_finish", args=[s.pk]))
    assert r["Location"] == reverse("practice:drill_result", args=[s.pk])
    assert PointsEntry.objects.filter(student=personas.alice, source="practice_streak").count() == 1
    page = c.get(reverse("practice:curves", args=[personas.alice.pk])).content.decode()
    assert "连续打卡" in page and "drill-curve-data" in page and no_rank(page)


def test_others_drills_are_404(personas: Personas) -> None:
    dan_drill = svc.start_drill(student=personas.dan, grade_level=4, today=timezone.localdate(),
                                now=timezone.now())
    alice = login(personas, "alice")
    for name in ("drill_run", "drill_result"):
        assert alice.get(reverse(f"practice:{name}", args=[dan_drill.pk])).status_code == 404
    item = svc.pending_item(dan_drill)
    assert item is not None
    r = alice.post(reverse("practice:drill_answer", args=[dan_drill.pk]), {"answer_id": item.pk, "response": "1"})
    assert r.status_code == 404
    dan_drill.refresh_from_db()
    assert dan_drill.items == 0
    assert alice.get(reverse("practice:curves", args=[personas.dan.pk])).status_code == 404
    assert alice.get(reverse("practice:curves", args=[personas.bob.pk])).status_code == 404
    # a parent sees their own child only; a teacher only their classes
    pa = login(personas, "pa")
    assert pa.get(reverse("practice:curves", args=[personas.alice.pk])).status_code == 200
    assert pa.get(reverse("practice:curves", args=[personas.bob.pk])).status_code == 404
    ma = login(personas, "ma")
    assert ma.get(reverse("practice:class_drills", args=[personas.class31.pk])).status_code == 200
    assert ma.get(reverse("practice:class_drills", args=[personas.class41.pk])).status_code == 404
    assert ma.get(reverse("practice:drill_result", args=[dan_drill.pk])).status_code == 404
    # only students drill
    assert pa.post(reverse("practice:drill_home")).status_code == 403


def test_class_view_shows_each_students_own_curve_without_ranking(personas: Personas) -> None:
    d = personas.term.start_date
    now = timezone.make_aware(timezone.datetime.combine(d, timezone.datetime.min.time())) + timezone.timedelta(hours=9)
    s = svc.start_drill(student=personas.alice, grade_level=3, today=d, now=now)
    item = svc.pending_item(s)
    assert item is not None
    svc.answer_item(session=s, answer_id=item.pk, response=item.answer, now=now + timezone.timedelta(seconds=5))
    svc.finish_drill(session=s, now=now + timezone.timedelta(seconds=6))
    page = login(personas, "ma").get(reverse("practice:class_drills", args=[personas.class31.pk])).content.decode()
    assert personas.alice.name in page and "1 天有记录" in page
    assert no_rank(page)
