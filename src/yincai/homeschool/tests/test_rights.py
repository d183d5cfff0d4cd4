"""A guardian downloads the child's data (nothing of any other student) and asks for deletion, which the
admin approves (sensitive data deleted, consents withdrawn) or refuses with a reason; all audited."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.personas import Personas
from yincai.homeschool import consent, contacts, rights
from yincai.homeschool.models import ConsentRecord, DataRequest, HomeContact
from yincai.homeschool.tests.helpers import add_student, client_for, guardian, staff
from yincai.oversight.models import AuditLog
from yincai.school.models import Enrolment, FamilyProfile, PsychNote, Student
from yincai.support import services as svc
from yincai.support.models import ProgressEntry

pytestmark = pytest.mark.django_db


def _plant_others(personas: Personas) -> tuple[Student, Student]:
    """A sibling of alice (same mother, other class) and her classmate amy, each with distinctive records."""
    pa = guardian(personas, "pa")
    sibling = add_student(personas, "sibling-xiaoming", "20249999", personas.class32, parent=pa)
    hu, ma2 = staff("hu"), staff("ma2")
    svc.award_grant(student=sibling, kind="highlight", citation="SIBLING-AWARD", author=ma2, term=personas.term)
    svc.award_grant(student=personas.amy, kind="highlight", citation="CLASSMATE-AWARD", author=hu, term=personas.term)
    FamilyProfile.objects.create(student=sibling, notes="SIBLING-FAMILY")
    FamilyProfile.objects.create(student=personas.amy, notes="CLASSMATE-FAMILY")
    consent.consent_set(student=sibling, guardian=pa, purpose="honor", granted=True)
    contacts.contact_log(student=personas.amy, author=hu, term=personas.term, kind="phone",
                         date=timezone.localdate(), content="CLASSMATE-CONTACT")
    return sibling, personas.amy


def _zip_json(content: bytes) -> tuple[dict, str, list[str]]:
    zf = zipfile.ZipFile(io.BytesIO(content))
    raw = zf.read("child.json").decode()
    return json.loads(raw), raw, zf.namelist()


def test_the_export_holds_the_childs_records_and_nothing_of_a_sibling_or_classmate(personas: Personas) -> None:
    sibling, classmate = _plant_others(personas)
    hu = staff("hu")
    svc.award_grant(student=personas.alice, kind="highlight", citation="ALICE-AWARD", author=hu, term=personas.term)
    contacts.contact_log(student=personas.alice, author=hu, term=personas.term, kind="visit",
                         date=timezone.localdate(), content="ALICE-VISIT")
    r = client_for(personas, "pa").get(f"/homeschool/children/{personas.alice.pk}/export/")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    data, raw, names = _zip_json(r.content)
    assert "child.json" in names
    assert data["学生"]["学号"] == personas.alice.student_no
    assert len(data["成绩"]) == personas.alice.item_scores.count() == 4
    assert "ALICE-AWARD" in raw and "ALICE-VISIT" in raw and "测试用家庭情况" in raw
    assert len(data["转化记载簿"]) == ProgressEntry.objects.filter(student=personas.alice).count() >= 2
    assert data["学籍"] == [{"学期": "本学期", "班级": "三年级(1)班"}]
    for other in (sibling, classmate):
        assert other.name not in raw and other.student_no not in raw
    for marker in ("SIBLING-AWARD", "CLASSMATE-AWARD", "SIBLING-FAMILY", "CLASSMATE-FAMILY", "CLASSMATE-CONTACT"):
        assert marker not in raw
    for word in ("tier", "层级", "排名", "百分位", "中位数"):
        assert word not in raw
    assert AuditLog.objects.filter(action="export", student_id=personas.alice.pk).exists()


def test_a_parent_cannot_export_another_familys_child(personas: Personas) -> None:
    assert client_for(personas, "pa").get(f"/homeschool/children/{personas.bob.pk}/export/").status_code == 404
    with pytest.raises(ValidationError):
        rights.export_zip(student=personas.bob, guardian=guardian(personas, "pa"))


def test_a_refusal_needs_a_reason_and_keeps_the_data(personas: Personas) -> None:
    parent = client_for(personas, "pa")
    parent.post(f"/homeschool/children/{personas.alice.pk}/deletion/", {"reason": "转学"})
    req = DataRequest.objects.get(student=personas.alice)
    with pytest.raises(ValidationError, match="理由"):
        rights.deletion_decide(request=req, approve=False, admin=staff("wang"), reason=" ")
    r = client_for(personas, "wang").post(f"/homeschool/requests/{req.pk}/decide/",
                                          {"approve": "0", "reason": "学籍档案须保留至毕业"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == "refused" and req.decision_reason == "学籍档案须保留至毕业"
    assert FamilyProfile.objects.filter(student=personas.alice).exists()
    assert "学籍档案须保留至毕业" in parent.get(f"/homeschool/children/{personas.alice.pk}/consent/").content.decode()


def test_an_approved_deletion_removes_the_childs_sensitive_data_only(personas: Personas) -> None:
    sibling, classmate = _plant_others(personas)
    hu = staff("hu")
    contacts.contact_log(student=personas.alice, author=hu, term=personas.term, kind="visit",
                         date=timezone.localdate(), content="ALICE-VISIT")
    PsychNote.objects.create(student=classmate, author=staff("zhou"), content="CLASSMATE-PSYCH")
    req = rights.deletion_request(student=personas.alice, guardian=guardian(personas, "pa"), reason="")
    with pytest.raises(ValidationError):  # one pending request at a time
        rights.deletion_request(student=personas.alice, guardian=guardian(personas, "pa"))
    client_for(personas, "wang").post(f"/homeschool/requests/{req.pk}/decide/", {"approve": "1", "reason": "同意"})
    req.refresh_from_db()
    assert req.status == "approved" and "家庭情况 1 条" in req.summary
    assert not FamilyProfile.objects.filter(student=personas.alice).exists()
    assert not PsychNote.objects.filter(student=personas.alice).exists()
    assert not HomeContact.objects.filter(student=personas.alice).exists()
    for purpose in ("family", "psych", "honor", "messages"):
        assert not consent.consent_given(personas.alice, purpose)
    assert ConsentRecord.objects.filter(student=personas.alice, purpose="family").count() == 2  # history kept
    # school records stay; other children untouched
    assert Enrolment.objects.filter(student=personas.alice).exists() and personas.alice.item_scores.count() == 4
    assert FamilyProfile.objects.filter(student__in=[sibling, classmate]).count() == 2
    assert PsychNote.objects.filter(student=classmate).exists()
    assert HomeContact.objects.filter(student=classmate).exists()
    assert AuditLog.objects.filter(model="数据删除申请", student_id=personas.alice.pk).exists()
    with pytest.raises(ValidationError, match="已处理"):
        rights.deletion_decide(request=req, approve=True, admin=staff("wang"), reason="")


def test_only_the_admin_decides(personas: Personas) -> None:
    req = rights.deletion_request(student=personas.alice, guardian=guardian(personas, "pa"))
    for name in ("hu", "pa", "zhou"):
        assert client_for(personas, name).post(f"/homeschool/requests/{req.pk}/decide/",
                                               {"approve": "1"}).status_code == 403
    req.refresh_from_db()
    assert req.status == "pending"
