"""Guardian consent per purpose: recorded with time and version, withdrawable (history kept), enforced on
the 荣誉墙, the family profile and the counselling notes."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.personas import Personas
from yincai.homeschool import consent
from yincai.homeschool.models import POLICY_VERSION, ConsentRecord
from yincai.homeschool.tests.helpers import client_for, guardian, staff
from yincai.oversight.models import AuditLog
from yincai.school.models import FamilyProfile, PsychNote, Student
from yincai.support import services as svc

pytestmark = pytest.mark.django_db


def test_a_child_under_14_needs_consent_and_it_can_be_withdrawn(personas: Personas) -> None:
    bob, pb = personas.bob, guardian(personas, "pb")
    assert not consent.consent_given(bob, "honor")
    consent.consent_set(student=bob, guardian=pb, purpose="honor", granted=True)
    assert consent.consent_given(bob, "honor")
    consent.consent_set(student=bob, guardian=pb, purpose="honor", granted=False)
    assert not consent.consent_given(bob, "honor")
    history = list(ConsentRecord.objects.filter(student=bob, purpose="honor").order_by("at", "id"))
    assert [r.granted for r in history] == [True, False]
    assert all(r.policy_version == POLICY_VERSION and r.at is not None for r in history)


def test_a_child_of_14_or_more_is_outside_the_guardian_rule(personas: Personas) -> None:
    bob = Student.objects.get(pk=personas.bob.pk)  # a copy: the personas' objects are shared by all tests
    bob.birth_date = datetime.date.today().replace(year=datetime.date.today().year - 15)
    bob.save()
    assert consent.consent_given(bob, "family")


def test_only_a_guardian_of_the_child_may_consent(personas: Personas) -> None:
    with pytest.raises(ValidationError):
        consent.consent_set(student=personas.alice, guardian=guardian(personas, "pb"), purpose="honor", granted=True)
    assert not ConsentRecord.objects.filter(student=personas.alice, purpose="honor").exists()


def test_the_parent_gives_then_withdraws_photo_consent_and_the_honor_wall_follows(personas: Personas) -> None:
    svc.award_grant(student=personas.alice, kind="highlight", citation="帮助同学", author=staff("hu"), term=personas.term)
    wall = f"/support/classes/{personas.class31.pk}/honor/"
    teacher = client_for(personas, "hu")
    assert "一位同学" in teacher.get(wall).content.decode()
    assert "alice" not in teacher.get(wall).content.decode()
    parent = client_for(personas, "pa")
    url = f"/homeschool/children/{personas.alice.pk}/consent/"
    assert parent.post(url, {"purpose": "honor", "granted": "1"}).status_code == 302
    body = teacher.get(wall).content.decode()
    assert "alice" in body and "一位同学" not in body
    parent.post(url, {"purpose": "honor", "granted": "0"})
    body = teacher.get(wall).content.decode()
    assert "alice" not in body and "一位同学" in body
    assert AuditLog.objects.filter(model__icontains="ConsentRecord").count() >= 2


def test_without_family_consent_the_profile_stays_empty_and_the_page_says_why(personas: Personas) -> None:
    body = client_for(personas, "wang").get(f"/students/{personas.dan.pk}/").content.decode()
    assert "dan 的家庭情况" not in body
    assert "尚未同意“家庭情况记录”" in body
    body = client_for(personas, "wang").get(f"/students/{personas.alice.pk}/").content.decode()
    assert "测试用家庭情况" in body  # alice's mother consented


def test_the_family_profile_service_refuses_writes_without_consent(personas: Personas) -> None:
    with pytest.raises(ValidationError, match="家庭情况记录"):
        consent.family_profile_save(student=personas.bob, author=staff("hu"), structure="单亲")
    assert not FamilyProfile.objects.filter(student=personas.bob).exists()
    profile = consent.family_profile_save(student=personas.alice, author=staff("hu"), structure="三代同堂")
    assert profile.structure == "三代同堂"


def test_the_admin_form_refuses_a_family_profile_without_consent(personas: Personas) -> None:
    admin = client_for(personas, "wang")
    r = admin.post("/admin/school/familyprofile/add/", {"student": personas.bob.pk, "structure": "单亲", "notes": "x"})
    assert r.status_code == 200 and "尚未同意" in r.content.decode()
    assert not FamilyProfile.objects.filter(student=personas.bob).exists()


def test_psych_notes_need_consent_to_be_written_and_shown(personas: Personas) -> None:
    with pytest.raises(ValidationError, match="心理辅导记录"):
        consent.psych_note_add(student=personas.bob, author=staff("zhou"), content="x")
    assert not PsychNote.objects.filter(student=personas.bob).exists()
    counsellor = client_for(personas, "zhou")
    assert "测试用心理记录" in counsellor.get(f"/students/{personas.alice.pk}/").content.decode()
    consent.consent_set(student=personas.alice, guardian=guardian(personas, "pa"), purpose="psych", granted=False)
    body = counsellor.get(f"/students/{personas.alice.pk}/").content.decode()
    assert "测试用心理记录" not in body and "心理辅导记录”（或已撤回同意）" in body


def test_a_parent_cannot_open_another_familys_consent_page(personas: Personas) -> None:
    parent = client_for(personas, "pa")
    assert parent.get(f"/homeschool/children/{personas.bob.pk}/consent/").status_code == 404
    assert parent.post(f"/homeschool/children/{personas.bob.pk}/consent/",
                       {"purpose": "honor", "granted": "1"}).status_code == 404
    assert not ConsentRecord.objects.filter(student=personas.bob).exists()
