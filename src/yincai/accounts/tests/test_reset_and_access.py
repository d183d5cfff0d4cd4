"""Resets by 教导处 (anyone) and head teachers (own class's students and parents only), audited; the pages and
downloads refuse every other role, and other classes are 404."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.personas import Personas
from yincai.accounts.models import AccountState
from yincai.accounts.roles import Role
from yincai.accounts.tests.helpers import client_for, fresh
from yincai.oversight.models import AuditLog

pytestmark = pytest.mark.django_db


def _reset_url(user: object) -> str:
    return reverse("accounts:reset", args=[user.pk])  # type: ignore[attr-defined]


def test_the_admin_resets_anyone_and_sees_the_new_password_once(personas: Personas) -> None:
    dan = fresh(personas, "dan")
    client = client_for(personas, Role.ADMIN)
    confirm = client.get(_reset_url(dan))
    assert confirm.status_code == 200 and "学生 dan · 四年级(1)班" in confirm.content.decode()
    done = client.post(_reset_url(dan), {"format": "page"})
    body = done.content.decode()
    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    password = re.search(r'id="slip-password"[^>]*>([^<]+)<', body).group(1)
    dan.refresh_from_db()
    assert dan.check_password(password)
    state = AccountState.objects.get(user=dan)
    assert state.must_change_password and state.last_reset_by == personas.users["wang"]
    log = AuditLog.objects.filter(model="账号密码重置", object_id=str(dan.pk)).latest("id")
    assert log.actor == personas.users["wang"] and log.student_id == personas.dan.pk and password not in log.detail
    assert password not in client.get(_reset_url(dan)).content.decode()  # shown once, never again


def test_a_head_teacher_resets_own_students_and_their_parents(personas: Personas) -> None:
    client = client_for(personas, Role.HEAD_TEACHER)
    assert client.post(_reset_url(personas.users["alice"])).status_code == 200
    parent = client.post(_reset_url(personas.users["pa"]), {"format": "pdf"})
    assert parent.status_code == 200 and parent["Content-Type"] == "application/pdf"
    assert AuditLog.objects.filter(model="账号密码重置", actor=personas.users["hu"]).count() == 2


@pytest.mark.parametrize("target", ["dan", "bob", "pb", "ma", "wang"])
def test_a_head_teacher_gets_404_outside_their_class(personas: Personas, target: str) -> None:
    client = client_for(personas, Role.HEAD_TEACHER)
    before = fresh(personas, target).password
    assert client.get(_reset_url(personas.users[target])).status_code == 404
    assert client.post(_reset_url(personas.users[target])).status_code == 404
    assert fresh(personas, target).password == before


@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT, Role.SUBJECT_TEACHER, Role.MENTOR, Role.COUNSELOR,
                                  Role.GRADE_LEAD])
def test_other_roles_are_refused_everything(personas: Personas, role: Role) -> None:
    client = client_for(personas, role)
    assert client.post(_reset_url(personas.users["amy"])).status_code == 403
    assert client.get(reverse("accounts:manage")).status_code == 403
    assert client.post(reverse("accounts:class_slips", args=[personas.class31.pk])).status_code == 403
    assert client.post(reverse("accounts:staff_slips")).status_code == 403
    assert not AccountState.objects.exists()


def test_a_head_teacher_cannot_print_another_class(personas: Personas) -> None:
    client = client_for(personas, Role.HEAD_TEACHER)
    assert client.post(reverse("accounts:class_slips", args=[personas.class41.pk])).status_code == 404
    assert client.get(reverse("accounts:class_accounts", args=[personas.class41.pk])).status_code == 404
    assert client.post(reverse("accounts:school_slips")).status_code == 403
    assert not AccountState.objects.exists()


def test_the_manage_page_lists_own_classes_and_the_class_page_lists_accounts(personas: Personas) -> None:
    hu = client_for(personas, Role.HEAD_TEACHER).get(reverse("accounts:manage")).content.decode()
    assert "三年级(1)班" in hu and "三年级(2)班" not in hu and "教职工账号" not in hu
    admin = client_for(personas, Role.ADMIN).get(reverse("accounts:manage")).content.decode()
    assert "三年级(2)班" in admin and "四年级(1)班" in admin and "教职工账号" in admin
    page = client_for(personas, Role.HEAD_TEACHER).get(reverse("accounts:class_accounts", args=[personas.class31.pk]))
    body = page.content.decode()
    assert "alice" in body and "amy" in body and "alice的母亲" in body and "从未登录" in body
    assert _reset_url(personas.users["pa"]) in body
    nav = client_for(personas, Role.HEAD_TEACHER).get("/").content.decode()
    assert "账号与登录凭条" in nav
    assert "账号与登录凭条" not in client_for(personas, Role.SUBJECT_TEACHER).get("/").content.decode()


def test_nothing_to_issue_is_explained_and_a_get_issues_nothing(personas: Personas) -> None:
    client = client_for(personas, Role.ADMIN)
    url = reverse("accounts:class_slips", args=[personas.class31.pk])
    assert client.get(url).status_code == 405
    assert not AccountState.objects.exists()
    assert client.post(url).status_code == 200
    again = client.post(url, follow=True)
    assert "没有需要签发的账号" in again.content.decode()
    everyone = client.post(url, {"include_issued": "on"})
    assert everyone["Content-Type"] == "application/pdf"


def test_the_admin_prints_staff_slips(personas: Personas) -> None:
    response = client_for(personas, Role.ADMIN).post(reverse("accounts:staff_slips"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AccountState.objects.filter(user=personas.users["hu"], must_change_password=True).exists()
    assert not AccountState.objects.filter(user=personas.users["wang"]).exists()  # never the admin themself
