from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.oversight.models import AuditLog
from yincai.school.models import PsychNote


def _client(personas: Personas, role: Role) -> Client:
    client = Client()
    client.force_login(personas.user(role))
    return client


@pytest.mark.django_db
def test_a_head_teacher_reading_family_situation_is_audited(personas: Personas) -> None:
    response = _client(personas, Role.HEAD_TEACHER).get(f"/students/{personas.alice.pk}/")
    assert response.status_code == 200
    assert "测试用家庭情况" in response.content.decode()
    log = AuditLog.objects.filter(action="read_sensitive", student_id=personas.alice.pk, model="家庭情况").first()
    assert log is not None
    assert log.actor == personas.user(Role.HEAD_TEACHER)
    assert log.ip == "127.0.0.1"
    assert log.path == f"/students/{personas.alice.pk}/"


@pytest.mark.django_db
def test_a_subject_teacher_sees_no_family_or_psychology_and_nothing_is_logged(personas: Personas) -> None:
    response = _client(personas, Role.SUBJECT_TEACHER).get(f"/students/{personas.alice.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "测试用家庭情况" not in body and "测试用心理记录" not in body
    assert not AuditLog.objects.filter(action="read_sensitive", actor=personas.user(Role.SUBJECT_TEACHER)).exists()


@pytest.mark.django_db
def test_only_counselor_and_admin_read_psychology_notes(personas: Personas) -> None:
    for role in Role:
        if role in (Role.STUDENT, Role.PARENT):
            continue
        body = _client(personas, role).get(f"/students/{personas.alice.pk}/").content.decode()
        assert ("测试用心理记录" in body) == (role in (Role.COUNSELOR, Role.ADMIN)), role
    readers = set(AuditLog.objects.filter(model="心理辅导记录").values_list("actor__username", flat=True))
    assert readers == {"zhou", "wang"}


@pytest.mark.django_db
def test_every_write_is_recorded_with_its_actor(personas: Personas) -> None:
    from yincai.oversight.context import Actor, current_actor

    token = current_actor.set(Actor(user=personas.user(Role.COUNSELOR), ip="10.0.0.8", path="/x"))
    try:
        note = PsychNote.objects.create(student=personas.alice, author=personas.alice.mentors.first().mentor,
                                        content="新增记录")
        note.content = "修改后"
        note.save()
        pk = note.pk
        note.delete()
    finally:
        current_actor.reset(token)
    actions = list(AuditLog.objects.filter(model="school.PsychNote", object_id=str(pk)).values_list("action", flat=True))
    assert sorted(actions) == ["create", "delete", "update"]
    assert AuditLog.objects.filter(model="school.PsychNote", object_id=str(pk), student_id=personas.alice.pk).count() == 3


@pytest.mark.django_db
def test_the_admin_can_browse_and_filter_the_audit_log(personas: Personas) -> None:
    client = _client(personas, Role.HEAD_TEACHER)
    client.get(f"/students/{personas.alice.pk}/")
    response = _client(personas, Role.ADMIN).get("/audit/?action=read_sensitive")
    assert response.status_code == 200
    assert "查看敏感信息" in response.content.decode()
    assert _client(personas, Role.HEAD_TEACHER).get("/audit/").status_code == 403
