"""Who may see what: the one place where relationship-based visibility of classes and students lives.

Views and API call these and 404 when an object is not in the visible queryset, so a user with the right
role but no relationship to the object (another class, another parent's child) is refused.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yincai.accounts.roles import Role, assignments_of, roles_of
from yincai.requestcache import cached
from yincai.school.models import (
    FamilyProfile,
    PsychNote,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    Subject,
    Term,
)

SCHOOL_WIDE_ROLES = frozenset({Role.ADMIN, Role.COUNSELOR})
FAMILY_PROFILE_ROLES = frozenset({Role.ADMIN, Role.HEAD_TEACHER, Role.MENTOR, Role.COUNSELOR})
PSYCH_ROLES = frozenset({Role.ADMIN, Role.COUNSELOR})


def staff_of(user: Any) -> Staff | None:
    return Staff.objects.filter(user=user).first() if user.is_authenticated else None


def classes_visible_to(user: Any, term: Term | None = None) -> QuerySet[SchoolClass]:
    """Classes of `term` the user may open: all for admin/counselor, own grade, own class, taught classes."""
    term = term or Term.current()
    base = SchoolClass.objects.filter(term=term).select_related("grade", "term__school")  # pages read both
    roles = roles_of(user, term)
    if roles & SCHOOL_WIDE_ROLES:
        return base
    mine = assignments_of(user, term, {Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER})
    grade_ids = sorted({a.grade_id for a in mine if a.role == Role.GRADE_LEAD and a.grade_id})
    class_ids = sorted({a.class_id for a in mine if a.role != Role.GRADE_LEAD and a.class_id})
    return base.filter(Q(grade_id__in=grade_ids) | Q(pk__in=class_ids))


def students_visible_to(user: Any, term: Term | None = None) -> QuerySet[Student]:
    """Students the user may see in `term`, by relationship (class, grade, mentee, child, self)."""
    term = term or Term.current()
    roles = roles_of(user, term)
    enrolled = Student.objects.filter(enrolments__term=term)
    if roles & SCHOOL_WIDE_ROLES:
        return enrolled.distinct()
    cond = Q(pk__in=[])
    if roles & {Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER}:
        cond |= Q(enrolments__term=term, enrolments__school_class__in=classes_visible_to(user, term))
    if Role.MENTOR in roles:
        cond |= Q(mentors__mentor__user=user, mentors__term=term)
    if Role.PARENT in roles:
        cond |= Q(guardian_links__guardian__user=user)
    if Role.STUDENT in roles:
        cond |= Q(user=user)
    return Student.objects.filter(cond).distinct()


def subjects_visible_for(user: Any, student: Student, term: Term | None = None) -> QuerySet[Subject]:
    """Subjects whose scores of `student` the user may read: a subject teacher only their own subject."""
    term = term or Term.current()
    roles = roles_of(user, term)
    broad = roles & {Role.ADMIN, Role.COUNSELOR, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.MENTOR, Role.PARENT}
    if broad or (Role.STUDENT in roles and student.user_id == user.pk):
        return Subject.objects.all()
    klass = student.class_in(term) if term else None
    taught = sorted({a.subject_id for a in assignments_of(user, term, {Role.SUBJECT_TEACHER})
                     if klass is not None and a.class_id == klass.pk and a.subject_id})
    return Subject.objects.filter(pk__in=taught)


def _is_head_teacher_of(user: Any, student: Student, term: Term) -> bool:
    return StaffRole.objects.filter(
        staff__user=user, term=term, role=Role.HEAD_TEACHER, school_class__enrolments__student=student
    ).exists()


def _is_mentor_of(user: Any, student: Student, term: Term) -> bool:
    return student.mentors.filter(mentor__user=user, term=term).exists()


def may_read_family(user: Any, student: Student, term: Term | None = None) -> bool:
    term = term or Term.current()
    if term is None:
        return False
    roles = roles_of(user, term)
    if roles & SCHOOL_WIDE_ROLES:
        return True
    if not roles & {Role.HEAD_TEACHER, Role.MENTOR}:
        return False
    return cached(f"school.may_read_family:{user.pk}:{student.pk}:{term.pk}", lambda: (
        (Role.HEAD_TEACHER in roles and _is_head_teacher_of(user, student, term))
        or (Role.MENTOR in roles and _is_mentor_of(user, student, term))
    ))


def may_read_psych(user: Any, term: Term | None = None) -> bool:
    return bool(roles_of(user, term) & PSYCH_ROLES)


def family_profile_for(user: Any, student: Student) -> FamilyProfile | None:
    """The family profile if the user may read it; the read is audited."""
    from yincai.homeschool.consent import consent_given
    from yincai.oversight.services import audit_sensitive_read

    if not may_read_family(user, student) or not consent_given(student, "family"):
        return None  # without the guardian's consent nothing is shown (the page says why: consent_note)
    profile = FamilyProfile.objects.filter(student=student).first()
    audit_sensitive_read(student_id=student.pk, what="家庭情况", object_id=profile.pk if profile else "")
    return profile


def psych_notes_for(user: Any, student: Student) -> QuerySet[PsychNote] | None:
    """Psychology notes if the user is a counsellor or admin; the read is audited."""
    from yincai.homeschool.consent import consent_given
    from yincai.oversight.services import audit_sensitive_read

    if not may_read_psych(user):
        return None
    if not consent_given(student, "psych"):
        return PsychNote.objects.none()  # without the guardian's consent nothing is shown (consent_note says why)
    audit_sensitive_read(student_id=student.pk, what="心理辅导记录")
    return PsychNote.objects.filter(student=student).select_related("author")


def children_of(user: Any) -> QuerySet[Student]:
    return Student.objects.filter(guardian_links__guardian__user=user).distinct()


def subjects_for_class(user: Any, school_class: SchoolClass) -> QuerySet[Subject]:
    """Subjects of a class whose scores the user may read: all for class-wide roles, else those taught."""
    roles = roles_of(user, school_class.term)
    if roles & {Role.ADMIN, Role.COUNSELOR, Role.GRADE_LEAD, Role.HEAD_TEACHER}:
        return Subject.objects.all()
    taught = sorted({a.subject_id for a in assignments_of(user, school_class.term, {Role.SUBJECT_TEACHER})
                     if a.class_id == school_class.pk and a.subject_id})
    return Subject.objects.filter(pk__in=taught)
