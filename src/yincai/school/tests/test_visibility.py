from __future__ import annotations

import pytest

from tests.personas import Personas
from yincai.accounts.roles import Role, roles_of
from yincai.school.selectors import (
    classes_visible_to,
    students_visible_to,
    subjects_for_class,
    subjects_visible_for,
)


def _names(qs: object) -> set[str]:
    return {s.name for s in qs}  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_roles_follow_relationships(personas: Personas) -> None:
    assert roles_of(personas.user("hu")) == {Role.HEAD_TEACHER, Role.SUBJECT_TEACHER}
    assert roles_of(personas.user("pa")) == {Role.PARENT}
    assert roles_of(personas.user("alice")) == {Role.STUDENT}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("wang", {"alice", "amy", "bob", "dan"}),
        ("zhou", {"alice", "amy", "bob", "dan"}),
        ("lin", {"alice", "amy", "bob"}),
        ("hu", {"alice", "amy"}),
        ("ma", {"alice", "amy"}),
        ("ma2", {"bob"}),
        ("mei", {"alice"}),
        ("pa", {"alice"}),
        ("pb", {"bob"}),
        ("alice", {"alice"}),
    ],
)
def test_each_persona_sees_exactly_the_students_related_to_them(personas: Personas, persona: str, expected: set[str]) -> None:
    assert _names(students_visible_to(personas.user(persona))) == expected


@pytest.mark.django_db
def test_a_subject_teacher_reads_only_their_own_subject(personas: Personas) -> None:
    assert [s.code for s in subjects_visible_for(personas.user("ma"), personas.alice)] == ["math"]
    assert [s.code for s in subjects_for_class(personas.user("ma"), personas.class31)] == ["math"]
    assert subjects_for_class(personas.user("hu"), personas.class31).count() == 3


@pytest.mark.django_db
def test_grade_lead_sees_own_grade_classes_only(personas: Personas) -> None:
    assert {k.pk for k in classes_visible_to(personas.user("lin"))} == {personas.class31.pk, personas.class32.pk}
    assert not classes_visible_to(personas.user("mei")).exists()
    assert not classes_visible_to(personas.user("pa")).exists()


@pytest.mark.django_db
def test_the_parents_child_page_hides_other_children_and_tiers(personas: Personas) -> None:
    from django.test import Client

    client = Client()
    client.force_login(personas.user("pa"))
    assert client.get(f"/family/children/{personas.alice.pk}/").status_code == 200
    assert client.get(f"/family/children/{personas.bob.pk}/").status_code == 404
    body = client.get(f"/family/children/{personas.alice.pk}/").content.decode()
    assert "amy" not in body and "学困" not in body


@pytest.mark.django_db
def test_families_see_levels_not_scores_or_class_medians(personas: Personas) -> None:
    from django.test import Client

    client = Client()
    client.force_login(personas.user("alice"))
    body = client.get("/me/").content.decode()
    assert "等级" in body and "班级中位数" not in body
    assert '"class_median": null' in body
