"""First login with a handed-out password leads to 修改密码 until it is changed; nobody else is forced."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.personas import PASSWORD, Personas
from yincai.accounts.models import AccountState
from yincai.accounts.services import reset_password
from yincai.accounts.tests.helpers import client_for, fresh

pytestmark = pytest.mark.django_db
CHANGE = "/accounts/password/"


def _login(username: str, password: str) -> Client:
    c = Client()
    assert c.post(reverse("accounts:login"), {"username": username, "password": password}).status_code == 302
    return c


def test_existing_accounts_are_not_forced(personas: Personas) -> None:
    response = client_for(personas, "alice").get("/")
    assert response.status_code == 200
    assert not AccountState.objects.filter(must_change_password=True).exists()


def test_a_reset_student_is_sent_to_the_change_page_until_they_change(personas: Personas) -> None:
    slip = reset_password(user=fresh(personas, "alice"), by=personas.users["wang"])
    c = _login("alice", slip.password)
    home = c.get("/")
    assert home.status_code == 302 and home["Location"] == CHANGE
    me = c.get("/me/")
    assert me.status_code == 302 and me["Location"] == CHANGE + "?next=%2Fme%2F"
    assert c.get("/api/v1/openapi.json").status_code == 403
    page = c.get(CHANGE)
    assert page.status_code == 200 and "请先设置一个只有你自己知道的新密码" in page.content.decode()
    assert 'href="/me/"' not in page.content.decode()  # no menu that only leads back here
    assert c.get("/static/yincai/app.css").status_code == 200  # static stays reachable
    same = c.post(CHANGE, {"old_password": slip.password, "new_password1": slip.password,
                           "new_password2": slip.password})
    assert "新密码不能和当前（初始）密码相同" in same.content.decode()
    short = c.post(CHANGE, {"old_password": slip.password, "new_password1": "abc12", "new_password2": "abc12"})
    assert "至少需要 6 个字符" in short.content.decode()
    wrong = c.post(CHANGE, {"old_password": "nope", "new_password1": "xing2026", "new_password2": "xing2026"})
    assert "当前密码不正确" in wrong.content.decode()
    assert c.get("/").status_code == 302  # still forced after refusals
    done = c.post(CHANGE, {"old_password": slip.password, "new_password1": "star66", "new_password2": "star66"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert c.get("/").status_code == 200  # the session survives the change
    assert 'href="/me/"' in c.get("/").content.decode()
    state = AccountState.objects.get(user=personas.users["alice"])
    assert not state.must_change_password and state.password_changed_at is not None
    assert fresh(personas, "alice").check_password("star66")


def test_the_next_page_is_honoured_after_the_change(personas: Personas) -> None:
    slip = reset_password(user=fresh(personas, "alice"), by=personas.users["wang"])
    c = _login("alice", slip.password)
    done = c.post(CHANGE + "?next=/me/", {"old_password": slip.password, "new_password1": "moon77",
                                          "new_password2": "moon77", "next": "/me/"})
    assert done["Location"] == "/me/"
    evil = reset_password(user=fresh(personas, "amy"), by=personas.users["wang"])
    c2 = _login("amy", evil.password)
    out = c2.post(CHANGE, {"old_password": evil.password, "new_password1": "moon77", "new_password2": "moon77",
                           "next": "https://evil.example/"})
    assert out["Location"] == "/"


def test_staff_follow_django_validators_and_parents_the_family_rule(personas: Personas) -> None:
    slip = reset_password(user=fresh(personas, "ma"), by=personas.users["wang"])
    c = _login("ma", slip.password)
    short = c.post(CHANGE, {"old_password": slip.password, "new_password1": "abc123", "new_password2": "abc123"})
    body = short.content.decode()
    assert short.status_code == 200 and "密码太短，至少需要 8 个字符" in body
    ok = c.post(CHANGE, {"old_password": slip.password, "new_password1": "Jiaoan-2026", "new_password2": "Jiaoan-2026"})
    assert ok.status_code == 302
    parent = reset_password(user=fresh(personas, "pa"), by=personas.users["wang"])
    pc = _login("pa", parent.password)
    # parents follow the family rule of yincai.security (at least 6 characters), like students
    assert "密码太短" in pc.post(CHANGE, {"old_password": parent.password, "new_password1": "abc12",
                                         "new_password2": "abc12"}).content.decode()


def test_logout_stays_reachable_while_forced(personas: Personas) -> None:
    slip = reset_password(user=fresh(personas, "amy"), by=personas.users["wang"])
    c = _login("amy", slip.password)
    out = c.post(reverse("accounts:logout"))
    assert out.status_code == 302 and out["Location"] == reverse("accounts:login")
    assert c.get("/").status_code == 302 and "/accounts/login/" in c.get("/")["Location"]


def test_the_initial_hash_is_upgraded_to_full_strength_at_first_login(personas: Personas) -> None:
    slip = reset_password(user=fresh(personas, "amy"), by=personas.users["wang"])
    user = fresh(personas, "amy")
    assert user.password.startswith("pbkdf2_sha256$50000$")
    _login("amy", slip.password)
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$1000000$") and user.check_password(slip.password)


def test_a_reset_while_logged_in_forces_the_change_although_the_session_remembered_no(personas: Personas) -> None:
    """The login session keeps the flag (no query per page); a reset ends the session, so it cannot go stale."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = _login("alice", PASSWORD)  # personas' own password: nothing to change
    assert c.get("/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert c.get("/").status_code == 200
    assert not any("accounts_accountstate" in q["sql"] for q in queries.captured_queries)
    slip = reset_password(user=fresh(personas, "alice"), by=personas.users["wang"])
    assert c.get("/me/").status_code == 302 and "/accounts/login/" in c.get("/me/")["Location"]
    again = _login("alice", slip.password)
    assert again.get("/me/")["Location"] == CHANGE + "?next=%2Fme%2F"
