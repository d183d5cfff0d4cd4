"""Roster import: students (学号, class of the term), guardians (relation, phone) and teachers (roles per term).

Sheets are recognised by their headers (学生 / 监护人 / 教师, or a single CSV of any one of them). Existing
rows are matched by 学号 (students), by phone or name per child (guardians) and by 用户名 (teachers), so a
re-import updates only what changed; every changed field is kept in the batch's history.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from yincai.accounts.roles import Role
from yincai.imports.common import Collector, Problem, cell, find_header, is_blank_row
from yincai.imports.models import ImportBatch, ImportChange
from yincai.imports.parsing import Cell, ImportFileError, Sheet, read_workbook, squeeze, text_of
from yincai.imports.scores import CN_DIGITS, parse_class_name
from yincai.school.models import (
    GRADE_NAMES,
    Enrolment,
    Grade,
    Guardian,
    GuardianLink,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    Subject,
    Term,
)

STUDENT_COLS = {
    "no": {"学号", "学生学号", "学籍号"},
    "name": {"姓名", "学生姓名"},
    "gender": {"性别"},
    "grade": {"年级"},
    "klass": {"班级", "班号", "班别"},
    "birth": {"出生日期", "生日", "出生年月日"},
}
GUARDIAN_COLS = {
    "no": {"学生学号", "学号"},
    "name": {"监护人姓名", "家长姓名", "监护人"},
    "relation": {"关系", "与学生关系", "监护关系"},
    "phone": {"电话", "手机", "手机号", "联系电话"},
    "primary": {"主要联系人", "是否主要联系人"},
}
TEACHER_COLS = {
    "name": {"姓名", "教师姓名"},
    "username": {"用户名", "登录名", "账号"},
    "phone": {"电话", "手机", "手机号"},
    "role": {"角色", "职务", "任职"},
    "grade": {"年级"},
    "klass": {"班级", "班号"},
    "subject": {"学科", "任教学科", "科目"},
}
GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
RELATIONS = {"父亲": "father", "爸爸": "father", "父": "father", "母亲": "mother", "妈妈": "mother", "母": "mother",
             "祖父母": "grandparent", "外祖父母": "grandparent", "爷爷": "grandparent", "奶奶": "grandparent",
             "外公": "grandparent", "外婆": "grandparent", "祖父母/外祖父母": "grandparent", "其他": "other",
             "其他监护人": "other"}
ROLES = {"校长/教导处": Role.ADMIN, "校长": Role.ADMIN, "教导处": Role.ADMIN, "教导主任": Role.ADMIN,
         "管理员": Role.ADMIN, "年级组长": Role.GRADE_LEAD, "班主任": Role.HEAD_TEACHER, "科任教师": Role.SUBJECT_TEACHER,
         "任课教师": Role.SUBJECT_TEACHER, "导师": Role.MENTOR, "帮扶教师": Role.MENTOR, "心理教师": Role.COUNSELOR}
YES = {"是", "y", "yes", "1", "true", "√", "主要"}
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")


@dataclass
class StudentRow:
    row: int
    no: str
    name: str
    gender: str
    grade: int
    number: int
    birth: datetime.date | None
    existing: Student | None = None


@dataclass
class GuardianRow:
    row: int
    student_no: str
    name: str
    relation: str
    phone: str
    primary: bool


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


@dataclass
class RosterPlan:
    term: Term
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    students: list[StudentRow] = field(default_factory=list)
    guardians: list[GuardianRow] = field(default_factory=list)
    teachers: list[TeacherRow] = field(default_factory=list)
    creates: int = 0
    unchanged: int = 0
    changes: list[tuple[str, str, str, str, str, int | None]] = field(default_factory=list)  # model, id, field, old, new, sid
    new_classes: set[tuple[int, int]] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, Any]:
        return {
            "students": len(self.students),
            "guardians": len(self.guardians),
            "staff": len({t.username for t in self.teachers}),
            "classes": len(self.new_classes),
            "creates": self.creates,
            "updates": len(self.changes),
            "unchanged": self.unchanged,
            "changes": [{"item": f"{m}#{i}", "field": f, "old": o, "new": n} for m, i, f, o, n, _ in self.changes[:200]],
        }


def _grade(value: Cell) -> int | None:
    t = text_of(value).replace("年级", "")
    if t in CN_DIGITS:
        return CN_DIGITS[t]
    if t.isdigit() and 1 <= int(t) <= 6:
        return int(t)
    return None


def _class(value: Cell) -> tuple[int | None, int | None]:
    t = text_of(value)
    if t.isdigit():
        return None, int(t)
    return parse_class_name(t)


def _date(value: Cell) -> datetime.date | None | str:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    t = text_of(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    return f"无法识别日期「{t}」（示例：2017-09-01）"


def _sheets_by_kind(sheets: list[Sheet], out: Collector) -> dict[str, tuple[Sheet, int, dict[str, int]]]:
    found: dict[str, tuple[Sheet, int, dict[str, int]]] = {}
    for sheet in sheets:
        if squeeze(sheet.name) in {"说明", "填写说明", "_选项"}:
            continue
        for kind, cols, anchors in (("teachers", TEACHER_COLS, {"role"}),
                                    ("guardians", GUARDIAN_COLS, {"relation"}),
                                    ("students", STUDENT_COLS, {"no", "name"})):
            hit = find_header(sheet, cols, anchors)
            if hit and anchors <= set(hit[1]) and kind not in found:
                found[kind] = (sheet, hit[0], hit[1])
                break
    if not found:
        out.error("没有找到花名册工作表：需要「学生」（学号、姓名、性别、年级、班级）、「监护人」（学生学号、监护人姓名、关系）"
                  "或「教师」（姓名、用户名、角色）表头，请使用花名册模板")
    return found


def _require(out: Collector, cols: dict[str, int], names: dict[str, str], header_row: int) -> bool:
    missing = [label for key, label in names.items() if key not in cols]
    for label in missing:
        out.error(f"缺少必填列「{label}」", header_row)
    return not missing


def plan_roster(*, user: Any, term: Term, content: bytes, file_name: str) -> RosterPlan:
    plan = RosterPlan(term)
    out = Collector()
    try:
        sheets = read_workbook(content, file_name)
    except ImportFileError as exc:
        plan.problems.append(Problem(str(exc)))
        return plan
    found = _sheets_by_kind(sheets, out)
    school = term.school
    if "students" in found:
        _plan_students(plan, out, *found["students"], school_id=school.pk)
    file_nos = {s.no for s in plan.students}
    if "guardians" in found:
        _plan_guardians(plan, out, *found["guardians"], school_id=school.pk, file_nos=file_nos)
    if "teachers" in found:
        _plan_teachers(plan, out, *found["teachers"], school_id=school.pk)
    if found and not (plan.students or plan.guardians or plan.teachers) and not out.problems:
        out.error("花名册中没有任何数据行")
    plan.problems, plan.warnings = out.problems, out.warnings
    return plan


def _plan_students(plan: RosterPlan, out: Collector, sheet: Sheet, h: int, cols: dict[str, int], *,
                   school_id: int) -> None:
    out.sheet = sheet.name
    if not _require(out, cols, {"no": "学号", "name": "姓名", "gender": "性别", "grade": "年级", "klass": "班级"}, h + 1):
        return
    existing = {s.student_no: s for s in Student.objects.filter(school_id=school_id)}
    current = dict(Enrolment.objects.filter(term=plan.term).values_list(
        "student_id", "school_class__grade__level")), dict(Enrolment.objects.filter(term=plan.term).values_list(
            "student_id", "school_class__number"))
    classes = set(SchoolClass.objects.filter(term=plan.term).values_list("grade__level", "number"))
    seen: dict[str, int] = {}
    for r in range(h + 1, len(sheet.rows)):
        row, n = sheet.rows[r], r + 1
        if is_blank_row(row) or out.full:
            continue
        no = text_of(cell(row, cols["no"]))
        name = squeeze(text_of(cell(row, cols["name"])))
        if not no or not name:
            out.error("学号和姓名不能为空", n, cols["no"] if not no else cols["name"])
            continue
        if len(no) > 30 or len(name) > 50:
            out.error("学号（最多30字）或姓名（最多50字）过长", n, cols["no"])
            continue
        if no in seen:
            out.error(f"学号 {no} 重复（第{seen[no]}行已有）", n, cols["no"])
            continue
        seen[no] = n
        gender = GENDERS.get(text_of(cell(row, cols["gender"])).lower())
        if gender is None:
            out.error(f"性别「{text_of(cell(row, cols['gender']))}」应为 男 或 女", n, cols["gender"])
            continue
        grade = _grade(cell(row, cols["grade"]))
        if grade is None:
            out.error(f"年级「{text_of(cell(row, cols['grade']))}」应为 一年级~六年级 或 1~6", n, cols["grade"])
            continue
        level, number = _class(cell(row, cols["klass"]))
        if number is None or not 1 <= number <= 99:
            out.error(f"班级「{text_of(cell(row, cols['klass']))}」应为班号（如 1）或 三年级(1)班", n, cols["klass"])
            continue
        if level is not None and level != grade:
            out.error(f"班级「{text_of(cell(row, cols['klass']))}」与年级「{GRADE_NAMES[grade]}」不一致", n, cols["klass"])
            continue
        birth = _date(cell(row, cols["birth"])) if "birth" in cols else None
        if isinstance(birth, str):
            out.error(birth, n, cols["birth"])
            continue
        s = existing.get(no)
        plan.students.append(StudentRow(n, no, name, gender, grade, number, birth, s))
        if (grade, number) not in classes:
            plan.new_classes.add((grade, number))
        if s is None:
            plan.creates += 2  # the student and the enrolment
            continue
        diffs = [("姓名", s.name, name), ("性别", s.get_gender_display(), "男" if gender == "M" else "女")]
        if birth is not None:
            diffs.append(("出生日期", str(s.birth_date or ""), str(birth or "")))
        old_class = (current[0].get(s.pk), current[1].get(s.pk))
        diffs.append(("班级", f"{GRADE_NAMES.get(old_class[0] or 0, '')}({old_class[1]})班" if old_class[0] else "",
                      f"{GRADE_NAMES[grade]}({number})班"))
        changed = [(f, o, v) for f, o, v in diffs if o != v]
        for f, o, v in changed:
            plan.changes.append(("学生", no, f, o, v, s.pk))
        if not changed:
            plan.unchanged += 1


def _plan_guardians(plan: RosterPlan, out: Collector, sheet: Sheet, h: int, cols: dict[str, int], *,
                    school_id: int, file_nos: set[str]) -> None:
    out.sheet = sheet.name
    if not _require(out, cols, {"no": "学生学号", "name": "监护人姓名", "relation": "关系"}, h + 1):
        return
    db_nos = set(Student.objects.filter(school_id=school_id).values_list("student_no", flat=True))
    links = {
        (no, squeeze(gname)): (rel, phone, primary)
        for no, gname, rel, phone, primary in GuardianLink.objects.filter(student__school_id=school_id).values_list(
            "student__student_no", "guardian__name", "relation", "guardian__phone", "is_primary")
    }
    relation_label = dict(GuardianLink.RELATION_CHOICES)
    seen: set[tuple[str, str]] = set()
    for r in range(h + 1, len(sheet.rows)):
        row, n = sheet.rows[r], r + 1
        if is_blank_row(row) or out.full:
            continue
        no = text_of(cell(row, cols["no"]))
        name = squeeze(text_of(cell(row, cols["name"])))
        if not no or not name:
            out.error("学生学号和监护人姓名不能为空", n, cols["no"] if not no else cols["name"])
            continue
        if no not in db_nos and no not in file_nos:
            out.error(f"学号 {no} 的学生不存在（请先在“学生”表中填写该学生）", n, cols["no"])
            continue
        relation = RELATIONS.get(text_of(cell(row, cols["relation"])))
        if relation is None:
            out.error(f"关系「{text_of(cell(row, cols['relation']))}」应为 父亲/母亲/祖父母/外祖父母/其他监护人", n,
                      cols["relation"])
            continue
        phone = text_of(cell(row, cols.get("phone"))).replace(" ", "")
        if phone and not PHONE.match(phone):
            out.error(f"电话「{phone}」格式不正确（手机号为11位数字）", n, cols.get("phone"))
            continue
        primary = text_of(cell(row, cols.get("primary"))).lower() in YES
        if (no, name) in seen:
            out.error(f"学生 {no} 的监护人「{name}」重复", n, cols["name"])
            continue
        seen.add((no, name))
        plan.guardians.append(GuardianRow(n, no, name[:50], relation, phone, primary))
        old = links.get((no, name))
        if old is None:
            plan.creates += 1
            continue
        diffs = [("关系", relation_label[old[0]], relation_label[relation]), ("主要联系人", "是" if old[2] else "否",
                                                                              "是" if primary else "否")]
        if phone:
            diffs.append(("电话", old[1], phone))
        changed = [(f, o, v) for f, o, v in diffs if o != v]
        for f, o, v in changed:
            plan.changes.append(("监护人", f"{no}-{name}", f, o, v, None))
        if not changed:
            plan.unchanged += 1


def _plan_teachers(plan: RosterPlan, out: Collector, sheet: Sheet, h: int, cols: dict[str, int], *,
                   school_id: int) -> None:
    out.sheet = sheet.name
    if not _require(out, cols, {"name": "姓名", "username": "用户名", "role": "角色"}, h + 1):
        return
    user_model = get_user_model()
    subjects = {squeeze(name): pk for pk, name in Subject.objects.values_list("pk", "name")}
    staff = {u: (name, phone, sid) for u, name, phone, sid in Staff.objects.filter(school_id=school_id).values_list(
        "user__username", "name", "phone", "school_id")}
    names: dict[str, tuple[str, int]] = {}
    roles_seen: set[tuple[str, str, int | None, tuple[int, int] | None, int | None]] = set()
    existing_roles = {
        (u, role, glevel, (clevel, cnum) if cnum else None, subj)
        for u, role, glevel, clevel, cnum, subj in StaffRole.objects.filter(
            term=plan.term, staff__school_id=school_id).values_list(
            "staff__user__username", "role", "grade__level", "school_class__grade__level", "school_class__number",
            "subject_id")
    }
    usernames: list[str] = []
    for r in range(h + 1, len(sheet.rows)):
        row, n = sheet.rows[r], r + 1
        if is_blank_row(row) or out.full:
            continue
        name = squeeze(text_of(cell(row, cols["name"])))
        username = text_of(cell(row, cols["username"]))
        if not name or not username:
            out.error("姓名和用户名不能为空", n, cols["name"] if not name else cols["username"])
            continue
        if not USERNAME.match(username):
            out.error(f"用户名「{username}」只能包含字母、数字和 @ . + - _", n, cols["username"])
            continue
        if username in names and names[username][0] != name:
            out.error(f"用户名 {username} 在第{names[username][1]}行属于「{names[username][0]}」，这里写的是「{name}」",
                      n, cols["username"])
            continue
        names.setdefault(username, (name, n))
        usernames.append(username)
        role_text = text_of(cell(row, cols["role"]))
        role = ROLES.get(role_text)
        if role is None:
            out.error(f"角色「{role_text}」应为 校长/教导处、年级组长、班主任、科任教师、导师 或 心理教师", n, cols["role"])
            continue
        grade = _grade(cell(row, cols.get("grade"))) if cell(row, cols.get("grade")) is not None else None
        level, number = _class(cell(row, cols.get("klass"))) if cell(row, cols.get("klass")) is not None else (None, None)
        grade = grade or level
        subject_text = squeeze(text_of(cell(row, cols.get("subject"))))
        subject_id = subjects.get(subject_text) if subject_text else None
        if subject_text and subject_id is None:
            out.error(f"未知学科「{subject_text}」（可选：{'、'.join(subjects)}）", n, cols.get("subject"))
            continue
        need = {Role.GRADE_LEAD: ("年级",), Role.HEAD_TEACHER: ("年级", "班级"),
                Role.SUBJECT_TEACHER: ("年级", "班级", "学科")}.get(role, ())
        have = {"年级": grade, "班级": number, "学科": subject_id}
        lacking = [k for k in need if have[k] is None]
        if lacking:
            out.error(f"{role.label}需要填写{'、'.join(lacking)}", n, cols["role"])
            continue
        scope_grade = grade if role == Role.GRADE_LEAD else None
        scope_class = (grade, number) if role in (Role.HEAD_TEACHER, Role.SUBJECT_TEACHER) and grade and number else None
        scope_subject = subject_id if role == Role.SUBJECT_TEACHER else None
        key = (username, str(role), scope_grade, scope_class, scope_subject)
        if key in roles_seen:
            out.error(f"{name} 的这条任职重复", n, cols["role"])
            continue
        roles_seen.add(key)
        if scope_class is not None:
            if not SchoolClass.objects.filter(term=plan.term, grade__level=scope_class[0], number=scope_class[1]).exists() \
                    and scope_class not in {(s.grade, s.number) for s in plan.students}:
                out.error(f"本学期没有 {GRADE_NAMES[scope_class[0]]}({scope_class[1]})班（请先在“学生”表中导入该班学生）", n,
                          cols.get("klass"))
                continue
        phone = text_of(cell(row, cols.get("phone"))).replace(" ", "")
        if phone and not PHONE.match(phone):
            out.error(f"电话「{phone}」格式不正确", n, cols.get("phone"))
            continue
        plan.teachers.append(TeacherRow(n, name[:50], username, phone, role, scope_grade, scope_class, scope_subject))
        plan.creates += key not in existing_roles
        if key in existing_roles:
            plan.unchanged += 1
    taken = set(user_model.objects.filter(username__in=usernames).exclude(
        username__in=list(staff)).values_list("username", flat=True))
    for t in plan.teachers:
        if t.username in taken:
            out.error(f"用户名 {t.username} 已被其他账号（非本校教师）占用，请换一个", t.row, cols["username"])
    for username, (name, _row) in names.items():
        old = staff.get(username)
        if old is None:
            plan.creates += 1
            continue
        phone = next((t.phone for t in plan.teachers if t.username == username and t.phone), old[1])
        for f, o, v in (("姓名", old[0], name), ("电话", old[1], phone)):
            if o != v:
                plan.changes.append(("教师", username, f, o, v, None))


def apply_roster(plan: RosterPlan, batch: ImportBatch) -> list[ImportChange]:
    term = plan.term
    school = term.school
    grades = {g.level: g for g in Grade.objects.filter(school=school)}
    for level in {s.grade for s in plan.students} | {t.grade for t in plan.teachers if t.grade}:
        if level not in grades:
            grades[level] = Grade.objects.create(school=school, level=level)
    classes = {(c.grade.level, c.number): c for c in SchoolClass.objects.filter(term=term).select_related("grade")}
    for level, number in sorted(plan.new_classes):
        if (level, number) not in classes:
            classes[level, number] = SchoolClass.objects.create(term=term, grade=grades[level], number=number)
    students: dict[str, Student] = {}
    for row in plan.students:
        s = row.existing
        if s is None:
            s = Student.objects.create(school=school, student_no=row.no, name=row.name, gender=row.gender,
                                       birth_date=row.birth)
        elif (s.name, s.gender, s.birth_date) != (row.name, row.gender, row.birth or s.birth_date):
            s.name, s.gender, s.birth_date = row.name, row.gender, row.birth or s.birth_date
            s.save(update_fields=["name", "gender", "birth_date"])
        students[row.no] = s
        klass = classes[row.grade, row.number]
        Enrolment.objects.update_or_create(student=s, term=term, defaults={"school_class": klass})
    by_no = {s.student_no: s for s in Student.objects.filter(school=school, student_no__in=[g.student_no for g in plan.guardians])}
    for g in plan.guardians:
        student = by_no[g.student_no]
        link = GuardianLink.objects.filter(student=student, guardian__name=g.name).select_related("guardian").first()
        if link is None:
            guardian = None
            if g.phone:
                guardian = Guardian.objects.filter(phone=g.phone, name=g.name, links__student__school=school).first()
            guardian = guardian or Guardian.objects.create(name=g.name, phone=g.phone)
            GuardianLink.objects.create(guardian=guardian, student=student, relation=g.relation, is_primary=g.primary)
            continue
        if (link.relation, link.is_primary) != (g.relation, g.primary):
            link.relation, link.is_primary = g.relation, g.primary
            link.save(update_fields=["relation", "is_primary"])
        if g.phone and link.guardian.phone != g.phone:
            link.guardian.phone = g.phone
            link.guardian.save(update_fields=["phone"])
    user_model = get_user_model()
    staff_by_user: dict[str, Staff] = {}
    for t in plan.teachers:
        st = staff_by_user.get(t.username) or Staff.objects.filter(user__username=t.username, school=school).first()
        if st is None:
            user = user_model(username=t.username)
            user.set_unusable_password()
            user.save()
            st = Staff.objects.create(user=user, school=school, name=t.name, phone=t.phone)
        elif (st.name, st.phone) != (t.name, t.phone or st.phone):
            st.name, st.phone = t.name, t.phone or st.phone
            st.save(update_fields=["name", "phone"])
        staff_by_user[t.username] = st
        StaffRole.objects.get_or_create(
            staff=st, term=term, role=t.role,
            grade=grades.get(t.grade) if t.grade else None,
            school_class=classes.get(t.klass) if t.klass else None,
            subject_id=t.subject_id,
        )
    return [ImportChange(batch=batch, model=f"花名册·{m}", object_id=i[:64], student_id=sid, field=f,
                         old_value=o[:200], new_value=n[:200]) for m, i, f, o, n, sid in plan.changes]
