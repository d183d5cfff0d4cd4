"""Roster import: students (学号, class of the term), guardians (relation, phone) and teachers (roles per term).

The roster a school office has: ONE sheet, a student per row, guardians side by side (家长姓名/关系/联系电话,
父亲姓名/父亲电话/母亲姓名/母亲电话, 监护人1…/监护人2…), often under a title row with merged header cells — see
roster_columns. The grade comes from the class name (四年级1班, 四(1), 4.1, 401); a 年级 column is optional. The
older template (three sheets 学生 / 监护人 / 教师) still imports. Several class sheets in one file are all read.

Existing rows are matched by 学号 (students), by name per child (guardian links) and by 用户名 (teachers), so a
re-import updates only what changed; every changed field is kept in the batch's history. One guardian is one
person across the file: the same phone and name on two children's rows (siblings) is one Guardian, one parent
login. 身份证号, 证件号, 家庭住址 … columns are never read; the batch keeps a copy of the file with them blanked.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from yincai.imports.common import (
    Collector,
    Problem,
    cell,
    find_header,
    header_key,
    is_blank_row,
    parse_class_name,
)
from yincai.imports.models import ImportBatch, ImportChange
from yincai.imports.parsing import Cell, ImportFileError, Sheet, read_workbook, squeeze, text_of
from yincai.imports.roster_columns import (
    PRIVATE_NOTE,
    RELATION_HINT,
    STUDENT_FIELDS,
    XUEJI,
    Layout,
    class_in_title,
    private_columns,
    read_layout,
    relation_of,
    without_private,
)
from yincai.imports.roster_teachers import TeacherRow, find_teacher_header, plan_teachers
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
)

__all__ = ["RosterPlan", "TeacherRow", "apply_roster", "plan_roster"]

GUARDIAN_COLS = {  # the older template's 监护人 sheet: one guardian link per row
    "no": {"学生学号", "学号"},
    "name": {"监护人姓名", "家长姓名", "监护人"},
    "relation": {"关系", "与学生关系", "监护关系"},
    "phone": {"电话", "手机", "手机号", "联系电话"},
    "primary": {"主要联系人", "是否主要联系人"},
}
GENDERS = {"男": "M", "女": "F", "男生": "M", "女生": "F", "男性": "M", "女性": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
YES = {"是", "y", "yes", "1", "true", "√", "主要"}
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
ID_LIKE = re.compile(r"^[a-z]?\d{17}[\dx]$", re.IGNORECASE)
EMPTY_WORDS = {"无", "/", "-", "--", "—", "不详", "暂无"}


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
    word: str  # the school's own word (外婆), '' when the roster gave none
    phone: str
    primary: bool


@dataclass
class RosterPlan:
    term: Any
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    students: list[StudentRow] = field(default_factory=list)
    guardians: list[GuardianRow] = field(default_factory=list)
    teachers: list[TeacherRow] = field(default_factory=list)
    creates: int = 0
    unchanged: int = 0
    changes: list[tuple[str, str, str, str, str, int | None]] = field(default_factory=list)  # model, id, field, old, new, sid
    new_classes: set[tuple[int, int]] = field(default_factory=set)
    stored_content: bytes | None = None  # what the batch keeps instead of the upload (private columns blanked)

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


@dataclass
class _Seen:
    """What the school has now and what earlier rows of the file said, shared by every student sheet."""

    students: dict[str, Student]
    levels: dict[int, int]
    numbers: dict[int, int]
    classes: set[tuple[int, int]]
    links: dict[tuple[str, str], tuple[str, str, str, bool]]
    nos: dict[str, str] = field(default_factory=dict)  # 学号 → where it was first seen
    pairs: set[tuple[str, str]] = field(default_factory=set)  # (学号, guardian name) already in the plan
    counts: dict[str, int] = field(default_factory=dict)  # forgiven oddities, warned once each


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
    if re.match(r"^(19|20)\d{2}(年|[.\-/])?\d{1,2}月?$", t):
        return None  # 出生年月 without a day: not a date, and not worth refusing the roster for
    return f"无法识别日期「{t}」（示例：2017-09-01）"


def _class(value: str) -> tuple[int | None, int | None]:
    if value.isdigit() and len(value) <= 2:
        return None, int(value)
    return parse_class_name(value)


def _grade(value: Cell) -> int | None:
    t = text_of(value).replace("年级", "")
    levels = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
    if t in levels:
        return levels[t]
    if t.isdigit() and 1 <= int(t) <= 6:
        return int(t)
    return None


def phone_of(value: Cell) -> tuple[str, str]:
    """(normalised phone, error): '138 0000 0000' → '13800000000'; '+86 138…' → '138…'; two numbers → the first."""
    raw = text_of(value)
    if not raw or raw in EMPTY_WORDS:
        return "", ""
    first = re.split(r"[/、,，;；]", raw)[0]
    phone = re.sub(r"[\s\-()]", "", first)
    phone = re.sub(r"^(\+?86)(?=1\d{10}$)", "", phone)
    if ID_LIKE.match(phone):
        return "", "电话列中填的是身份证号码，请改为电话号码（身份证号不会被保存）"
    if not PHONE.match(phone):
        return "", f"电话「{raw}」格式不正确（手机号为11位数字）"
    return phone, ""


def plan_roster(*, user: Any, term: Any, content: bytes, file_name: str) -> RosterPlan:
    plan = RosterPlan(term)
    out = Collector()
    try:
        sheets = read_workbook(content, file_name)
    except ImportFileError as exc:
        plan.problems.append(Problem(str(exc)))
        return plan
    students: list[tuple[Sheet, Layout]] = []
    guardians: list[tuple[Sheet, int, dict[str, int]]] = []
    teachers: list[tuple[Sheet, int, dict[str, int]]] = []
    others: list[tuple[Sheet, int]] = []  # sheets the roster does not read: scanned only for private headers
    for sheet in sheets:
        if squeeze(sheet.name) in {"说明", "填写说明", "_选项"}:
            continue
        hit = find_teacher_header(sheet)
        if hit:
            teachers.append((sheet, *hit))
            continue
        lay = read_layout(sheet)
        if lay is not None:
            students.append((sheet, lay))
            continue
        legacy = find_header(sheet, GUARDIAN_COLS, {"relation"})
        if legacy and "relation" in legacy[1]:
            guardians.append((sheet, *legacy))
        else:
            others += [(sheet, r) for r in range(min(15, len(sheet.rows)))]
    if not (students or guardians or teachers):
        out.error("没有找到花名册工作表：需要学生表头（学号、姓名、性别、班级，可带家长姓名、关系、联系电话等列），"
                  "或教师表头（姓名、任教班级或角色）；请参考花名册模板")
    school_id = term.school_id
    seen = _seen(term, school_id)
    for sheet, lay in students:
        _plan_students(plan, out, sheet, lay, seen)
    file_nos = {s.no for s in plan.students}
    for sheet, h, cols in guardians:
        _plan_guardians(plan, out, sheet, h, cols, seen, school_id=school_id, file_nos=file_nos)
    for sheet, h, cols in teachers:
        plan_teachers(plan, out, sheet, h, cols, school_id=school_id)
    if (students or guardians or teachers) and not (plan.students or plan.guardians or plan.teachers) \
            and not out.problems:
        out.error("花名册中没有任何数据行")
    out.sheet = ""
    _warn_forgiven(out, seen.counts)
    _warn_shared(plan, out)
    private = private_columns(students, [(s, h) for s, h, _ in guardians + teachers] + others)
    if private:
        labels = list(dict.fromkeys(label for cols in private.values() for _, _, label in cols))
        out.warn(f"已忽略：{'、'.join(labels)}{PRIVATE_NOTE}")
        kept = [s for s, _ in students] + [s for s, _, _ in guardians + teachers]
        plan.stored_content = without_private(kept, private)
    plan.problems, plan.warnings = out.problems, out.warnings
    return plan


def _seen(term: Any, school_id: int) -> _Seen:
    enrolled = list(Enrolment.objects.filter(term=term).values_list(
        "student_id", "school_class__grade__level", "school_class__number"))
    return _Seen(
        students={s.student_no: s for s in Student.objects.filter(school_id=school_id)},
        levels={sid: level for sid, level, _ in enrolled},
        numbers={sid: number for sid, _, number in enrolled},
        classes=set(SchoolClass.objects.filter(term=term).values_list("grade__level", "number")),
        links={
            (no, squeeze(gname)): (rel, word, phone, primary)
            for no, gname, rel, word, phone, primary in GuardianLink.objects.filter(
                student__school_id=school_id).values_list(
                "student__student_no", "guardian__name", "relation", "relation_word", "guardian__phone", "is_primary")
        },
    )


def _require(out: Collector, cols: dict[str, int], names: dict[str, str], header_row: int) -> bool:
    missing = [label for key, label in names.items() if key not in cols]
    for label in missing:
        out.error(f"缺少必填列「{label}」", header_row)
    return not missing


def _plan_students(plan: RosterPlan, out: Collector, sheet: Sheet, lay: Layout, seen: _Seen) -> None:
    out.sheet = sheet.name
    cols = lay.student
    title_class = "" if "klass" in cols else class_in_title(sheet, lay)
    need = {"no": "学号", "name": "姓名", "gender": "性别"} | ({} if title_class else {"klass": "班级"})
    if not _require(out, cols, need, lay.header_row + 1):
        return
    for note in lay.notes:
        out.warn(note, lay.header_row + 1)
    if lay.unknown:
        out.warn(f"未识别的列已忽略：{'、'.join(dict.fromkeys(lay.unknown))}", lay.header_row + 1)
    header_nos = STUDENT_FIELDS["no"] | XUEJI
    for r in range(lay.header_row + 1, len(sheet.rows)):
        row, n = sheet.rows[r], r + 1
        if is_blank_row(row) or out.full:
            continue
        no = text_of(cell(row, cols["no"]))
        name = squeeze(text_of(cell(row, cols["name"])))
        if header_key(no) in header_nos:
            continue  # the header repeated (classes stacked in one sheet)
        if not no and not name:
            seen.counts["no_student"] = seen.counts.get("no_student", 0) + 1
            continue
        if not no or not name:
            out.error("学号和姓名不能为空", n, cols["no"] if not no else cols["name"])
            continue
        if lay.no_from_xueji and ID_LIKE.match(no):
            out.error("学籍号含身份证号码，不能作为学号保存：请增加「学号」列（校内学号）", n, cols["no"])
            continue
        if len(no) > 30 or len(name) > 50:
            out.error("学号（最多30字）或姓名（最多50字）过长", n, cols["no"])
            continue
        if no in seen.nos:
            first_sheet, first_row = seen.nos[no].split("\0")
            where = f"第{first_row}行" if first_sheet == sheet.name else f"工作表「{first_sheet}」第{first_row}行"
            out.error(f"学号 {no} 重复（{where}已有）", n, cols["no"])
            continue
        seen.nos[no] = f"{sheet.name}\0{n}"
        student = _student_row(out, row, n, cols, title_class, no, name)
        if student is None:
            continue
        _add_student(plan, seen, student)
        _row_guardians(plan, out, row, n, lay, seen, no)


def _student_row(out: Collector, row: list[Cell], n: int, cols: dict[str, int], title_class: str, no: str,
                 name: str) -> StudentRow | None:
    gender_text = text_of(cell(row, cols["gender"]))
    gender = GENDERS.get(gender_text.lower())
    if gender is None:
        out.error(f"性别「{gender_text}」应为 男 或 女", n, cols["gender"])
        return None
    grade: int | None = None
    if cell(row, cols.get("grade")) is not None:
        grade = _grade(cell(row, cols["grade"]))
        if grade is None:
            out.error(f"年级「{text_of(cell(row, cols['grade']))}」应为 一年级~六年级 或 1~6", n, cols["grade"])
            return None
    klass_text = text_of(cell(row, cols["klass"])) if "klass" in cols else title_class
    kcol = cols.get("klass")
    if not klass_text:
        out.error("班级不能为空（示例：四年级1班、四(1)班）", n, kcol)
        return None
    level, number = _class(klass_text)
    if number is None or not 1 <= number <= 99:
        out.error(f"无法识别班级「{klass_text}」（示例：四年级1班、四年级(1)班、四(1)班、4.1、4-1、401）", n, kcol)
        return None
    if level is not None and grade is not None and level != grade:
        out.error(f"班级「{klass_text}」与年级「{GRADE_NAMES[grade]}」不一致", n, kcol)
        return None
    level = level or grade
    if level is None:
        out.error(f"班级「{klass_text}」没有写年级：请写成「四年级1班」或「四(1)班」，或增加「年级」列", n, kcol)
        return None
    birth = _date(cell(row, cols["birth"])) if "birth" in cols else None
    if isinstance(birth, str):
        out.error(birth, n, cols["birth"])
        return None
    return StudentRow(n, no, name, gender, level, number, birth)


def _add_student(plan: RosterPlan, seen: _Seen, row: StudentRow) -> None:
    s = row.existing = seen.students.get(row.no)
    plan.students.append(row)
    grade, number, birth = row.grade, row.number, row.birth
    if (grade, number) not in seen.classes:
        plan.new_classes.add((grade, number))
    if s is None:
        plan.creates += 2  # the student and the enrolment
        return
    diffs = [("姓名", s.name, row.name), ("性别", s.get_gender_display(), "男" if row.gender == "M" else "女")]
    if birth is not None:
        diffs.append(("出生日期", str(s.birth_date or ""), str(birth)))
    old_level, old_number = seen.levels.get(s.pk), seen.numbers.get(s.pk)
    diffs.append(("班级", f"{GRADE_NAMES.get(old_level or 0, '')}({old_number})班" if old_level else "",
                  f"{GRADE_NAMES[grade]}({number})班"))
    changed = [(f, o, v) for f, o, v in diffs if o != v]
    for f, o, v in changed:
        plan.changes.append(("学生", row.no, f, o, v, s.pk))
    if not changed:
        plan.unchanged += 1


def _row_guardians(plan: RosterPlan, out: Collector, row: list[Cell], n: int, lay: Layout, seen: _Seen,
                   no: str) -> None:
    family_phone, error = phone_of(cell(row, lay.family_phone))
    if error:
        out.error(error, n, lay.family_phone)
        return
    names: set[str] = set()
    for g in lay.guardians:
        gname = squeeze(text_of(cell(row, g.name)))
        rel_text = squeeze(text_of(cell(row, g.relation)))
        phone, error = phone_of(cell(row, g.phone))
        if error:
            out.error(error, n, g.phone)
            continue
        if not gname or gname in EMPTY_WORDS:
            if phone or (rel_text and rel_text not in EMPTY_WORDS):
                seen.counts["nameless"] = seen.counts.get("nameless", 0) + 1
            continue
        if len(gname) > 50:
            out.error(f"{g.label}姓名过长（最多50字）", n, g.name)
            continue
        if rel_text:
            relation, word = relation_of(rel_text), rel_text[:10]
            if relation is None:
                out.error(f"关系「{rel_text}」无法识别（可填：{RELATION_HINT}）", n, g.relation)
                continue
        elif g.implied:
            relation, word = relation_of(g.implied), g.implied
        else:
            relation, word = "other", ""
            seen.counts["no_relation"] = seen.counts.get("no_relation", 0) + 1
        if not phone and family_phone:
            phone, family_phone = family_phone, ""
        if gname in names or (no, gname) in seen.pairs:
            out.error(f"学生 {no} 的监护人「{gname}」重复", n, g.name)
            continue
        names.add(gname)
        seen.pairs.add((no, gname))
        relation = relation or "other"
        _add_guardian(plan, seen, GuardianRow(n, no, gname, relation, _word(relation, word), phone, len(names) == 1))


def _word(relation: str, word: str) -> str:
    """The school's word, kept only when it says more than the category: 外婆 is kept, 母亲 is the category."""
    return "" if word == dict(GuardianLink.RELATION_CHOICES).get(relation) else word[:10]


