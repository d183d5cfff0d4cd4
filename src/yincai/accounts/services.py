"""Handing out accounts: initial passwords on printable 登录凭条, resets, and the forced first change.

A generated password exists in plaintext only in the returned `Slip` (rendered into the PDF or shown once);
the database holds its hash and an `AccountState` with must_change_password=True. Every issue and reset is
written to the audit log. Keyword-only arguments, one transaction per call.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import transaction
from django.utils import timezone

from yincai.accounts.models import AccountState
from yincai.accounts.selectors import children_label, staff_role_label
from yincai.oversight.services import audit_record
from yincai.requestcache import cached, forget, remember
from yincai.school.models import Guardian, GuardianLink, SchoolClass, Staff, StaffRole, Student, Term

LETTERS = "abcdefghjkmnpqrstuvwxyz"  # no i, l, o: never mistaken for 1, 0
UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "23456789"  # no 0, 1
KIND_STUDENT, KIND_PARENT, KIND_STAFF = "学生", "家长", "教师"


class AccountError(Exception):
    """A refusal explained in Chinese (nothing was written)."""


class InitialPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 with fewer rounds for throw-away initial passwords, so a class of 100 accounts is
    issued in seconds rather than a minute. The hash keeps Django's algorithm name, so the default hasher
    verifies it and re-hashes it at full strength on the first successful login; the holder must then change it.
    """

    iterations = 50_000


_INITIAL_HASHER = InitialPasswordHasher()


def generate_password(kind: str) -> str:
    """Child-friendly for students (3 letters + 3 digits, e.g. kmp472), 8 characters for parents, 12 for staff;
    always from an alphabet without look-alikes (0/o, 1/l/i)."""
    pick = secrets.choice
    if kind == KIND_STUDENT:
        return "".join(pick(LETTERS) for _ in range(3)) + "".join(pick(DIGITS) for _ in range(3))
    if kind == KIND_PARENT:
        return "".join(pick(LETTERS) for _ in range(4)) + "".join(pick(DIGITS) for _ in range(4))
    alphabet = LETTERS + UPPER + DIGITS
    while True:
        pw = "".join(pick(alphabet) for _ in range(12))
        if any(c in DIGITS for c in pw) and any(c in UPPER for c in pw) and any(c in LETTERS for c in pw):
            return pw


@dataclass(frozen=True)
class Slip:
    kind: str  # 学生 / 家长 / 教师
    name: str
    class_name: str
    username: str
    password: str
    children: tuple[str, ...] = ()  # a parent's children, siblings included: '张三（四年级(1)班）'
    detail: str = ""  # a teacher's roles


@dataclass
class SlipSection:
    title: str  # the class name, or 教职工
    slips: list[Slip] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ users exist


def _free_username(base: str) -> str:
    users = get_user_model().objects
    name, k = base, 1
    while users.filter(username=name).exists():
        k += 1
        name = f"{base}-{k}"
    return name


def _new_user(username: str) -> Any:
    user = get_user_model()(username=_free_username(username))
    user.set_unusable_password()
    user.save()
    return user


def ensure_users(*, students: Iterable[Student]) -> int:
    """Give every student (login = 学号) and each of their guardians (login = p + first child's 学号) a User.

    Roster imports create students and guardians without one. Returns how many users were created.
    """
    created = 0
    for s in students:
        if s.user_id is None:
            s.user = _new_user(s.student_no)
            s.save(update_fields=["user"])
            created += 1
        for g in Guardian.objects.filter(links__student=s, user__isnull=True).distinct():
            first = Student.objects.filter(guardian_links__guardian=g).order_by("student_no").first()
            g.user = _new_user(f"p{first.student_no if first else s.student_no}")
            g.save(update_fields=["user"])
            created += 1
    return created


# ------------------------------------------------------------------------------------------ issuing


def by_pk(by: Any) -> int | None:
    return by.pk if getattr(by, "is_authenticated", False) else None


def _is_pending(user: Any, state: AccountState | None) -> bool:
    """Default selection: no usable password yet, or never logged in and never handed a password by us."""
    if not user.has_usable_password():
        return True
    handed = state is not None and (state.initial_password_issued_at or state.last_reset_at)
    return user.last_login is None and not handed


