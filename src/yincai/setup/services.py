"""学校初始化: a real school from an empty database in one transaction (CLI `yincai init` and the /setup/ page).

Creates the school, the current term, the grades in use, the subjects with their 能力维度, the bundled KP
outlines (人教版 math, 2022 课标 outlines for 语文 and 英语) and the first admin account. Refuses when a school
already exists; any invalid input refuses the whole operation and writes nothing.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from yincai.accounts.roles import Role
from yincai.curriculum.models import KnowledgePoint
from yincai.curriculum.services import (
    KP_OUTLINES,
    STANDARD_SUBJECTS,
    SUBJECT_CATALOGUE,
    ensure_abilities,
    load_kp_tree,
)
from yincai.school.models import GRADE_NAMES, Grade, School, Staff, StaffRole, Subject, Term

NO_SCHOOL_MESSAGE = "尚未初始化学校，请先运行：yincai init（或在浏览器中打开本系统完成初始化）"
SCHOOL_CODE_RE = re.compile(r"^[0-9A-Za-z_-]{1,30}$")
PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SUBJECT_NAMES = dict(SUBJECT_CATALOGUE)


class SetupError(ValueError):
    """Invalid input or a school that already exists; `errors` maps a field name ('' = general) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("；".join(m for msgs in errors.values() for m in msgs))


@dataclass(frozen=True)
class SchoolInitResult:
    school: School
    term: Term
    admin: object  # the Django user
    grades: list[Grade]
    subjects: list[Subject]
    kps: dict[str, int] = field(default_factory=dict)  # subject name → leaf KPs loaded
    abilities: int = 0


def parse_grades(text: str) -> list[int]:
    """'1-6' / '3-6' / '1,2,3' / '1 3 5' → sorted levels; SetupError in Chinese otherwise."""
    levels: set[int] = set()
    for part in filter(None, re.split(r"[,，、\s]+", text.strip())):
        m = re.fullmatch(r"([1-6])\s*[-~～至到]\s*([1-6])", part) or re.fullmatch(r"([1-6])", part)
        if not m:
            raise SetupError({"grades": [f"年级「{part}」无法识别，请写成 1-6 或 1,2,3（1 到 6 之间）"]})
        lo, hi = int(m.group(1)), int(m.group(m.lastindex or 1))
        if lo > hi:
            raise SetupError({"grades": [f"年级范围「{part}」起止颠倒"]})
        levels.update(range(lo, hi + 1))
    if not levels:
        raise SetupError({"grades": ["请至少选择一个年级"]})
    return sorted(levels)


def parse_date(text: str, field_name: str, label: str) -> datetime.date:
    """YYYY-MM-DD (also YYYY/MM/DD, YYYY.MM.DD, 2026年9月1日) → date; SetupError naming the field otherwise."""
    cleaned = re.sub(r"[年月/.]", "-", text.strip()).rstrip("日")
    try:
        return datetime.date.fromisoformat("-".join(p.zfill(2) for p in cleaned.split("-")))
    except ValueError:
        raise SetupError({field_name: [f"{label}「{text}」不是有效日期，请写成 YYYY-MM-DD，例如 2026-09-01"]}) from None


def subject_codes(values: Iterable[str]) -> list[str]:
    """Subject codes or Chinese names (语文, math …) → catalogue codes, in catalogue order."""
    by_name = {name: code for code, name in SUBJECT_CATALOGUE} | {"体育": "pe", "品德": "morality", "信息技术": "it"}
    chosen: set[str] = set()
    unknown: list[str] = []
    for v in values:
        v = v.strip()
        if not v:
            continue
        code = v.lower() if v.lower() in SUBJECT_NAMES else by_name.get(v)
        if code is None:
            unknown.append(v)
        else:
            chosen.add(code)
    if unknown:
        raise SetupError({"subjects": [f"未知学科：{'、'.join(unknown)}；可选：{'、'.join(SUBJECT_NAMES.values())}"]})
    return [code for code, _ in SUBJECT_CATALOGUE if code in chosen]