def _relation_label(relation: str, word: str) -> str:
    return word or dict(GuardianLink.RELATION_CHOICES).get(relation, relation)


def _add_guardian(plan: RosterPlan, seen: _Seen, g: GuardianRow) -> None:
    plan.guardians.append(g)
    old = seen.links.get((g.student_no, g.name))
    if old is None:
        plan.creates += 1
        return
    diffs = [("关系", _relation_label(old[0], old[1]), _relation_label(g.relation, g.word)),
             ("主要联系人", "是" if old[3] else "否", "是" if g.primary else "否")]
    if g.phone:
        diffs.append(("电话", old[2], g.phone))
    changed = [(f, o, v) for f, o, v in diffs if o != v]
    for f, o, v in changed:
        plan.changes.append(("监护人", f"{g.student_no}-{g.name}", f, o, v, None))
    if not changed:
        plan.unchanged += 1


def _plan_guardians(plan: RosterPlan, out: Collector, sheet: Sheet, h: int, cols: dict[str, int], seen: _Seen, *,
                    school_id: int, file_nos: set[str]) -> None:
    """The older template's 监护人 sheet: 学生学号, 监护人姓名, 关系, 电话, 主要联系人 — one link per row."""
    out.sheet = sheet.name
    if not _require(out, cols, {"no": "学生学号", "name": "监护人姓名", "relation": "关系"}, h + 1):
        return
    pairs = seen.pairs
    for r in range(h + 1, len(sheet.rows)):
        row, n = sheet.rows[r], r + 1
        if is_blank_row(row) or out.full:
            continue
        no = text_of(cell(row, cols["no"]))
        name = squeeze(text_of(cell(row, cols["name"])))
        if not no or not name:
            out.error("学生学号和监护人姓名不能为空", n, cols["no"] if not no else cols["name"])
            continue
        if no not in seen.students and no not in file_nos:
            out.error(f"学号 {no} 的学生不存在（请先在“学生”表中填写该学生）", n, cols["no"])
            continue
        word = squeeze(text_of(cell(row, cols["relation"])))
        relation = relation_of(word)
        if relation is None:
            out.error(f"关系「{word}」无法识别（可填：{RELATION_HINT}）", n, cols["relation"])
            continue
        phone, error = phone_of(cell(row, cols.get("phone")))
        if error:
            out.error(error, n, cols.get("phone"))
            continue
        if (no, name) in pairs:
            out.error(f"学生 {no} 的监护人「{name}」重复", n, cols["name"])
            continue
        pairs.add((no, name))
        primary = text_of(cell(row, cols.get("primary"))).lower() in YES
        _add_guardian(plan, seen, GuardianRow(n, no, name[:50], relation, _word(relation, word), phone, primary))


