"""Personal access tokens (issue 16, item 6): hashed at rest, expiring, revocable, audited, never more than the
owner; the API's imports (upload → preview → confirm) and results through a token, under the same checks."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.apitokens.models import ApiToken
from yincai.apitokens.services import token_create, token_revoke
from yincai.imports.models import ImportBatch
from yincai.imports.tests.helpers import fresh_assessment, scores_of, simple_rows, xlsx
from yincai.oversight.models import AuditLog
from yincai.school.models import StaffRole

pytestmark = pytest.mark.django_db


def _bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", enforce_csrf_checks=True)


def test_a_token_is_stored_hashed_shown_once_and_audited(personas: Personas) -> None:
    new = token_create(owner=personas.users["ma"], name="成绩脚本", days=30)
    stored = ApiToken.objects.get(pk=new.token.pk)
    assert new.secret.startswith(f"yc_{stored.prefix}_") and len(new.secret) > 40
    assert stored.token_hash == hashlib.sha256(new.secret.encode()).hexdigest()
    assert new.secret not in str(ApiToken.objects.filter(pk=stored.pk).values().first())
    assert AuditLog.objects.filter(model="apitokens.ApiToken", object_id=str(stored.pk), action="create").exists()
    assert _bearer(new.secret).get("/api/v1/me").json()["username"] == "ma"
    assert ApiToken.objects.get(pk=stored.pk).last_used_at is not None


def test_creation_refuses_bad_requests(personas: Personas) -> None:
    with pytest.raises(ValidationError, match="有效期"):
        token_create(owner=personas.users["ma"], name="x", days=366)
    with pytest.raises(ValidationError, match="名称"):
        token_create(owner=personas.users["ma"], name=" ", days=10)
    with pytest.raises(ValidationError, match="自己的角色"):
        token_create(owner=personas.users["ma"], name="x", days=10, roles=["admin"])
    with pytest.raises(ValidationError, match="教职工"):
        token_create(owner=personas.users["alice"], name="x", days=10)
    assert not ApiToken.objects.exists()


def test_a_subject_teachers_token_cannot_read_another_grade_nor_use_an_admin_operation(personas: Personas) -> None:
    c = _bearer(token_create(owner=personas.users["ma"], name="脚本", days=30).secret)
    assert c.get(f"/api/v1/students/{personas.alice.pk}").status_code == 200
    assert c.get(f"/api/v1/students/{personas.alice.pk}/mastery?subject=math").status_code == 200
    for url in (f"/api/v1/students/{personas.dan.pk}", f"/api/v1/students/{personas.dan.pk}/mastery?subject=math",
                f"/api/v1/students/{personas.dan.pk}/tiers", f"/api/v1/classes/{personas.class41.pk}/students",
                f"/api/v1/imports/{_batch_of(personas, personas.other_assessment)}"):
        assert c.get(url).status_code == 404, url
    # another subject of her own student (语文: not hers) is not readable either
    assert c.get(f"/api/v1/students/{personas.alice.pk}/mastery?subject=chinese").status_code == 404
    roster = c.post("/api/v1/imports/roster", {"file": SimpleUploadedFile("花名册.xlsx", b"x")})
    assert roster.status_code == 403
    assert "权限" in roster.json()["detail"]


def _batch_of(p: Personas, assessment: object) -> int:
    return ImportBatch.objects.create(kind="scores", assessment=assessment, file_name="x.xlsx", content=b"",
                                      file_sha256="0" * 64, term=p.term, created_by=p.users["wang"]).pk


def test_expired_revoked_unknown_tokens_get_401(personas: Personas) -> None:
    expired = token_create(owner=personas.users["wang"], name="过期", days=1)
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    revoked = token_create(owner=personas.users["wang"], name="吊销", days=10)
    token_revoke(token=revoked.token, by=personas.users["wang"])
    assert AuditLog.objects.filter(model="apitokens.ApiToken", action="update", detail__contains="吊销").exists()
    for secret in (expired.secret, revoked.secret, revoked.secret[:-2] + "xx", "yc_nothing_here", "garbage"):
        assert _bearer(secret).get("/api/v1/me").status_code == 401, secret


def test_a_token_follows_its_owners_roles_at_use_time_and_its_own_limits(personas: Personas) -> None:
    hu = personas.users["hu"]
    narrowed = _bearer(token_create(owner=hu, name="仅任课", days=10, roles=["subject_teacher"]).secret)
    assert narrowed.get("/api/v1/me").json()["roles"] == ["subject_teacher"]
    full = token_create(owner=hu, name="全部", days=10)
    assert sorted(_bearer(full.secret).get("/api/v1/me").json()["roles"]) == ["head_teacher", "subject_teacher"]
    StaffRole.objects.filter(staff__user=hu, role=Role.HEAD_TEACHER).delete()
    assert _bearer(full.secret).get("/api/v1/me").json()["roles"] == ["subject_teacher"]
    StaffRole.objects.filter(staff__user=hu).delete()
    assert _bearer(full.secret).get("/api/v1/classes").status_code == 403


def test_imports_through_a_token_preview_then_confirm_without_csrf(personas: Personas) -> None:
    a = fresh_assessment(personas)
    c = _bearer(token_create(owner=personas.users["ma"], name="成绩", days=30).secret)
    r = c.post("/api/v1/imports", {"kind": "scores", "assessment_id": str(a.pk),
                                   "file": SimpleUploadedFile("成绩.xlsx", xlsx(simple_rows()))})
    assert r.status_code == 200, r.content
    preview = r.json()
    assert preview["status"] == "preview" and preview["problems"] == [] and preview["summary"]
    assert not any(v[1] is not None for v in scores_of(a).values())  # nothing written yet
    same = c.get(f"/api/v1/imports/{preview['id']}").json()
    assert same["id"] == preview["id"] and same["status"] == "preview"
    done = c.post(f"/api/v1/imports/{preview['id']}/confirm")
    assert done.status_code == 200 and done.json()["status"] == "committed"
    assert any(v[1] is not None for v in scores_of(a).values())
    again = c.post(f"/api/v1/imports/{preview['id']}/confirm")
    assert again.status_code == 400 and "不能重复确认" in again.json()["problems"][0]
    # another grade's assessment is not importable: 404 as on the web
    other = c.post("/api/v1/imports", {"kind": "scores", "assessment_id": str(personas.other_assessment.pk),
                                       "file": SimpleUploadedFile("成绩.xlsx", xlsx(simple_rows()))})
    assert other.status_code == 404


def test_the_tokens_page_creates_shows_once_and_revokes(personas: Personas) -> None:
    c = Client()
    c.force_login(personas.users["ma"])
    page = c.post("/tokens/", {"name": "导入脚本", "days": "90"})
    text = page.content.decode()
    token = ApiToken.objects.get(owner=personas.users["ma"])
    assert page.status_code == 200 and f"yc_{token.prefix}_" in text and page["Cache-Control"] == "no-store"
    assert f"yc_{token.prefix}_" not in c.get("/tokens/").content.decode().replace(f"yc_{token.prefix}…", "")
    other = Client()
    other.force_login(personas.users["ma2"])
    assert other.post("/tokens/", {"action": "revoke", "token": str(token.pk)}).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert c.post("/tokens/", {"action": "revoke", "token": str(token.pk)}).status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    bad = c.post("/tokens/", {"name": "x", "days": "400"})
    assert "有效期" in bad.content.decode() and ApiToken.objects.count() == 1
    student = Client()
    student.force_login(personas.users["alice"])
    assert student.get("/tokens/").status_code == 403