def _validate(*, school_name: str, school_code: str, term_name: str, start_date: datetime.date,
              end_date: datetime.date, admin_username: str, admin_password: str, grades: list[int],
              subjects: list[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not school_name.strip():
        add("school_name", "请填写学校名称")
    elif len(school_name.strip()) > 100:
        add("school_name", "学校名称不能超过100个字")
    if not SCHOOL_CODE_RE.match(school_code.strip()):
        add("school_code", "学校代码只能由字母、数字、- 和 _ 组成（1-30位），例如教育部学校标识码 2144012345")
    if not term_name.strip():
        add("term_name", "请填写学期名称，例如 2026-2027学年第一学期")
    elif len(term_name.strip()) > 50:
        add("term_name", "学期名称不能超过50个字")
    if end_date <= start_date:
        add("end_date", "学期结束日期必须晚于开始日期")
    elif (end_date - start_date).days > 366:
        add("end_date", "一个学期不应超过一年，请检查结束日期")
    if not 2000 <= start_date.year <= 2100:
        add("start_date", "学期开始日期的年份不合理")
    user_model = get_user_model()
    username = admin_username.strip()
    if not username:
        add("admin_username", "请填写管理员用户名")
    else:
        try:
            user_model.username_validator(username)
        except ValidationError:
            add("admin_username", "用户名只能包含字母、数字、汉字和 @ . + - _")
        if user_model.objects.filter(username=username).exists():
            add("admin_username", f"用户名「{username}」已被使用")
    try:
        validate_password(admin_password, user=user_model(username=username),
                          password_validators=get_password_validators(PASSWORD_VALIDATORS))
    except ValidationError as exc:
        for message in exc.messages:
            add("admin_password", message)
    if not grades or any(g not in GRADE_NAMES for g in grades):
        add("grades", "请选择本校开设的年级（一年级至六年级）")
    if not subjects or any(s not in SUBJECT_NAMES for s in subjects):
        add("subjects", "请至少选择一个学科")
    return errors


def school_init(*, school_name: str, school_code: str, term_name: str, start_date: datetime.date,
                end_date: datetime.date, admin_username: str, admin_password: str, admin_name: str = "",
                grades: Iterable[int] = range(1, 7), subjects: Iterable[str] = STANDARD_SUBJECTS) -> SchoolInitResult:
    """Set up the school in one transaction; SetupError (nothing written) on bad input or an existing school."""
    grades, subjects = sorted(set(grades)), list(dict.fromkeys(subjects))
    with transaction.atomic():
        existing = School.objects.first()
        if existing is not None:
            raise SetupError({"": [f"学校已经初始化（{existing.name}，代码 {existing.code}），不能重复初始化"]})
        errors = _validate(school_name=school_name, school_code=school_code, term_name=term_name,
                           start_date=start_date, end_date=end_date, admin_username=admin_username,
                           admin_password=admin_password, grades=grades, subjects=subjects)
        if errors:
            raise SetupError(errors)
        school = School.objects.create(name=school_name.strip(), code=school_code.strip())
        term = Term.objects.create(school=school, name=term_name.strip(), start_date=start_date, end_date=end_date)
        grade_rows = [Grade.objects.create(school=school, level=level) for level in grades]
        subject_rows = [Subject.objects.get_or_create(code=code, defaults={"name": SUBJECT_NAMES[code]})[0]
                        for code in subjects]
        abilities = sum(len(ensure_abilities(subject)) for subject in subject_rows)
        kps: dict[str, int] = {}
        for subject in subject_rows:
            if subject.code in KP_OUTLINES:
                load_kp_tree(subject=subject, path=KP_OUTLINES[subject.code])
                kps[subject.name] = KnowledgePoint.objects.filter(subject=subject, is_unit=False).count()
        user = get_user_model().objects.create_user(
            username=admin_username.strip(), password=admin_password, is_staff=True, is_superuser=True
        )
        staff = Staff.objects.create(user=user, school=school, name=admin_name.strip() or admin_username.strip())
        StaffRole.objects.create(staff=staff, term=term, role=Role.ADMIN)
    return SchoolInitResult(school=school, term=term, admin=user, grades=grade_rows, subjects=subject_rows, kps=kps,
                            abilities=abilities)


def suggested_term(today: datetime.date | None = None) -> tuple[str, datetime.date, datetime.date]:
    """The usual name and dates of the term around `today` (第一学期 9月-1月, 第二学期 2月-7月)."""
    today = today or datetime.date.today()
    if today.month >= 8:
        year = today.year
        return (f"{year}-{year + 1}学年第一学期", datetime.date(year, 9, 1), datetime.date(year + 1, 1, 31))
    if today.month == 1:
        year = today.year - 1
        return (f"{year}-{year + 1}学年第一学期", datetime.date(year, 9, 1), datetime.date(year + 1, 1, 31))
    year = today.year - 1
    return (f"{year}-{year + 1}学年第二学期", datetime.date(year + 1, 2, 15), datetime.date(year + 1, 7, 15))


def school_guard() -> str | None:
    """For CLI commands that need a school: migrate a database that is behind, then the Chinese one-line
    instruction when there is no school (or the database cannot be opened); None when ready."""
    from django.core.management import call_command
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            call_command("migrate", interactive=False, verbosity=0)
        if not School.objects.exists():
            return NO_SCHOOL_MESSAGE
        if not Term.objects.exists():
            return "学校还没有学期，请在后台管理（/admin/）中添加学期后再试"
    except DatabaseError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"无法打开数据库（{first}），请检查 DATABASE_URL 或 YINCAI_VAR_DIR 设置"
    return None
