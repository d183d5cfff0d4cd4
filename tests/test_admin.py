from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client

from tests.personas import Personas
from yincai.accounts.roles import Role

#: Private between a family and its teachers: never shown in the admin, even to the principal.
PRIVATE = {"family.Thread", "family.Message", "family.HomeNote", "family.SharedEntry", "family.Notification"}


def test_every_yincai_model_is_registered_in_the_admin() -> None:
    models = [m for m in apps.get_models() if m.__module__.startswith("yincai.")]
    missing = [m._meta.label for m in models if not admin.site.is_registered(m) and m._meta.label not in PRIVATE]
    assert not [label for label in PRIVATE if admin.site.is_registered(apps.get_model(label))]
    assert models and not missing, f"未在后台注册的模型：{missing}"


@pytest.mark.django_db
def test_the_admin_is_in_chinese_for_the_principal_and_closed_to_teachers(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.user(Role.ADMIN))
    body = client.get("/admin/").content.decode()
    assert "因材 · 后台管理" in body and "学生" in body and "审计日志" in body
    teacher = Client()
    teacher.force_login(personas.user(Role.HEAD_TEACHER))
    response = teacher.get("/admin/school/student/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
