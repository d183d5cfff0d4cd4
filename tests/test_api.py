from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.api.api import api


def _client(personas: Personas, who: Role | str) -> Client:
    client = Client()
    client.force_login(personas.user(who))
    return client


@pytest.mark.django_db
def test_the_openapi_schema_lists_every_operation(personas: Personas) -> None:
    schema = _client(personas, Role.ADMIN).get("/api/v1/openapi.json").json()
    operations = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    declared = {(m, "/api/v1" + path) for _, r in api._routers for path, pv in r.path_operations.items()
                for op in pv.operations for m in op.methods}
    assert declared == operations


@pytest.mark.django_db
def test_a_parent_reads_own_childs_trajectory_but_not_anothers(personas: Personas) -> None:
    client = _client(personas, Role.PARENT)
    own = client.get(f"/api/v1/students/{personas.alice.pk}/trajectory")
    assert own.status_code == 200
    assert own.json()[0]["name"] == "三年级数学单元测试"
    assert all(point["class_median"] is None for point in own.json())  # families: the child's own scores only
    assert client.get(f"/api/v1/students/{personas.bob.pk}/trajectory").status_code == 404
    staff = _client(personas, Role.HEAD_TEACHER).get(f"/api/v1/students/{personas.alice.pk}/trajectory").json()
    assert [p["name"] for p in staff] == [p["name"] for p in own.json()]
    assert any(point["class_median"] is not None for point in staff)


@pytest.mark.django_db
def test_a_subject_teacher_lists_only_their_classes(personas: Personas) -> None:
    classes = _client(personas, "ma").get("/api/v1/classes").json()
    assert [c["name"] for c in classes] == ["三年级(1)班"]
    assert _client(personas, "ma").get(f"/api/v1/classes/{personas.class41.pk}/students").status_code == 404


@pytest.mark.django_db
def test_anonymous_api_calls_get_401(personas: Personas) -> None:
    assert Client().get("/api/v1/me").status_code == 401
