"""The eight roles of yincai and how a user's roles are derived from relationships.

Roles are never stored as flags on the user: they follow from StaffRole rows of the current term,
from being a Student, or from being a Guardian. Object-level access lives in `selectors.py`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from yincai.school.models import Term


class Role(StrEnum):
    ADMIN = "admin"
    GRADE_LEAD = "grade_lead"
    HEAD_TEACHER = "head_teacher"
    SUBJECT_TEACHER = "subject_teacher"
    MENTOR = "mentor"
    COUNSELOR = "counselor"
    STUDENT = "student"
    PARENT = "parent"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "校长/教导处",
    Role.GRADE_LEAD: "年级组长",
    Role.HEAD_TEACHER: "班主任",
    Role.SUBJECT_TEACHER: "科任教师",
    Role.MENTOR: "导师",
    Role.COUNSELOR: "心理教师",
    Role.STUDENT: "学生",
    Role.PARENT: "家长",
}

ALL_ROLES: frozenset[Role] = frozenset(Role)
STAFF_ROLES: frozenset[Role] = frozenset(
    {Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER, Role.MENTOR, Role.COUNSELOR}
)
TEACHING_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER})
FAMILY_ROLES: frozenset[Role] = frozenset({Role.STUDENT, Role.PARENT})


def roles_of(user: AbstractBaseUser | AnonymousUser, term: Term | None = None) -> frozenset[Role]:
    """Every role the user holds in `term` (default: the current term). Cached on the user object."""
    if not user.is_authenticated:
        return frozenset()
    from yincai.school.models import Guardian, StaffRole, Student, Term

    term = term or Term.current()
    cache_key = f"_yincai_roles_{term.pk if term else 0}"
    cached = getattr(user, cache_key, None)
    if cached is not None:
        return cached
    roles: set[Role] = set()
    if term is not None:
        roles.update(
            Role(r)
            for r in StaffRole.objects.filter(staff__user=user, term=term).values_list("role", flat=True).distinct()
        )
    if Student.objects.filter(user=user).exists():
        roles.add(Role.STUDENT)
    if Guardian.objects.filter(user=user).exists():
        roles.add(Role.PARENT)
    result = frozenset(roles)
    setattr(user, cache_key, result)
    return result
