"""Issuing initial passwords for a class: users are created for roster people, passwords are hashed and must be
changed, only never-issued accounts by default, audited, and the plaintext is in no database column."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests.personas import Personas
from yincai.accounts.models import AccountState
from yincai.accounts.services import AccountError, issue_slips, reset_password
from yincai.accounts.tests.helpers import any_user, fresh, no_column_holds, roster_student
from yincai.oversight.models import AuditLog
from yincai.school.models import Guardian

pytestmark = pytest.mark.django_db


def _slips(sections: list) -> dict[str, object]:
    return {slip.username: slip for s in sections for slip in s.slips}


def test_it_creates_logins_for_roster_people_and_forces_a_change(personas: Personas) -> None:
    s = roster_student(personas, "20249901", "张小明", personas.class31, guardian="王丽")
    sections = issue_slips(by=personas.users["wang"], term=personas.term, classes=[personas.class31])
    slips = _slips(sections)
    s.refresh_from_db()
    guardian = Guardian.objects.get(name="王丽")
    assert s.user.username == "20249901" and guardian.user.username == "p20249901"
    student_slip, parent_slip = slips["20249901"], slips["p20249901"]
    assert student_slip.name == "张小明" and student_slip.class_name == "三年级(1)班" and student_slip.kind == "学生"
    assert parent_slip.kind == "家长" and parent_slip.children == ("张小明（三年级(1)班）",)
    for username, slip in (("20249901", student_slip), ("p20249901", parent_slip)):
        user = any_user(username=username)
        assert user.check_password(slip.password)
        assert user.password.startswith("pbkdf2_sha256$") and slip.password not in user.password
        state = AccountState.objects.get(user=user)
        assert state.must_change_password and state.initial_password_issued_at is not None
    assert [x.title for x in sections] == ["三年级(1)班"]


def test_passwords_are_child_friendly_for_students_and_longer_for_staff(personas: Personas) -> None:
    roster_student(personas, "20249902", "李小红", personas.class31, guardian="李强")
    slips = _slips(issue_slips(by=personas.users["wang"], term=personas.term, classes=[personas.class31], staff=True))
    assert re.fullmatch(r"[a-hjkmnp-z]{3}[2-9]{3}", slips["20249902"].password)
    assert re.fullmatch(r"[a-hjkmnp-z]{4}[2-9]{4}", slips["p20249902"].password)
    staff = slips["hu"]
    assert staff.kind == "教师" and len(staff.password) == 12 and not re.search(r"[01ilIoO]", staff.password)
    assert "三年级(1)班班主任" in staff.detail
    assert "wang" not in slips  # the acting admin is never re-issued


def test_the_plaintext_is_stored_in_no_column(personas: Personas) -> None:
    roster_student(personas, "20249903", "赵一", personas.class31, guardian="赵父")
    slips = _slips(issue_slips(by=personas.users["wang"], term=personas.term, classes=[personas.class31], staff=True))
    reset = reset_password(user=fresh(personas, "bob"), by=personas.users["wang"])
    passwords = [s.password for s in slips.values()] + [reset.password]
    assert len(passwords) > 5
    for pw in passwords:
        assert no_column_holds(pw) == [], pw


def test_already_issued_or_used_accounts_are_skipped_unless_asked(personas: Personas) -> None:
    roster_student(personas, "20249904", "钱二", personas.class31)
    alice = fresh(personas, "alice")
    alice.last_login = timezone.now()
    alice.save(update_fields=["last_login"])
    first = _slips(issue_slips(by=personas.users["wang"], term=personas.term, classes=[personas.class31]))
    assert "20249904" in first and "alice" not in first  # alice has logged in: not re-issued by default
    audits = AuditLog.objects.filter(model="登录凭条").count()
    with pytest.raises(AccountError, match="没有需要签发的账号"):
        issue_slips(by=personas.users["wang"], term=personas.term, classes=[personas.class31])
    assert AuditLog.objects.filter(model="登录凭条").count() == audits  # a refusal writes nothing
    again = _slips(issue_slips(by=personas.users["wang"], term=personas.term, classes=[personas.class31],
                               include_issued=True))
    assert {"20249904", "alice"} <= set(again)
    user = any_user(username="20249904")
    assert not user.check_password(first["20249904"].password) and user.check_password(again["20249904"].password)
    assert AccountState.objects.get(user=user).last_reset_at is not None  # re-issuing is a reset


def test_issuing_is_audited_with_counts(personas: Personas) -> None:
    roster_student(personas, "20249905", "孙三", personas.class32, guardian="孙母")
    issue_slips(by=personas.users["wang"], term=personas.term, classes=[personas.class32])
    log = AuditLog.objects.filter(model="登录凭条", action="bulk").latest("id")
    assert "三年级(2)班" in log.detail and "学生" in log.detail and "家长" in log.detail


def test_a_parent_of_siblings_gets_one_slip_listing_every_child(personas: Personas) -> None:
    older = roster_student(personas, "20239906", "周大", personas.class41, guardian="周妈妈")
    younger = roster_student(personas, "20249906", "周小", personas.class31)
    g = Guardian.objects.get(name="周妈妈")
    g.links.create(student=younger, relation="mother")
    slips = _slips(issue_slips(by=personas.users["wang"], term=personas.term,
                               classes=[personas.class31, personas.class41]))
    parents = [s for s in slips.values() if s.name == "周妈妈"]
    assert len(parents) == 1
    assert parents[0].username == "p20239906"  # p + the first child's 学号
    assert parents[0].children == ("周大（四年级(1)班）", "周小（三年级(1)班）")
    assert older.pk != younger.pk
