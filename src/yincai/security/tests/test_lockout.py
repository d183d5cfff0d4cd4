"""Login lockout: per account after 5 wrong passwords, per address only after many, unlock by 教导处 (audited)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, override_settings

from tests.personas import PASSWORD, Personas
from yincai.accounts.roles import Role
from yincai.oversight.models import AuditLog

LOGIN = "/accounts/login/"
LIMIT = settings.AXES_FAILURE_LIMIT


def attempt(username: str, password: str, *, ip: str = "10.0.0.7") -> int:
    response = Client(REMOTE_ADDR=ip).post(LOGIN, {"username": username, "password": password})
    return response.status_code


def logs_in(username: str, *, ip: str = "10.0.0.7") -> bool:
    client = Client(REMOTE_ADDR=ip)
    client.post(LOGIN, {"username": username, "password": PASSWORD})
    return "_auth_user_id" in client.session


def admin_client(personas: Personas) -> Client:
    client = Client()
    client.force_login(personas.user(Role.ADMIN))
    return client


@pytest.mark.django_db
def test_an_account_is_locked_after_the_limit_of_wrong_passwords(personas: Personas) -> None:
    statuses = [attempt("alice", "wrong") for _ in range(LIMIT)]
    assert statuses[: LIMIT - 1] == [200] * (LIMIT - 1)  # the form again, with its error
    assert statuses[-1] == 429
    response = Client(REMOTE_ADDR="10.0.0.7").post(LOGIN, {"username": "alice", "password": "wrong"})
    assert response.status_code == 429
    assert "账号暂时锁定" in response.content.decode()
    assert "30 分钟后再试" in response.content.decode()


@pytest.mark.django_db
def test_the_right_password_is_refused_while_locked_even_from_another_address(personas: Personas) -> None:
    assert logs_in("alice")
    for _ in range(LIMIT):
        attempt("alice", "wrong")
    assert not logs_in("alice")
    assert not logs_in("alice", ip="10.9.9.9")


@pytest.mark.django_db
def test_other_accounts_behind_the_same_address_are_not_affected(personas: Personas) -> None:
    for _ in range(LIMIT + 2):
        attempt("alice", "wrong")
    assert logs_in("amy")  # same classroom, same school address
    assert logs_in("hu")


@pytest.mark.django_db
def test_a_child_who_mistypes_then_succeeds_starts_again_from_zero(personas: Personas) -> None:
    for _ in range(LIMIT - 1):
        attempt("amy", "wrong")
    assert logs_in("amy")
    for _ in range(LIMIT - 1):
        attempt("amy", "wrong")
    assert logs_in("amy")


@pytest.mark.django_db
@override_settings(YINCAI_LOGIN_IP_FAILURE_LIMIT=8)
def test_an_address_is_locked_only_at_its_own_higher_limit(personas: Personas) -> None:
    # a spray across accounts (fewer than 5 tries each) from one address
    for name in ("alice", "amy", "bob"):
        for _ in range(2):
            attempt(name, "wrong", ip="10.6.6.6")
    assert logs_in("hu", ip="10.6.6.6")  # 6 failures < 8: still open
    attempt("dan", "wrong", ip="10.6.6.6")
    attempt("dan", "wrong", ip="10.6.6.6")
    assert not logs_in("hu", ip="10.6.6.6")  # 8 failures: the address is locked
    assert logs_in("hu", ip="10.1.1.1")  # the account itself is not


@pytest.mark.django_db
def test_the_lock_is_audited_once(personas: Personas) -> None:
    for _ in range(LIMIT + 3):
        attempt("bob", "wrong")
    entries = AuditLog.objects.filter(model="登录锁定", object_id="bob", action="login")
    assert entries.count() == 1
    assert "已被锁定" in entries.get().detail


@pytest.mark.django_db
def test_the_admin_sees_the_lock_and_unlocks_it_with_an_audit_entry(personas: Personas) -> None:
    for _ in range(LIMIT):
        attempt("alice", "wrong")
    admin = admin_client(personas)
    page = admin.get("/security/lockouts/")
    assert page.status_code == 200
    assert "alice" in page.content.decode()
    response = admin.post("/security/lockouts/unlock/", {"username": "alice"}, follow=True)
    assert "已解除锁定" in response.content.decode()
    assert logs_in("alice")
    entry = AuditLog.objects.get(model="登录锁定", action="update")
    assert entry.actor == personas.user(Role.ADMIN)
    assert "alice" in entry.detail


@pytest.mark.django_db
def test_unlocking_an_account_without_failures_is_refused_and_writes_nothing(personas: Personas) -> None:
    response = admin_client(personas).post("/security/lockouts/unlock/", {"username": "nobody"}, follow=True)
    assert "没有登录失败记录" in response.content.decode()
    assert not AuditLog.objects.filter(model="登录锁定").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.HEAD_TEACHER, Role.STUDENT, Role.COUNSELOR])
def test_only_the_admin_may_unlock(personas: Personas, role: Role) -> None:
    for _ in range(LIMIT):
        attempt("bob", "wrong")
    client = Client()
    client.force_login(personas.user(role))
    assert client.get("/security/lockouts/").status_code == 403
    assert client.post("/security/lockouts/unlock/", {"username": "bob"}).status_code == 403
    assert AccessAttempt.objects.filter(username="bob").exists()


@pytest.mark.django_db
def test_deleting_the_record_in_django_admin_unlocks_and_is_audited(personas: Personas) -> None:
    for _ in range(LIMIT):
        attempt("alice", "wrong")
    record = AccessAttempt.objects.get(username="alice")
    admin = admin_client(personas)
    response = admin.post(f"/admin/axes/accessattempt/{record.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert logs_in("alice")
    assert AuditLog.objects.filter(model="登录锁定", action="update", detail__contains="alice").exists()


@override_settings(YINCAI_PROXY_COUNT=1)
def test_behind_the_proxy_the_forwarded_address_counts() -> None:
    from django.test import RequestFactory

    from yincai.security.lockout import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.9")
    assert client_ip(request) == "10.0.0.9"  # the entry our proxy wrote, not the client's claim
