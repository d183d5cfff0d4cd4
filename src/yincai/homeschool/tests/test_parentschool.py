"""家长学校: parents sign up, check in by scanning the event's QR (a signed URL) or are marked by the teacher;
materials stay available; the 家长座谈会 per class and term is tracked."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.personas import Personas
from yincai.homeschool import parentschool
from yincai.homeschool.models import Workshop, WorkshopSignup
from yincai.homeschool.tests.helpers import client_for, guardian, staff

pytestmark = pytest.mark.django_db


def _forum(personas: Personas, *, days: int = 3, klass=None) -> Workshop:  # type: ignore[no-untyped-def]
    return parentschool.workshop_create(author=staff("hu"), term=personas.term, kind="forum", topic="后进生家长座谈会",
                                        starts_at=timezone.now() + datetime.timedelta(days=days), place="三(1)教室",
                                        school_class=klass or personas.class31)


def test_a_parent_signs_up_and_checks_in_by_qr(personas: Personas) -> None:
    w = _forum(personas)
    pa = client_for(personas, "pa")
    assert pa.post(f"/homeschool/workshops/{w.pk}/signup/").status_code == 302
    row = WorkshopSignup.objects.get(workshop=w, guardian=guardian(personas, "pa"))
    assert not row.attended
    svg = client_for(personas, "hu").get(f"/homeschool/workshops/{w.pk}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    token = parentschool.checkin_token(w)
    assert pa.get(f"/homeschool/checkin/{token}/").status_code == 200
    row.refresh_from_db()
    assert row.attended and row.method == "qr" and row.checked_in_at is not None


def test_a_forged_or_foreign_check_in_is_refused(personas: Personas) -> None:
    w = _forum(personas)
    pa, pb = client_for(personas, "pa"), client_for(personas, "pb")
    assert pa.get(f"/homeschool/checkin/{parentschool.checkin_token(w)}x/").status_code == 404
    assert pb.get(f"/homeschool/checkin/{parentschool.checkin_token(w)}/").status_code == 404  # another class
    assert pb.get(f"/homeschool/workshops/{w.pk}/").status_code == 404
    assert pb.post(f"/homeschool/workshops/{w.pk}/signup/").status_code == 404
    assert not WorkshopSignup.objects.exists()


def test_the_teacher_marks_attendance_only_for_the_class_parents(personas: Personas) -> None:
    w = _forum(personas)
    hu = client_for(personas, "hu")
    hu.post(f"/homeschool/workshops/{w.pk}/attendance/",
            {"guardian": [guardian(personas, "pa").pk, guardian(personas, "pb").pk]})
    rows = WorkshopSignup.objects.filter(workshop=w)
    assert [(r.guardian.name, r.method) for r in rows] == [("pa", "teacher")]
    assert client_for(personas, "ma").post(f"/homeschool/workshops/{w.pk}/attendance/",
                                           {"guardian": [guardian(personas, "pa").pk]}).status_code == 403


def test_materials_stay_available_to_parents_after_the_event(personas: Personas) -> None:
    w = _forum(personas, days=-7)
    hu = client_for(personas, "hu")
    hu.post(f"/homeschool/workshops/{w.pk}/materials/",
            {"file": SimpleUploadedFile("讲义.txt", "亲子沟通十条".encode(), content_type="text/plain")})
    m = w.materials.get()
    r = client_for(personas, "pa").get(f"/homeschool/materials/{m.pk}/")
    assert r.status_code == 200 and r.content.decode() == "亲子沟通十条"
    assert "讲义.txt" in client_for(personas, "pa").get(f"/homeschool/workshops/{w.pk}/").content.decode()
    assert client_for(personas, "pb").get(f"/homeschool/materials/{m.pk}/").status_code == 404


def test_forum_compliance_per_class(personas: Personas) -> None:
    lines = {line.klass.pk: line for line in parentschool.forum_compliance(personas.users["wang"])}
    assert not lines[personas.class31.pk].ok
    _forum(personas, days=5)
    line = next(x for x in parentschool.forum_compliance(personas.users["wang"]) if x.klass == personas.class31)
    assert not line.ok and line.planned == 1
    _forum(personas, days=-1)
    line = next(x for x in parentschool.forum_compliance(personas.users["wang"]) if x.klass == personas.class31)
    assert line.ok and line.held == 1
    body = client_for(personas, "wang").get("/homeschool/workshops/").content.decode()
    assert "家长座谈会（每班每学期至少一次）" in body and "未安排" in body


def test_a_head_teacher_creates_a_forum_only_for_own_class(personas: Personas) -> None:
    hu = client_for(personas, "hu")
    base = {"kind": "forum", "topic": "座谈", "starts_at": "2026-12-20T18:30", "place": "教室"}
    assert hu.post("/homeschool/workshops/new/", {**base, "school_class": personas.class41.pk}).status_code == 404
    assert hu.post("/homeschool/workshops/new/", {**base, "school_class": ""}).status_code == 200
    assert not Workshop.objects.exists()
    assert hu.post("/homeschool/workshops/new/", {**base, "school_class": personas.class31.pk}).status_code == 302
    assert Workshop.objects.get().school_class == personas.class31
