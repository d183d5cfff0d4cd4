"""Password rules: staff strong, children and parents short enough for a school-issued slip."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.personas import Personas
from yincai.accounts.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["k7m2qa", "xq83tz"])
def test_a_six_character_password_is_fine_for_a_student_and_a_parent(personas: Personas, password: str) -> None:
    validate_password(password, personas.user(Role.STUDENT))
    validate_password(password, personas.user(Role.PARENT))


@pytest.mark.django_db
def test_a_child_password_still_needs_six_characters(personas: Personas) -> None:
    with pytest.raises(ValidationError, match="至少需要 6 个字符"):
        validate_password("ab12", personas.user(Role.STUDENT))


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["k7m2qa", "12345678901", "password123"])
def test_staff_need_a_strong_password(personas: Personas, password: str) -> None:
    for role in (Role.ADMIN, Role.HEAD_TEACHER, Role.COUNSELOR):
        with pytest.raises(ValidationError):
            validate_password(password, personas.user(role))


@pytest.mark.django_db
def test_a_strong_password_passes_for_staff(personas: Personas) -> None:
    validate_password("Qiu-lan-2026-shu", personas.user(Role.HEAD_TEACHER))


@pytest.mark.django_db
def test_an_account_not_linked_to_a_student_or_parent_gets_the_strict_rules() -> None:
    user = get_user_model().objects.create(username="newcomer")
    with pytest.raises(ValidationError):
        validate_password("k7m2qa", user)
    with pytest.raises(ValidationError):
        validate_password("k7m2qa")
