from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from tests.personas import Personas
from yincai.curriculum.models import KnowledgePoint
from yincai.insight.models import KPMastery
from yincai.practice import resources as res
from yincai.practice.models import Resource, ResourceUse
from yincai.practice.services import PracticeError
from yincai.school.models import Staff

pytestmark = pytest.mark.django_db


def kps() -> tuple[KnowledgePoint, KnowledgePoint]:
    a, b = KnowledgePoint.objects.filter(code__in=["M2A08", "M2A10"]).order_by("code")
    return a, b


def test_create_refusals_write_nothing(personas: Personas) -> None:
    ma = Staff.objects.get(user__username="ma")
    a, _ = kps()
    args = {"school": personas.school, "title": "乘法口诀微课", "kind": "link", "layer": "basic", "kp_ids": [a.pk],
            "author": ma}
    with pytest.raises(PracticeError, match="二选一"):
        res.create_resource(url="", file=None, **args)
    with pytest.raises(PracticeError, match="http"):
        res.create_resource(url="javascript:alert(1)", file=None, **args)
    with pytest.raises(PracticeError, match="只能上传"):
        res.create_resource(url="", file=SimpleUploadedFile("x.exe", b"MZ"), **args)
    assert not Resource.objects.exists()


def test_recommendations_by_mastery_and_usage(personas: Personas, tmp_path) -> None:
    ma = Staff.objects.get(user__username="ma")
    weak, strong = kps()
    basic = res.create_resource(school=personas.school, title="口诀巩固", kind="link", url="https://example.org/a",
                                file=None, kp_ids=[weak.pk], layer="basic", author=ma)
    ext = res.create_resource(school=personas.school, title="口诀挑战", kind="link", url="https://example.org/b",
                              file=None, kp_ids=[strong.pk], layer="extension", author=ma)
    res.create_resource(school=personas.school, title="不相关拓展", kind="link", url="https://example.org/c",
                        file=None, kp_ids=[weak.pk], layer="extension", author=ma)
    for kp, prob in ((weak, 0.3), (strong, 0.95)):
        KPMastery.objects.create(student=personas.alice, knowledge_point=kp, term=personas.term, method="tracker",
                                 prob=prob, lower=prob - 0.1, upper=prob + 0.05)
    rec = res.recommendations(personas.alice, personas.term)
    assert rec == {"basic": [basic], "extension": [ext]}
    assert res.recommendations(personas.bob, personas.term) == {"basic": [], "extension": []}
    alice = Client()
    alice.force_login(personas.users["alice"])
    assert "口诀巩固" in alice.get(reverse("practice:me")).content.decode()
    alice.get(reverse("practice:resource", args=[basic.pk]))
    alice.post(reverse("practice:resource_done", args=[basic.pk]))
    assert ResourceUse.objects.get(resource=basic, student=personas.alice).status == "done"
    ma_client = Client()
    ma_client.force_login(personas.users["ma"])
    page = ma_client.get(reverse("practice:resources")).content.decode()
    assert "口诀巩固" in page and '<td class="done">1</td>' in page
    # a parent opening the page records nothing
    pa = Client()
    pa.force_login(personas.users["pa"])
    assert pa.get(reverse("practice:resource", args=[ext.pk])).status_code == 200
    assert ResourceUse.objects.count() == 1


def test_file_served_through_permission_check(personas: Personas, tmp_path) -> None:
    a, _ = kps()
    with override_settings(MEDIA_ROOT=tmp_path):
        r = res.create_resource(school=personas.school, title="视频", kind="video", url="",
                                file=SimpleUploadedFile("v.mp4", b"\x00\x00\x00\x18ftypmp42"), kp_ids=[a.pk],
                                layer="basic", author=Staff.objects.get(user__username="ma"))
        alice = Client()
        alice.force_login(personas.users["alice"])
        resp = alice.get(reverse("practice:resource_file", args=[r.pk]))
        assert resp.status_code == 200 and b"".join(resp.streaming_content).endswith(b"mp42")
        assert Client().get(reverse("practice:resource_file", args=[r.pk])).status_code == 302  # login first


def test_kp_change_after_done(personas: Personas) -> None:
    import datetime

    from django.utils import timezone

    from yincai.assessment.models import Assessment

    ma = Staff.objects.get(user__username="ma")
    kp, _ = kps()
    r = res.create_resource(school=personas.school, title="口诀巩固", kind="link", url="https://example.org/a",
                            file=None, kp_ids=[kp.pk], layer="basic", author=ma)
    done_day = personas.term.start_date + datetime.timedelta(days=20)
    early = personas.math_assessment
    late = Assessment.objects.get(pk=early.pk)
    late.pk = None
    late.name, late.date = "后测", done_day + datetime.timedelta(days=5)
    late.save()
    Assessment.objects.filter(pk=early.pk).update(date=done_day - datetime.timedelta(days=5))
    for a, prob in ((early, 0.4), (late, 0.7)):
        KPMastery.objects.create(student=personas.alice, knowledge_point=kp, term=personas.term, method="cdm",
                                 assessment=a, prob=prob, lower=prob - 0.1, upper=prob + 0.1)
    assert res.kp_change_after(r) == {"n": 0, "mean": None}
    res.mark(resource=r, student=personas.alice, status="done",
             now=timezone.make_aware(datetime.datetime.combine(done_day, datetime.time(12))))
    assert res.kp_change_after(r) == {"n": 1, "mean": 30.0}
