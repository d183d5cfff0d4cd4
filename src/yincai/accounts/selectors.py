"""Who may hand out and reset which accounts: 教导处 (admin) all of them, a head teacher only the students and
parents of their own class(es) in the current term. Views 404 for anything outside these querysets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from yincai.accounts.models import AccountState
from yincai.accounts.roles import Role, roles_of
from yincai.school.models import Guardian, SchoolClass, Staff, StaffRole, Student, Term


def slip_classes_for(user: Any, term: Term | None = None) -> QuerySet[SchoolClass]:
    """Classes whose login slips the user may print: every class for admin, else the classes they head."""
    term = term or Term.current()
    base = SchoolClass.objects.filter(term=term).select_related("grade")
    roles = roles_of(user, term)
    if Role.ADMIN in roles:
        return base
    if Role.HEAD_TEACHER in roles:
        return base.filter(pk__in=StaffRole.objects.filter(
            staff__user=user, term=term, role=Role.HEAD_TEACHER).values("school_class"))
    return base.none()


def resettable_users(user: Any, term: Term | None = None) -> QuerySet[Any]:
    """Users whose password `user` may reset (never their own: that is 修改密码)."""
    term = term or Term.current()
    users = get_user_model().objects.exclude(pk=user.pk)
    roles = roles_of(user, term)
    if Role.ADMIN in roles:
        return users
    if Role.HEAD_TEACHER not in roles:
        return users.none()
    classes = slip_classes_for(user, term)
    students = Student.objects.filter(enrolments__term=term, enrolments__school_class__in=classes)
    return users.filter(Q(student__in=students) | Q(guardian__links__student__in=students)).distinct()


@dataclass(frozen=True)
class AccountRow:
    kind: str  # 学生 / 家长 / 教师
    name: str
    user: Any | None
    state: AccountState | None
    detail: str = ""  # a parent's children, a teacher's roles

    @property
    def status(self) -> str:
        if self.user is None:
            return "尚未建立账号"
        if not self.user.has_usable_password():
            return "尚未签发密码"
        if self.state is not None and self.state.must_change_password:
            return "已签发，待首次登录修改"
        if self.user.last_login is None:
            return "从未登录"
        return "正常使用"


def _states(user_ids: list[int]) -> dict[int, AccountState]:
    return {s.user_id: s for s in AccountState.objects.filter(user_id__in=user_ids)}


def class_account_rows(klass: SchoolClass) -> list[AccountRow]:
    """Each student of the class followed by their guardians, with the state of their accounts."""
    students = list(Student.objects.filter(enrolments__school_class=klass).select_related("user")
                    .prefetch_related("guardian_links__guardian__user").order_by("student_no"))
    ids = [s.user_id for s in students if s.user_id]
    ids += [link.guardian.user_id for s in students for link in s.guardian_links.all() if link.guardian.user_id]
    states = _states(ids)
    rows: list[AccountRow] = []
    for s in students:
        rows.append(AccountRow("学生", s.name, s.user, states.get(s.user_id or 0), s.student_no))
        for link in s.guardian_links.all():
            g = link.guardian
            rows.append(AccountRow("家长", g.name, g.user, states.get(g.user_id or 0),
                                   f"{s.name}的{link.get_relation_display()}"))
    return rows


def staff_account_rows(term: Term) -> list[AccountRow]:
    staff = list(Staff.objects.filter(school=term.school).select_related("user").order_by("user__username"))
    states = _states([s.user_id for s in staff])
    labels: dict[int, list[str]] = {}
    for r in StaffRole.objects.filter(term=term, staff__in=staff).select_related("school_class__grade", "subject",
                                                                                    "grade"):
        labels.setdefault(r.staff_id, []).append(staff_role_label(r))
    return [AccountRow("教师", s.name, s.user, states.get(s.user_id), "、".join(labels.get(s.pk, [])))
            for s in staff]


def staff_role_label(r: StaffRole) -> str:
    scope = r.school_class.name if r.school_class_id else (r.grade.name if r.grade_id else "")
    subject = r.subject.name if r.subject_id else ""
    return f"{scope}{subject}{r.get_role_display()}"


def children_label(guardian: Guardian, term: Term | None) -> list[str]:
    """'张三（四年级(1)班）' for every child of the guardian (siblings included)."""
    out = []
    for s in Student.objects.filter(guardian_links__guardian=guardian).order_by("student_no").distinct():
        klass = s.class_in(term) if term else None
        out.append(f"{s.name}（{klass.name}）" if klass else s.name)
    return out


def describe_user(user: Any, term: Term | None = None) -> str:
    """'学生 张三 · 四年级(1)班' / '家长 李四 · 孩子：张三（四年级(1)班）' / '教师 王五' for confirmation pages."""
    term = term or Term.current()
    student = Student.objects.filter(user=user).first()
    if student is not None:
        klass = student.class_in(term) if term else None
        return f"学生 {student.name}" + (f" · {klass.name}" if klass else "")
    staff = Staff.objects.filter(user=user).first()
    if staff is not None:
        return f"教师 {staff.name}"
    guardian = Guardian.objects.filter(user=user).first()
    if guardian is not None:
        return f"家长 {guardian.name} · 孩子：{'、'.join(children_label(guardian, term))}"
    return user.get_username()
