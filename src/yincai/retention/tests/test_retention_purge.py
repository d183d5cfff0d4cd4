"""Graduates' family and psychology records go after the retention period; everything else stays."""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass

import openpyxl
import pytest
from django.test import Client

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.oversight.models import AuditLog
from yincai.retention.selectors import graduated_students_before
from yincai.retention.services import retention_purge
from yincai.school.models import Enrolment, FamilyProfile, Grade, PsychNote, SchoolClass, Student, Term

TODAY = datetime.date.today()


@dataclass
class Cohort:
    old_graduate: Student  # left after grade 6, ~2 years ago
    recent_graduate: Student  # left after grade 6, 90 days ago (personas' previous term)
    left_after_grade5: Student  # moved away: not a graduate
    sixth_grader: Student  # in grade 6 now


def _student(personas: Personas, no: str, *enrolments: tuple[Term, int], graduated: bool = False) -> Student:
    s = Student.objects.create(school=personas.school, student_no=no, name=f"学生{no}", gender="M")
    for term, level in enrolments:
        grade, _ = Grade.objects.get_or_create(school=personas.school, level=level)
        klass, _ = SchoolClass.objects.get_or_create(term=term, grade=grade, number=1)
        Enrolment.objects.create(student=s, term=term, school_class=klass)
    if graduated:  # what 学年升级 records for a 六年级 student
        s.status, s.graduated_on = Student.GRADUATED, enrolments[-1][0].end_date
        s.save(update_fields=["status", "graduated_on"])
    FamilyProfile.objects.create(student=s, structure="双亲", notes=f"{no} 的家庭情况")
    PsychNote.objects.create(student=s, author=personas.user(Role.COUNSELOR).staff, content=f"{no} 的心理记录")
    return s


@pytest.fixture
def cohort(personas: Personas) -> Cohort:
    old = Term.objects.create(school=personas.school, name="两年前", start_date=TODAY - datetime.timedelta(days=900),
                              end_date=TODAY - datetime.timedelta(days=760))
    older = Term.objects.create(school=personas.school, name="更早", start_date=TODAY - datetime.timedelta(days=1100),
                                end_date=TODAY - datetime.timedelta(days=950))
    return Cohort(
        old_graduate=_student(personas, "G1", (older, 5), (old, 6), graduated=True),
        recent_graduate=_student(personas, "G2", (old, 5), (personas.prev_term, 6), graduated=True),
        left_after_grade5=_student(personas, "T1", (older, 4), (old, 5)),
        sixth_grader=_student(personas, "S6", (personas.prev_term, 5), (personas.term, 6)),
    )


@pytest.mark.django_db
def test_graduates_are_those_who_left_after_grade_six(personas: Personas, cohort: Cohort) -> None:
    everyone = set(graduated_students_before(TODAY))
    assert everyone == {cohort.old_graduate, cohort.recent_graduate}
    assert set(graduated_students_before(TODAY - datetime.timedelta(days=365))) == {cohort.old_graduate}


@pytest.mark.django_db
def test_the_dry_run_lists_and_deletes_nothing(personas: Personas, cohort: Cohort) -> None:
    report = retention_purge(dry_run=True, days=365)
    assert [c.student_no for c in report.candidates] == ["G1"]
    assert report.candidates[0].family_profile and report.candidates[0].psych_notes == 1
    assert FamilyProfile.objects.filter(student=cohort.old_graduate).exists()
    assert PsychNote.objects.filter(student=cohort.old_graduate).exists()
    assert not AuditLog.objects.filter(model="数据保留期清理").exists()


@pytest.mark.django_db
def test_the_purge_deletes_only_due_records_and_is_audited(personas: Personas, cohort: Cohort) -> None:
    report = retention_purge(dry_run=False, days=365)
    assert (report.family_profiles, report.psych_notes) == (1, 1)
    assert not FamilyProfile.objects.filter(student=cohort.old_graduate).exists()
    assert not PsychNote.objects.filter(student=cohort.old_graduate).exists()
    for kept in (cohort.recent_graduate, cohort.left_after_grade5, cohort.sixth_grader, personas.alice):
        assert FamilyProfile.objects.filter(student=kept).exists()
    assert Student.objects.filter(pk=cohort.old_graduate.pk).exists()  # the student (and scores) stay
    summary = AuditLog.objects.get(model="数据保留期清理")
    assert "家庭情况 1 条" in summary.detail
    assert AuditLog.objects.filter(action="delete", student_id=cohort.old_graduate.pk).count() == 2
    # the audit log names the records, never their content
    assert not AuditLog.objects.filter(detail__contains="的心理记录").exists()
    assert retention_purge(dry_run=False, days=365).candidates == []  # nothing left to do


@pytest.mark.django_db
def test_a_shorter_period_reaches_the_recent_graduate(personas: Personas, cohort: Cohort) -> None:
    report = retention_purge(dry_run=True, days=30)
    assert {c.student_no for c in report.candidates} == {"G1", "G2"}


@pytest.mark.django_db
def test_a_negative_period_is_refused(personas: Personas, cohort: Cohort) -> None:
    with pytest.raises(ValueError, match="不能为负数"):
        retention_purge(dry_run=False, days=-1)
    assert FamilyProfile.objects.filter(student=cohort.old_graduate).exists()


def _admin(personas: Personas) -> Client:
    client = Client()
    client.force_login(personas.user(Role.ADMIN))
    return client


@pytest.mark.django_db
def test_the_admin_page_lists_then_purges(personas: Personas, cohort: Cohort) -> None:
    admin = _admin(personas)
    page = admin.get("/retention/").content.decode()
    # student numbers as table cells (a bare "G2" could be part of the CSRF token)
    assert re.search(r">\s*G1\s*<", page) and not re.search(r">\s*G2\s*<", page)
    response = admin.post("/retention/purge/", follow=True)
    assert "已删除 1 名毕业生的敏感记录" in response.content.decode()
    assert not FamilyProfile.objects.filter(student=cohort.old_graduate).exists()


@pytest.mark.django_db
def test_the_audit_log_exports_as_xlsx_and_csv_and_the_export_is_audited(personas: Personas, cohort: Cohort) -> None:
    retention_purge(dry_run=False, days=365)
    admin = _admin(personas)
    response = admin.get("/retention/audit-export/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "动作")
    assert any(r[3] == "数据保留期清理" for r in rows[1:])
    csv_text = admin.get("/retention/audit-export/?format=csv&action=bulk").content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) >= 2 and all("批量操作" in line for line in lines[1:])
    assert AuditLog.objects.filter(action="export", model="审计日志", actor=personas.user(Role.ADMIN)).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.HEAD_TEACHER, Role.PARENT])
def test_only_the_admin_reaches_retention_and_the_export(personas: Personas, cohort: Cohort, role: Role) -> None:
    client = Client()
    client.force_login(personas.user(role))
    assert client.get("/retention/").status_code == 403
    assert client.post("/retention/purge/").status_code == 403
    assert client.get("/retention/audit-export/").status_code == 403
    assert FamilyProfile.objects.filter(student=cohort.old_graduate).exists()


@pytest.mark.django_db
def test_the_audit_page_links_to_the_export_with_its_filter(personas: Personas) -> None:
    page = _admin(personas).get("/audit/?action=delete").content.decode()
    assert "/retention/audit-export/?action=delete" in page
    assert "/security/lockouts/" in page and "/retention/" in page