def _warn_forgiven(out: Collector, counts: dict[str, int]) -> None:
    if counts.get("no_student"):
        out.warn(f"跳过 {counts['no_student']} 行没有学号和姓名的行（如表尾的说明、签字行）")
    if counts.get("nameless"):
        out.warn(f"{counts['nameless']} 处家长信息没有姓名（只有电话或关系），未导入")
    if counts.get("no_relation"):
        out.warn(f"{counts['no_relation']} 位家长没有填写关系，记为「其他监护人」")


def _warn_shared(plan: RosterPlan, out: Collector) -> None:
    """Siblings share a guardian (same phone and name); the same phone under different names is pointed out."""
    children: dict[tuple[str, str], set[str]] = {}
    names: dict[str, dict[str, int]] = {}
    for g in plan.guardians:
        if g.phone:
            children.setdefault((g.phone, g.name), set()).add(g.student_no)
            names.setdefault(g.phone, {}).setdefault(g.name, g.row)
    shared = sum(1 for nos in children.values() if len(nos) > 1)
    if shared:
        out.warn(f"{shared} 位家长关联了多个孩子（电话和姓名相同视为同一人，共用一个家长账号）")
    for phone, by_name in names.items():
        if len(by_name) > 1:
            listed = "、".join(f"第{row}行「{name}」" for name, row in by_name.items())
            out.warn(f"电话 {phone} 对应不同的家长姓名：{listed}；按不同的家长导入（若是同一人，请统一姓名）")


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
    _apply_students(plan, school, classes)
    _apply_guardians(plan, school)
    _apply_teachers(plan, school, grades, classes)
    return [ImportChange(batch=batch, model=f"花名册·{m}", object_id=i[:64], student_id=sid, field=f,
                         old_value=o[:200], new_value=n[:200]) for m, i, f, o, n, sid in plan.changes]


