"""The eight roles of yincai and how a user's roles are derived from relationships.

Roles are never stored as flags on the user: they follow from StaffRole rows of the current term,
from being a Student, or from being a Guardian. Object-level access lives in `selectors.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Assignment:
    """One StaffRole of the user in a term, as ids: what visibility checks filter by (no subqueries to build)."""

    role: Role
    grade_id: int | None  # the role's own grade (年级组长), else None
    class_id: int | None
    class_grade_id: int | None  # the grade of class_id
    subject_id: int | None


def roles_of(user: AbstractBaseUser | AnonymousUser, term: Term | None = None) -> frozenset[Role]:
    """Every role the user holds in `term` (default: the current term). Cached on the user object."""
    if not user.is_authenticated:
        return frozenset()
    from yincai.school.models import Term

    term = term or Term.current()
    cache_key = f"_yincai_roles_{term.pk if term else 0}"
    cached = getattr(user, cache_key, None)
    if cached is not None:
        return cached
    result = frozenset(Role(row[0]) for row in _role_rows(user.pk, term.pk if term else None))
    setattr(user, cache_key, result)
    return result


def assignments_of(user: AbstractBaseUser | AnonymousUser, term: Term | None = None,
                   roles: frozenset[Role] | set[Role] | None = None) -> list[Assignment]:
    """The user's staff roles of `term` with their grade, class and subject ids, optionally only `roles`.

    Limited to ``roles_of`` (an API token narrows a user's roles); read with the roles in one query per request."""
    if not user.is_authenticated:
        return []
    from yincai.school.models import Term

    term = term or Term.current()
    held = roles_of(user, term)
    wanted = held if roles is None else held & frozenset(roles)
    return [Assignment(Role(r), g, c, cg, s) for r, g, c, cg, s in _role_rows(user.pk, term.pk if term else None)
            if Role(r) in wanted and r not in (Role.STUDENT, Role.PARENT)]


def _role_rows(user_id: int, term_id: int | None) -> list[tuple[str, int | None, int | None, int | None, int | None]]:
    """One query for every role check of a request: the staff roles of the term with their grade, class and
    subject, and whether the user is a student or a guardian. Kept for the request (see `requestcache`)."""
    from yincai.requestcache import cached

    return cached(f"accounts.role_rows:{user_id}:{term_id}", lambda: _query_role_rows(user_id, term_id))


def _query_role_rows(user_id: int, term_id: int | None) -> list[tuple[str, int | None, int | None, int | None, int | None]]:
    from django.db import connection

    from yincai.school.models import Guardian, SchoolClass, Staff, StaffRole, Student

    sql = (f"SELECT r.role, r.grade_id, r.school_class_id, c.grade_id, r.subject_id FROM {StaffRole._meta.db_table} r"
           f" JOIN {Staff._meta.db_table} s ON s.id = r.staff_id LEFT JOIN {SchoolClass._meta.db_table} c"
           f" ON c.id = r.school_class_id WHERE s.user_id = %s AND r.term_id = %s"
           f" UNION ALL SELECT '{Role.STUDENT.value}', NULL, NULL, NULL, NULL"
           f" WHERE EXISTS (SELECT 1 FROM {Student._meta.db_table} WHERE user_id = %s)"
           f" UNION ALL SELECT '{Role.PARENT.value}', NULL, NULL, NULL, NULL"
           f" WHERE EXISTS (SELECT 1 FROM {Guardian._meta.db_table} WHERE user_id = %s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, term_id, user_id, user_id])
        return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]
