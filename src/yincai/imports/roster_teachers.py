"""The teachers' sheet of a roster: one row per teacher (任教班级 like "三(1)(2)班 数学；四(3)班班主任") or one row
per role (角色 + 年级/班级/学科, the older template). Both may be mixed in one sheet.

A missing 用户名 is filled by a fixed rule, shown in the preview: the username the school already gave a teacher
with that phone (or, without a phone, the only teacher of that name), else "t" + the mobile number
(t13912345678). The rule needs no pinyin and gives the same name on every re-import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model

from yincai.accounts.roles import Role
from yincai.imports.common import (
    CN_DIGITS,
    Collector,
    cell,
    cn_number,
    header_key,
    is_blank_row,
    parse_class_name,
)
from yincai.imports.parsing import Cell, Sheet, norm_text, squeeze, text_of
from yincai.school.models import GRADE_NAMES, SchoolClass, Staff, StaffRole, Subject

if TYPE_CHECKING:
    from yincai.imports.roster import RosterPlan

TEACHER_COLS = {
    "name": {"姓名", "教师姓名"},
    "username": {"用户名", "登录名", "账号"},
    "phone": {"电话", "手机", "手机号", "手机号码", "联系电话", "联系方式"},
    "role": {"角色", "职务", "任职"},
    "grade": {"年级"},
    "klass": {"班级", "班号"},
    "subject": {"学科", "任教学科", "科目", "任教科目", "任课学科"},
    "assign": {"任教班级", "任教", "任课班级", "所教班级", "任教情况", "任课情况", "任教班级及学科", "任教年级班级", "任课"},
}
ROLES = {"校长/教导处": Role.ADMIN, "校长": Role.ADMIN, "教导处": Role.ADMIN, "教导主任": Role.ADMIN,
         "管理员": Role.ADMIN, "年级组长": Role.GRADE_LEAD, "班主任": Role.HEAD_TEACHER, "科任教师": Role.SUBJECT_TEACHER,
         "任课教师": Role.SUBJECT_TEACHER, "教师": Role.SUBJECT_TEACHER, "任课老师": Role.SUBJECT_TEACHER,
         "导师": Role.MENTOR, "帮扶教师": Role.MENTOR, "心理教师": Role.COUNSELOR}
SUBJECT_ALIASES = {"道法": "道德与法治", "思品": "道德与法治", "品德": "道德与法治", "信息": "信息科技",
                   "信息技术": "信息科技", "体育": "体育与健康"}
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
MOBILE = re.compile(r"^1\d{10}$")
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")

_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_GRADE_LEAD = re.compile(r"^([一二三四五六1-6])(?:年级)?(?:年级|级)?组长$")
_SEGMENT = re.compile(
    rf"^([一二三四五六1-6])(?:年级|年)?[.\-]?((?:\({_NUM}(?:[、,/]{_NUM})*\))+|{_NUM}(?:[、,/和及~\-]{_NUM})*)班?(.*)$"
)
_SUBJECT_FIRST = re.compile(r"^([^\d一二三四五六()]+?)[:：]?([一二三四五六1-6](?:年级|年|\(|[.\-]?\d).*)$")
_SPLIT = re.compile(r"[;；\n]+|[,，、\s]+(?=[一二三四五六1-6](?:年级|年|\(|[.\-]\d))")


@dataclass
class TeacherRow:
    row: int
    name: str
    username: str
    phone: str
    role: Role
    grade: int | None  # grade lead's grade
    klass: tuple[int, int] | None  # (grade level, class number) of a head/subject teacher
    subject_id: int | None


@dataclass(frozen=True)
class Duty:
    """One role a 任教班级 cell names: (role, grade lead's grade, class, subject text)."""

    role: Role
    grade: int | None
    klass: tuple[int, int] | None
    subject: str


def _numbers(text: str) -> list[int]:
    """'(1)(2)' → [1, 2]; '1、2' → [1, 2]; '1-3' → [1, 2, 3]; '一、二' → [1, 2]."""
    out: list[int] = []
    tokens = re.findall(rf"{_NUM}|[~\-]", text)
    k = 0
    while k < len(tokens):
        n = cn_number(tokens[k])
        if n is None:
            k += 1
            continue
        if k + 2 < len(tokens) and tokens[k + 1] in "~-":
            end = cn_number(tokens[k + 2]) or n
            out.extend(range(n, end + 1) if n <= end <= 99 else [n])
            k += 3
            continue
        out.append(n)
        k += 1
    return out


def parse_duties(text: str, default_subject: str = "", *, bare_head: bool = False) -> list[Duty] | str:
    """A 任教班级 cell → duties, or a Chinese explanation of what could not be read.

    Classes named without a subject take `default_subject` (the 学科 column) or, with `bare_head` (the row's 角色
    is 班主任), make the teacher their head teacher.
    """
    duties: list[Duty] = []
    pending: list[tuple[int, int]] = []
    last_subjects: list[str] = []
    prefix = ""  # "语文 三(1)班": the subject written before the classes, in a segment of its own
    for raw in _SPLIT.split(norm_text(text)):
        seg = prefix + squeeze(raw).strip("、,:：")
        prefix = ""
        if not seg:
            continue
        if re.fullmatch(r"[^\d()一二三四五六]+", seg):
            prefix = seg
            continue
        first = _SUBJECT_FIRST.match(seg)
        if first:  # 数学：三(1)(2)班 → 三(1)(2)班数学
            seg = first.group(2) + first.group(1)
        m = _GRADE_LEAD.match(seg)
        if m:
            duties.append(Duty(Role.GRADE_LEAD, CN_DIGITS.get(m.group(1)) or int(m.group(1)), None, ""))
            continue
        m = _SEGMENT.match(seg)
        if not m:
            return f"无法识别任教班级「{seg}」（示例：三(1)(2)班 数学；三年级1、2班 语文；四(3)班班主任；三年级组长）"
        level = CN_DIGITS.get(m.group(1)) or int(m.group(1))
        classes = [(level, n) for n in _numbers(m.group(2))]
        if not classes or any(not 1 <= n <= 99 for _, n in classes):
            return f"任教班级「{seg}」中的班号无法识别"
        rest = m.group(3)
        head = "班主任" in rest and "副班主任" not in rest
        rest = re.sub(r"副?班主任|老师|教师|任课|^[兼任教]", "", rest)
        subjects = [s for s in re.split(r"[、/,+&和及兼]", rest) if s]
        if head:
            duties.extend(Duty(Role.HEAD_TEACHER, None, c, "") for c in classes)
        if subjects:
            duties.extend(Duty(Role.SUBJECT_TEACHER, None, c, s) for c in pending + classes for s in subjects)
            pending, last_subjects = [], subjects
        elif not head:
            pending.extend(classes)
    if prefix:
        return f"无法识别任教班级「{prefix}」（示例：三(1)(2)班 数学；三年级1、2班 语文；四(3)班班主任；三年级组长）"
    if pending and last_subjects and not default_subject:  # 数学：三(1)班、三(2)班
        duties.extend(Duty(Role.SUBJECT_TEACHER, None, c, s) for c in pending for s in last_subjects)
    elif pending and bare_head and not default_subject:
        duties.extend(Duty(Role.HEAD_TEACHER, None, c, "") for c in pending)
    elif pending:
        if not default_subject:
            names = "、".join(f"{GRADE_NAMES[lv]}({n})班" for lv, n in pending)
            return f"任教班级中 {names} 没有写学科（示例：三(1)(2)班 数学），也没有「学科」列"
        duties.extend(Duty(Role.SUBJECT_TEACHER, None, c, default_subject) for c in pending)
    return duties


def find_teacher_header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """The teachers' header (角色 or 任教班级 among the first 15 rows) — never a students' sheet (学号)."""
    for r, row in enumerate(sheet.rows[:15]):
        keys = [header_key(c) for c in row]
        found: dict[str, int] = {}
        for c, key in enumerate(keys):
            for name, words in TEACHER_COLS.items():
                if key in words and name not in found:
                    found[name] = c
        if ({"role", "assign"} & set(found)) and "name" in found and not ({"学号", "学生学号"} & set(keys)):
            return r, found
    return None


class _Subjects:
    def __init__(self) -> None:
        rows = list(Subject.objects.values_list("pk", "name", "code"))
        self.by_name = {squeeze(name): pk for pk, name, _ in rows} | {code: pk for pk, _, code in rows}
        self.names = [name for _, name, _ in rows]

    def get(self, text: str) -> int | None:
        return self.by_name.get(text) or self.by_name.get(SUBJECT_ALIASES.get(text, ""))


def _username(out: Collector, row: list[Cell], n: int, cols: dict[str, int], name: str, phone: str, *,
              by_phone: dict[str, str], by_name: dict[str, list[str]], in_file: dict[str, str],
              generated: dict[str, str]) -> str | None:
    given = text_of(cell(row, cols.get("username")))
    if given:
        if not USERNAME.match(given):
            out.error(f"用户名「{given}」只能包含字母、数字和 @ . + - _", n, cols["username"])
            return None
        return given
    if phone and phone in by_phone:
        return by_phone[phone]
    if phone and MOBILE.match(phone):
        made = f"t{phone}"
        generated.setdefault(made, name)
        return made
    if name in in_file:
        return in_file[name]
    if len(by_name.get(name, [])) == 1:
        return by_name[name][0]
    out.error(f"{name} 没有用户名：请填写用户名，或填写手机号（用户名将为 t+手机号）", n, cols.get("username", cols["name"]))
    return None


def plan_teachers(plan: RosterPlan, out: Collector, sheet: Sheet, h: int, cols: dict[str, int], *,
                  school_id: int) -> None:
    out.sheet = sheet.name
    if "name" not in cols:
        out.error("缺少必填列「姓名」", h + 1)
        return
    subjects = _Subjects()
    staff = {u: (name, phone) for u, name, phone in Staff.objects.filter(school_id=school_id).values_list(
        "user__username", "name", "phone")}
    by_phone = {phone: u for u, (_, phone) in staff.items() if phone}
    by_name: dict[str, list[str]] = {}
    for u, (sname, _) in staff.items():
        by_name.setdefault(squeeze(sname), []).append(u)
    classes = set(SchoolClass.objects.filter(term=plan.term).values_list("grade__level", "number"))
    classes |= {(s.grade, s.number) for s in plan.students}
    existing_roles = {
        (u, role, glevel, (clevel, cnum) if cnum else None, subj)
        for u, role, glevel, clevel, cnum, subj in StaffRole.objects.filter(
            term=plan.term, staff__school_id=school_id).values_list(
            "staff__user__username", "role", "grade__level", "school_class__grade__level", "school_class__number",
            "subject_id")
    }
    names: dict[str, tuple[str, int]] = {}
    in_file: dict[str, str] = {}
    generated: dict[str, str] = {}
    roles_seen: set[tuple[str, str, int | None, tuple[int, int] | None, int | None]] = set()
    for r in range(h + 1, len(sheet.rows)):
        row, n = sheet.rows[r], r + 1
        if is_blank_row(row) or out.full:
            continue
        name = squeeze(text_of(cell(row, cols["name"])))
        if not name:
            out.error("姓名不能为空", n, cols["name"])
            continue
        phone = text_of(cell(row, cols.get("phone"))).replace(" ", "").replace("-", "") if "phone" in cols else ""
        if phone and not PHONE.match(phone):
            out.error(f"电话「{phone}」格式不正确（手机号为11位数字）", n, cols.get("phone"))
            continue
        username = _username(out, row, n, cols, name, phone, by_phone=by_phone, by_name=by_name, in_file=in_file,
                             generated=generated)
        if username is None:
            continue
        if username in names and names[username][0] != name:
            out.error(f"用户名 {username} 在第{names[username][1]}行属于「{names[username][0]}」，这里写的是「{name}」",
                      n, cols.get("username", cols["name"]))
            continue
        names.setdefault(username, (name, n))
        in_file.setdefault(name, username)
        duties = _row_duties(out, row, n, cols)
        if duties is None:
            continue
        for duty, legacy in duties:
            subject_id = subjects.get(duty.subject) if duty.subject else None
            if duty.subject and subject_id is None:
                out.error(f"未知学科「{duty.subject}」（可选：{'、'.join(subjects.names)}）", n,
                          cols.get("subject") if legacy else cols.get("assign"))
                break
            key = (username, str(duty.role), duty.grade, duty.klass, subject_id)
            if key in roles_seen:
                if legacy:
                    out.error(f"{name} 的这条任职重复", n, cols.get("role"))
                continue
            roles_seen.add(key)
            if duty.klass is not None and duty.klass not in classes:
                out.error(f"本学期没有 {GRADE_NAMES[duty.klass[0]]}({duty.klass[1]})班（请先在“学生”表中导入该班学生）", n,
                          cols.get("klass") if legacy else cols.get("assign"))
                break
            plan.teachers.append(TeacherRow(n, name[:50], username, phone, duty.role, duty.grade, duty.klass,
                                            subject_id))
            if key in existing_roles:
                plan.unchanged += 1
            else:
                plan.creates += 1
    user_model = get_user_model()
    taken = set(user_model.objects.filter(username__in=list(names)).exclude(
        username__in=list(staff)).values_list("username", flat=True))
    for username in sorted(taken):
        out.error(f"用户名 {username} 已被其他账号（非本校教师）占用，请换一个", names[username][1],
                  cols.get("username", cols["name"]))
    if generated:
        made = "、".join(f"{who}（{u}）" for u, who in generated.items() if u not in staff)
        if made:
            out.warn(f"未填用户名的教师将用「t+手机号」登录：{made}")
    for username, (name, _row) in names.items():
        old = staff.get(username)
        if old is None:
            plan.creates += 1
            continue
        phone = next((t.phone for t in plan.teachers if t.username == username and t.phone), old[1])
        for f, o, v in (("姓名", old[0], name), ("电话", old[1], phone)):
            if o != v:
                plan.changes.append(("教师", username, f, o, v, None))


def _grade(value: Cell) -> int | None:
    t = text_of(value).replace("年级", "")
    if t in CN_DIGITS:
        return CN_DIGITS[t]
    if t.isdigit() and 1 <= int(t) <= 6:
        return int(t)
    return None


def _row_duties(out: Collector, row: list[Cell], n: int, cols: dict[str, int]) -> list[tuple[Duty, bool]] | None:
    """The row's roles, each flagged legacy (角色 + 年级/班级/学科 columns) or not (from 任教班级)."""
    subject_text = squeeze(text_of(cell(row, cols.get("subject"))))
    assign = cell(row, cols.get("assign"))
    role_text = text_of(cell(row, cols.get("role")))
    duties: list[tuple[Duty, bool]] = []
    if assign is not None:
        got = parse_duties(str(assign) if isinstance(assign, str) else text_of(assign), subject_text,
                           bare_head=ROLES.get(role_text) == Role.HEAD_TEACHER)
        if isinstance(got, str):
            out.error(got, n, cols["assign"])
            return None
        duties = [(d, False) for d in got]
    if not role_text:
        if not duties:
            out.error("请填写任教班级（如 三(1)(2)班 数学）或角色", n, cols.get("assign", cols.get("role")))
            return None
        return duties
    role = ROLES.get(role_text)
    if role is None:
        out.error(f"角色「{role_text}」应为 校长/教导处、年级组长、班主任、科任教师、导师 或 心理教师", n, cols["role"])
        return None
    grade = _grade(cell(row, cols.get("grade"))) if cell(row, cols.get("grade")) is not None else None
    klass_cell = cell(row, cols.get("klass"))
    level, number = (None, None)
    if klass_cell is not None:
        t = text_of(klass_cell)
        level, number = (None, int(t)) if t.isdigit() and len(t) <= 2 else parse_class_name(t)
    grade = grade or level
    if duties and number is None and role in (Role.SUBJECT_TEACHER, Role.HEAD_TEACHER):
        if role == Role.SUBJECT_TEACHER:
            return duties  # 任教班级 already says which classes and subjects
        taught = sorted({d.klass for d, _ in duties if d.klass})
        if any(d.role == Role.HEAD_TEACHER for d, _ in duties):
            return duties
        if len(taught) != 1:
            out.error("任教了几个班的班主任：请在任教班级中写明是哪个班的班主任（如 四(3)班班主任）", n, cols["role"])
            return None
        return duties + [(Duty(Role.HEAD_TEACHER, None, taught[0], ""), False)]
    need = {Role.GRADE_LEAD: ("年级",), Role.HEAD_TEACHER: ("年级", "班级"),
            Role.SUBJECT_TEACHER: ("年级", "班级", "学科")}.get(role, ())
    have: dict[str, Any] = {"年级": grade, "班级": number, "学科": subject_text or None}
    lacking = [k for k in need if have[k] is None]
    if lacking:
        out.error(f"{role.label}需要填写{'、'.join(lacking)}", n, cols["role"])
        return None
    duty = Duty(role, grade if role == Role.GRADE_LEAD else None,
                (grade, number) if role in (Role.HEAD_TEACHER, Role.SUBJECT_TEACHER) and grade and number else None,
                subject_text if role == Role.SUBJECT_TEACHER else "")
    return duties + [(duty, True)]