def _set_initial_password(user: Any, kind: str, *, by: Any, reset: bool = False) -> str:
    """Hash a fresh password onto `user` and force a change at first login; re-issuing counts as a reset."""
    password = generate_password(kind)
    state = AccountState.objects.filter(user=user).first() or AccountState(user=user)
    is_reset = reset or user.last_login is not None or state.initial_password_issued_at is not None
    user.password = make_password(password, hasher=_INITIAL_HASHER)
    user.save(update_fields=["password"])
    now = timezone.now()
    actor = by if getattr(by, "is_authenticated", False) else None
    state.must_change_password = True
    forget(_must_change_key(user.pk))
    if is_reset:
        state.last_reset_at, state.last_reset_by = now, actor
    else:
        state.initial_password_issued_at, state.issued_by = now, actor
    state.save()
    return password


def _kind_of(user: Any) -> str:
    if Student.objects.filter(user=user).exists():
        return KIND_STUDENT
    if Guardian.objects.filter(user=user).exists() and not Staff.objects.filter(user=user).exists():
        return KIND_PARENT
    return KIND_STAFF


def _class_section(klass: SchoolClass, *, by: Any, include_issued: bool, seen: set[int], term: Term) -> SlipSection:
    students = list(Student.objects.filter(enrolments__school_class=klass).order_by("student_no"))
    ensure_users(students=students)
    students = list(Student.objects.filter(pk__in=[s.pk for s in students]).select_related("user")
                    .order_by("student_no"))
    states = {st.user_id: st for st in AccountState.objects.filter(
        user__in=[s.user_id for s in students] + list(Guardian.objects.filter(
            links__student__in=students).values_list("user_id", flat=True)))}
    section = SlipSection(klass.name)
    for s in students:
        user = s.user
        if user.pk not in seen and user.pk != by_pk(by) and (include_issued or _is_pending(user, states.get(user.pk))):
            seen.add(user.pk)
            section.slips.append(Slip(KIND_STUDENT, s.name, klass.name, user.username,
                                      _set_initial_password(user, KIND_STUDENT, by=by)))
        for link in GuardianLink.objects.filter(student=s).select_related("guardian__user").order_by("-is_primary", "pk"):
            g = link.guardian
            gu = g.user
            if gu.pk in seen or gu.pk == by_pk(by) or Staff.objects.filter(user=gu).exists():
                continue  # a teacher who is also a parent gets the staff slip, not a second password
            if include_issued or _is_pending(gu, states.get(gu.pk)):
                seen.add(gu.pk)
                section.slips.append(Slip(KIND_PARENT, g.name, klass.name, gu.username,
                                          _set_initial_password(gu, KIND_PARENT, by=by),
                                          children=tuple(children_label(g, term))))
    return section


def _staff_section(term: Term, *, by: Any, include_issued: bool, seen: set[int]) -> SlipSection:
    section = SlipSection("教职工")
    staff = Staff.objects.filter(school=term.school).select_related("user").order_by("user__username")
    states = {st.user_id: st for st in AccountState.objects.filter(user__staff__school=term.school)}
    for st in staff:
        user = st.user
        if user.pk in seen or user.pk == by_pk(by) or not (include_issued or _is_pending(user, states.get(user.pk))):
            continue
        seen.add(user.pk)
        roles = "、".join(staff_role_label(r) for r in StaffRole.objects.filter(staff=st, term=term).select_related(
            "school_class__grade", "grade", "subject"))
        section.slips.append(Slip(KIND_STAFF, st.name, "", user.username,
                                  _set_initial_password(user, KIND_STAFF, by=by), detail=roles))
    return section


def issue_slips(*, by: Any, term: Term, classes: Sequence[SchoolClass] = (), staff: bool = False,
                include_issued: bool = False) -> list[SlipSection]:
    """Issue initial passwords for the students and parents of `classes` (and the staff) in one transaction.

    By default only accounts that have never been handed a password and never logged in (or have none usable)
    are issued; `include_issued=True` re-issues everyone (a reset). The acting user is never included.
    Raises AccountError, writing nothing, when nobody needs a slip.
    """
    if not classes and not staff:
        raise AccountError("请选择至少一个班级或教职工")
    with transaction.atomic():
        seen: set[int] = set()
        sections = [_class_section(k, by=by, include_issued=include_issued, seen=seen, term=term)
                    for k in sorted(classes, key=lambda k: (k.grade.level, k.number))]
        if staff:
            sections.append(_staff_section(term, by=by, include_issued=include_issued, seen=seen))
        sections = [s for s in sections if s.slips]
        if not sections:
            raise AccountError("没有需要签发的账号：所选账号都已签发过初始密码或已登录使用。"
                               "如需全部重新签发（原密码将失效），请勾选“包括已签发或已登录的账号”。")
        counts = {kind: sum(1 for s in sections for slip in s.slips if slip.kind == kind)
                  for kind in (KIND_STUDENT, KIND_PARENT, KIND_STAFF)}
        scope = "、".join(s.title for s in sections)
        audit_record(action="bulk", model="登录凭条", object_id=",".join(str(k.pk) for k in classes)[:64],
                     detail=f"签发初始密码（{'含已签发账号' if include_issued else '仅未签发账号'}）：{scope}；"
                            + "，".join(f"{k} {n} 人" for k, n in counts.items() if n))
    return sections