def _apply_students(plan: RosterPlan, school: Any, classes: dict[tuple[int, int], SchoolClass]) -> None:
    """New students and enrolments in bulk (the batch's own audit entry covers them); changed ones one by one."""
    new = [Student(school=school, student_no=r.no, name=r.name, gender=r.gender, birth_date=r.birth)
           for r in plan.students if r.existing is None]
    created = {s.student_no: s for s in Student.objects.bulk_create(new, batch_size=500)}  # keys come back (SQLite, PG)
    enrolled = {e.student_id: e for e in Enrolment.objects.filter(term=plan.term, student__school=school)}
    fresh: list[Enrolment] = []
    for row in plan.students:
        s = row.existing or created[row.no]
        if row.existing is not None and (s.name, s.gender, s.birth_date) != (row.name, row.gender,
                                                                             row.birth or s.birth_date):
            s.name, s.gender, s.birth_date = row.name, row.gender, row.birth or s.birth_date
            s.save(update_fields=["name", "gender", "birth_date"])
        klass = classes[row.grade, row.number]
        e = enrolled.get(s.pk)
        if e is None:
            fresh.append(Enrolment(student=s, term=plan.term, school_class=klass))
        elif e.school_class_id != klass.pk:
            e.school_class = klass
            e.save(update_fields=["school_class"])
    Enrolment.objects.bulk_create(fresh, batch_size=500)


