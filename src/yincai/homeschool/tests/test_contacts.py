"""家校联系: teachers of the student log contacts (written to the 转化记载簿); every 后进生/学困 student
needs one a month — per-class and school-wide compliance, reminders to the head teacher."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.personas import Personas
from yincai.homeschool import contacts
from yincai.homeschool.models import HomeContact
from yincai.homeschool.tests.helpers import client_for, staff
from yincai.insight.models import TierProposal
from yincai.school.models import Subject
from yincai.support.models import ProgressEntry, SupportPlan

pytestmark = pytest.mark.django_db


def _catch_up_plan(personas: Personas, student) -> SupportPlan:  # type: ignore[no-untyped-def]
    hu = staff("hu")
    return SupportPlan.objects.create(student=student, term=personas.term, subject=Subject.objects.get(code="math"),
                                      kind="catch_up", responsible=hu, created_by=hu, next_review=personas.term.end_date)


def _struggling(personas: Personas, student) -> None:  # type: ignore[no-untyped-def]
    TierProposal.objects.create(student=student, term=personas.term, subject=Subject.objects.get(code="math"),
                                round="initial", tier="struggling", point_tier="struggling", low_cut=0, high_cut=1)


def _overdue_ids(personas: Personas) -> set[int]:
    return {r.student.pk for r in contacts.class_compliance(personas.class31).overdue}


def test_scope_is_struggling_tier_or_active_catch_up_plan(personas: Personas) -> None:
    assert _overdue_ids(personas) == set()
    _catch_up_plan(personas, personas.alice)
    _struggling(personas, personas.amy)
    assert _overdue_ids(personas) == {personas.alice.pk, personas.amy.pk}


def test_a_head_teacher_logs_a_home_visit_and_the_student_leaves_the_overdue_list(personas: Personas) -> None:
    _catch_up_plan(personas, personas.alice)
    hu = client_for(personas, "hu")
    page = f"/homeschool/classes/{personas.class31.pk}/contacts/"
    assert "alice" in hu.get(page).content.decode().split('id="done-list"')[0]
    assert [r.student.pk for r in contacts.reminders_for_head_teacher(personas.users["hu"])] == [personas.alice.pk]
    assert "alice" in hu.get("/homeschool/").content.decode()  # the reminder card
    r = hu.post(f"/homeschool/students/{personas.alice.pk}/contacts/", {
        "kind": "visit", "date": timezone.localdate().isoformat(), "content": "家访：了解作业情况",
        "actions": "每天检查作业", "follow_up": (timezone.localdate() + datetime.timedelta(days=14)).isoformat()})
    assert r.status_code == 302
    assert _overdue_ids(personas) == set()
    overdue_part = hu.get(page).content.decode().split('id="done-list"')[0]
    assert "alice" not in overdue_part
    entry = ProgressEntry.objects.get(student=personas.alice, kind="note")
    assert "家访" in entry.text and "每天检查作业" in entry.text
    assert contacts.reminders_for_head_teacher(personas.users["hu"]) == []


def test_a_contact_last_month_does_not_count_this_month(personas: Personas) -> None:
    _catch_up_plan(personas, personas.alice)
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    contacts.contact_log(student=personas.alice, author=staff("hu"), term=personas.term, kind="phone",
                         date=last_month, content="电话沟通")
    rows = contacts.class_compliance(personas.class31).rows
    assert rows[0].overdue and rows[0].last_contact == last_month


def test_the_school_view_lists_every_class_for_the_admin(personas: Personas) -> None:
    _catch_up_plan(personas, personas.dan)
    body = client_for(personas, "wang").get("/homeschool/contacts/compliance/").content.decode()
    assert "四年级(1)班" in body and "dan" in body and "三年级(2)班" in body


def test_bad_input_writes_nothing(personas: Personas) -> None:
    hu = client_for(personas, "hu")
    url = f"/homeschool/students/{personas.alice.pk}/contacts/"
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    for data in ({"kind": "visit", "content": " "}, {"kind": "fax", "content": "x"},
                 {"kind": "visit", "content": "x", "date": tomorrow},
                 {"kind": "visit", "content": "x", "date": timezone.localdate().isoformat(), "follow_up": "2000-01-01"}):
        r = hu.post(url, data)
        assert r.status_code == 200
    assert not HomeContact.objects.exists() and not ProgressEntry.objects.filter(kind="note").exists()


def test_a_teacher_of_another_class_cannot_log_or_read_contacts(personas: Personas) -> None:
    contacts.contact_log(student=personas.alice, author=staff("hu"), term=personas.term, kind="phone",
                         date=timezone.localdate(), content="秘密内容")
    ma2 = client_for(personas, "ma2")
    assert ma2.get(f"/homeschool/students/{personas.alice.pk}/contacts/").status_code == 404
    assert ma2.post(f"/homeschool/students/{personas.alice.pk}/contacts/",
                    {"kind": "visit", "content": "x"}).status_code == 404
    assert ma2.get(f"/homeschool/classes/{personas.class31.pk}/contacts/").status_code == 404
    assert HomeContact.objects.count() == 1
    assert client_for(personas, "pa").get(f"/homeschool/students/{personas.alice.pk}/contacts/").status_code == 403


def test_reading_a_students_contacts_is_audited(personas: Personas) -> None:
    from yincai.oversight.models import AuditLog

    client_for(personas, "hu").get(f"/homeschool/students/{personas.alice.pk}/contacts/")
    assert AuditLog.objects.filter(action="read_sensitive", model="家校联系记录", student_id=personas.alice.pk).exists()