def issue_slips_pdf(*, by: Any, term: Term, site_url: str, classes: Sequence[SchoolClass] = (),
                    staff: bool = False, include_issued: bool = False) -> tuple[bytes, int]:
    """Issue and render in ONE transaction: if the PDF cannot be produced, no password changes."""
    from yincai.accounts.slips import render_slips_pdf

    with transaction.atomic():
        sections = issue_slips(by=by, term=term, classes=classes, staff=staff, include_issued=include_issued)
        pdf = render_slips_pdf(sections, site_url=site_url, term=term)
    return pdf, sum(len(s.slips) for s in sections)


# ------------------------------------------------------------------------------------------ reset / change


def reset_password(*, user: Any, by: Any, term: Term | None = None) -> Slip:
    """A new initial password for one person (must be changed at next login); audited. Returns the slip."""
    term = term or Term.current()
    if by_pk(by) == user.pk:
        raise AccountError("不能重置自己的密码，请使用“修改密码”")
    if not user.is_active:
        raise AccountError("该账号已停用，无法重置密码")
    with transaction.atomic():
        kind = _kind_of(user)
        password = _set_initial_password(user, kind, by=by, reset=True)
        slip = _slip_for(user, kind, password, term)
        student = Student.objects.filter(user=user).first()
        audit_record(action="update", model="账号密码重置", object_id=user.pk,
                     student_id=student.pk if student else None,
                     detail=f"重置 {slip.name}（{kind}，登录名 {user.username}）的密码，须在下次登录时修改")
    return slip


def _slip_for(user: Any, kind: str, password: str, term: Term | None) -> Slip:
    if kind == KIND_STUDENT:
        s = Student.objects.get(user=user)
        klass = s.class_in(term) if term else None
        return Slip(kind, s.name, klass.name if klass else "", user.username, password)
    if kind == KIND_PARENT:
        g = Guardian.objects.get(user=user)
        children = children_label(g, term)
        return Slip(kind, g.name, "", user.username, password, children=tuple(children))
    st = Staff.objects.filter(user=user).first()
    roles = "、".join(staff_role_label(r) for r in StaffRole.objects.filter(staff=st, term=term)) if st and term else ""
    return Slip(kind, st.name if st else user.get_username(), "", user.username, password, detail=roles)


def password_changed(*, user: Any) -> None:
    """The holder chose their own password: stop forcing the change."""
    state = AccountState.objects.filter(user=user).first() or AccountState(user=user)
    state.must_change_password, state.password_changed_at = False, timezone.now()
    state.save()  # audited by the write signal
    forget(_must_change_key(user.pk))


MUST_CHANGE_SESSION_KEY = "yincai_must_change_password"


def must_change_password(user: Any) -> bool:
    """Asked by the middleware, the navigation and the header: answered once per request (and kept in the
    login session by `PasswordChangeRequiredMiddleware`: the flag is only ever set together with a new password,
    which ends every session of the account)."""
    if not user.is_authenticated:
        return False
    return cached(_must_change_key(user.pk),
                  lambda: AccountState.objects.filter(user_id=user.pk, must_change_password=True).exists())


def _must_change_key(user_id: int) -> str:
    return f"accounts.must_change_password:{user_id}"


def must_change_password_in_session(user: Any, session: Any) -> bool:
    """The flag as the session remembers it for this user, asked of the database once per login session."""
    kept = session.get(MUST_CHANGE_SESSION_KEY)
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == user.pk:
        remember(_must_change_key(user.pk), bool(kept[1]))
        return bool(kept[1])
    flag = must_change_password(user)
    session[MUST_CHANGE_SESSION_KEY] = [user.pk, flag]
    return flag


def is_child_account(user: Any) -> bool:
    return Student.objects.filter(user=user).exists()