def _apply_guardians(plan: RosterPlan, school: Any) -> None:
    """One Guardian per (phone, name) across the file and the school — siblings share it — then the links."""
    nos = {g.student_no for g in plan.guardians}
    by_no = {s.student_no: s for s in Student.objects.filter(school=school, student_no__in=nos)}
    links = {(link.student_id, squeeze(link.guardian.name)): link for link in GuardianLink.objects.filter(
        student__school=school, student__student_no__in=nos).select_related("guardian")}
    phones = {g.phone for g in plan.guardians if g.phone}
    people: dict[tuple[str, str], Guardian] = {}  # (phone, name) → the one person, whichever child's row it is on
    for guardian in Guardian.objects.filter(phone__in=phones, links__student__school=school).order_by("pk"):
        people.setdefault((guardian.phone, squeeze(guardian.name)), guardian)
    for key, link in links.items():
        if link.guardian.phone:
            people.setdefault((link.guardian.phone, key[1]), link.guardian)
    wanted: list[tuple[GuardianRow, Guardian]] = []
    new_people: list[Guardian] = []
    for g in plan.guardians:
        link = links.get((by_no[g.student_no].pk, g.name))
        if link is not None:
            if (link.relation, link.relation_word, link.is_primary) != (g.relation, g.word, g.primary):
                link.relation, link.relation_word, link.is_primary = g.relation, g.word, g.primary
                link.save(update_fields=["relation", "relation_word", "is_primary"])
            if g.phone and link.guardian.phone != g.phone:
                link.guardian.phone = g.phone
                link.guardian.save(update_fields=["phone"])
            continue
        guardian = people.get((g.phone, g.name)) if g.phone else None
        if guardian is None:
            guardian = Guardian(name=g.name, phone=g.phone)
            new_people.append(guardian)
            if g.phone:
                people[g.phone, g.name] = guardian
        wanted.append((g, guardian))
    Guardian.objects.bulk_create(new_people, batch_size=500)
    GuardianLink.objects.bulk_create([
        GuardianLink(guardian=guardian, student=by_no[g.student_no], relation=g.relation, relation_word=g.word,
                     is_primary=g.primary) for g, guardian in wanted], batch_size=500)


def _apply_teachers(plan: RosterPlan, school: Any, grades: dict[int, Grade],
                    classes: dict[tuple[int, int], SchoolClass]) -> None:
    from django.contrib.auth import get_user_model

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
            staff=st, term=plan.term, role=t.role,
            grade=grades.get(t.grade) if t.grade else None,
            school_class=classes.get(t.klass) if t.klass else None,
            subject_id=t.subject_id,
        )
