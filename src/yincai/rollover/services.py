"""学年升级 (term rollover): move the school from one term to the next, atomically, never twice.

`plan_rollover` computes what would happen (every enrolled student's next class, the graduates, the
adjustments read from the admin's Excel) without writing; `apply_rollover` writes the plan in one
transaction: the new term, its classes, enrolments, carried-over staff roles (school-wide roles always,
teachers following their class — 跟班走 — by default, mentors optionally) and archives 六年级 graduates
(status 已毕业, login disabled, data kept). A term that already has a successor is refused: running the
rollover again changes nothing.

Autumn terms (starting July–December) open a new school year, so classes are promoted (三年级(2)班 →
四年级(2)班); a spring term keeps the grade (秋→春: classes copied). `promote` overrides the guess.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from yincai.accounts.roles import Role
from yincai.imports.common import Collector, Problem, cell, find_header, is_blank_row
from yincai.imports.exports import Table, to_xlsx
from yincai.imports.parsing import ImportFileError, read_workbook, squeeze, text_of
from yincai.imports.scores import parse_class_name
from yincai.oversight.services import audit_record
from yincai.school.models import (
    GRADE_NAMES,
    Enrolment,
    Grade,
    Guardian,
    MentorAssignment,
    SchoolClass,
    StaffRole,
    Student,
    Term,
)

TOP_GRADE = 6
GRADUATE_WORDS = {"毕业", "已毕业", "毕业生"}
SCHOOL_WIDE = (Role.ADMIN, Role.COUNSELOR)
CLASS_ROLES = (Role.HEAD_TEACHER, Role.SUBJECT_TEACHER)
ADJUST_HEADERS = {
    "student_no": {"学号", "学籍号"},
    "name": {"姓名", "学生姓名"},
    "old_class": {"原班级", "本学期班级"},
    "new_class": {"新班级", "升级后班级", "新学期班级"},
}

ClassKey = tuple[int, int]  # (grade level, class number)


class RolloverError(ValueError):
    """The rollover cannot run (already done, bad dates…); nothing was written."""


class RolloverRefused(RolloverError):
    """The adjustment file has problems; nothing was written. `problems` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = "；".join(str(p) for p in problems[:5])
        more = f"（另有 {len(problems) - 5} 个问题）" if len(problems) > 5 else ""
        super().__init__(f"分班调整表有 {len(problems)} 个问题，未做任何修改：{head}{more}")


def class_label(key: ClassKey | None) -> str:
    if key is None:
        return "毕业"
    return f"{GRADE_NAMES.get(key[0], f'{key[0]}年级')}({key[1]})班"


@dataclass(frozen=True)
class Placement:
    """Where one enrolled student goes: `to_key` None means the student graduates."""

    student_id: int
    student_no: str
    name: str
    from_key: ClassKey
    to_key: ClassKey | None
    adjusted: bool = False

    @property
    def from_class(self) -> str:
        return class_label(self.from_key)

    @property
    def to_class(self) -> str:
        return class_label(self.to_key)


@dataclass
class RolloverPlan:
    from_term: Term
    to_name: str
    start: datetime.date
    end: datetime.date
    promote: bool
    carry_teachers: bool
    carry_mentors: bool
    placements: list[Placement] = field(default_factory=list)

    @property
    def continuing(self) -> list[Placement]:
        return [p for p in self.placements if p.to_key is not None]

    @property
    def graduates(self) -> list[Placement]:
        return [p for p in self.placements if p.to_key is None]

    @property
    def adjusted(self) -> list[Placement]:
        return [p for p in self.placements if p.adjusted]

    def class_counts(self) -> list[tuple[str, int, str]]:
        """(new class, students, where they come from) per class of the new term, in school order."""
        counts = Counter(p.to_key for p in self.continuing)
        sources: dict[ClassKey, Counter[str]] = {}
        for p in self.continuing:
            sources.setdefault(p.to_key, Counter())[p.from_class] += 1  # type: ignore[arg-type]
        return [
            (class_label(k), counts[k], "、".join(f"{c} {n}人" for c, n in sorted(sources[k].items())))
            for k in sorted(counts)
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "from_term": self.from_term.name, "to_term": self.to_name, "promote": self.promote,
            "students": len(self.continuing), "graduates": len(self.graduates), "adjusted": len(self.adjusted),
            "classes": len({p.to_key for p in self.continuing}),
        }


@dataclass(frozen=True)
class RolloverResult:
    term: Term
    classes: int
    enrolments: int
    graduates: int
    staff_roles: int
    mentor_assignments: int


# ------------------------------------------------------------------------------------------------ plan


def _successor(term: Term) -> Term | None:
    return Term.objects.filter(school=term.school, start_date__gt=term.start_date).order_by("start_date").first()


def _check_can_roll(*, from_term: Term, to_name: str, start: datetime.date, end: datetime.date) -> None:
    successor = _successor(from_term)
    if successor is not None:
        raise RolloverError(f"「{from_term.name}」已升级到「{successor.name}」，学年升级不会重复执行（未做任何修改）")
    if not to_name.strip():
        raise RolloverError("请填写新学期名称，例如 2027-2028学年第一学期")
    if Term.objects.filter(school=from_term.school, name=to_name.strip()).exists():
        raise RolloverError(f"学期「{to_name.strip()}」已存在，学年升级不会重复执行（未做任何修改）")
    if end <= start:
        raise RolloverError("新学期的结束日期必须晚于开始日期")
    if start <= from_term.end_date:
        raise RolloverError(f"新学期的开始日期必须晚于「{from_term.name}」的结束日期（{from_term.end_date:%Y-%m-%d}）")


def starts_school_year(start: datetime.date) -> bool:
    """An autumn term (starting July–December) opens a new school year: classes move up a grade."""
    return start.month >= 7


def plan_rollover(
    *, to_name: str, start: datetime.date, end: datetime.date, from_term: Term | None = None,
    promote: bool | None = None, carry_teachers: bool = True, carry_mentors: bool = False,
    adjustments: dict[str, ClassKey | None] | None = None,
) -> RolloverPlan:
    """What the rollover from `from_term` (default: the current term) would do; writes nothing."""
    from_term = from_term or Term.current()
    if from_term is None:
        raise RolloverError("数据库中还没有学期：请先运行 yincai init 建立学校和当前学期")
    _check_can_roll(from_term=from_term, to_name=to_name, start=start, end=end)
    promote = starts_school_year(start) if promote is None else promote
    plan = RolloverPlan(from_term=from_term, to_name=to_name.strip(), start=start, end=end, promote=promote,
                        carry_teachers=carry_teachers, carry_mentors=carry_mentors)
    adjustments = adjustments or {}
    rows = (Enrolment.objects.filter(term=from_term, student__status=Student.ACTIVE)
            .order_by("school_class__grade__level", "school_class__number", "student__student_no")
            .values_list("student_id", "student__student_no", "student__name", "school_class__grade__level",
                         "school_class__number"))
    for student_id, no, name, level, number in rows:
        default: ClassKey | None = (level, number)
        if promote:
            default = (level + 1, number) if level < TOP_GRADE else None
        target = adjustments.get(no, default)
        plan.placements.append(Placement(student_id, no, name, (level, number), target, target != default))
    return plan


def parse_adjustment(*, plan: RolloverPlan, content: bytes, file_name: str) -> dict[str, ClassKey | None]:
    """The 新班级 of each student in the admin's edited planned list; raises RolloverRefused on any problem."""
    out = Collector()
    try:
        sheets = read_workbook(content, file_name)
    except ImportFileError as exc:
        raise RolloverRefused([Problem(str(exc))]) from exc
    found = None
    for sheet in sheets:
        header = find_header(sheet, ADJUST_HEADERS, {"student_no"})
        if header and "new_class" in header[1]:
            found = sheet, *header
            break
    if found is None:
        raise RolloverRefused([Problem("没有找到含「学号」和「新班级」两列的工作表：请使用下载的分班名单修改后上传")])
    sheet, h, cols = found
    out.sheet = sheet.name
    by_no = {p.student_no: p for p in plan.placements}
    result: dict[str, ClassKey | None] = {}
    for r, row in enumerate(sheet.rows[h + 1:], start=h + 2):
        if is_blank_row(row):
            continue
        no = text_of(cell(row, cols["student_no"]))
        if not no:
            out.error("缺少学号", r, cols["student_no"])
            continue
        placement = by_no.get(no)
        if placement is None:
            known = Student.objects.filter(school=plan.from_term.school, student_no=no).exists()
            out.error(f"学号 {no} " + (f"不在「{plan.from_term.name}」的在读学籍中" if known else "不存在"),
                      r, cols["student_no"])
            continue
        name = text_of(cell(row, cols["name"])) if "name" in cols else ""
        if name and squeeze(name) != squeeze(placement.name):
            out.error(f"学号 {no} 的姓名应为「{placement.name}」，表中为「{name}」", r, cols["name"])
            continue
        if no in result:
            out.error(f"学号 {no} 重复出现", r, cols["student_no"])
            continue
        text = squeeze(text_of(cell(row, cols["new_class"])))
        if text in GRADUATE_WORDS:
            if placement.from_key[0] != TOP_GRADE:
                out.error(f"只有六年级学生可以毕业，{placement.name}在{placement.from_class}", r, cols["new_class"])
                continue
            result[no] = None
            continue
        level, number = parse_class_name(text) if text else (None, None)
        if level is None or number is None or not 1 <= level <= TOP_GRADE or number < 1:
            out.error(f"无法识别新班级「{text}」：请写作 四年级(2)班，或填「毕业」", r, cols["new_class"])
            continue
        result[no] = (level, number)
    if out.problems:
        raise RolloverRefused(out.problems)
    return result


def adjustment_workbook(plan: RolloverPlan) -> bytes:
    """The planned enrolment list (学号, 姓名, 原班级, 新班级) for the admin to edit 新班级 and upload back."""
    rows: list[list[Any]] = [[p.student_no, p.name, p.from_class, p.to_class] for p in plan.placements]
    notes = Table("说明", ["说明"], [
        [f"学年升级：「{plan.from_term.name}」→「{plan.to_name}」"],
        ["只修改「新班级」一列：写作 四年级(2)班 / 4(2)班 / 四(2)；可以写新的班号（将新建该班）；六年级学生填「毕业」。"],
        ["不要增删学生行以外的内容；上传后先显示预览，确认后才写入。"],
    ])
    return to_xlsx([Table("分班名单", ["学号", "姓名", "原班级", "新班级"], rows), notes])


# ------------------------------------------------------------------------------------------------ apply


def _carry_roles(plan: RolloverPlan, term: Term, classes: dict[ClassKey, SchoolClass],
                 grade_of: Callable[[int], Grade]) -> list[StaffRole]:
    rows = []
    step = 1 if plan.promote else 0
    for r in StaffRole.objects.filter(term=plan.from_term).select_related("grade", "school_class__grade"):
        role = Role(r.role)
        if role in SCHOOL_WIDE or (role == Role.MENTOR and plan.carry_mentors):
            rows.append(StaffRole(staff_id=r.staff_id, term=term, role=role, grade=r.grade, subject_id=r.subject_id))
        elif role == Role.GRADE_LEAD and plan.carry_teachers and r.grade and r.grade.level + step <= TOP_GRADE:
            rows.append(StaffRole(staff_id=r.staff_id, term=term, role=role, grade=grade_of(r.grade.level + step)))
        elif role in CLASS_ROLES and plan.carry_teachers and r.school_class is not None:
            target = classes.get((r.school_class.grade.level + step, r.school_class.number))
            if target is not None:
                rows.append(StaffRole(staff_id=r.staff_id, term=term, role=role, school_class=target,
                                      grade=target.grade if r.grade_id else None, subject_id=r.subject_id))
    return rows


def _archive_graduates(plan: RolloverPlan) -> int:
    ids = [p.student_id for p in plan.graduates]
    if not ids:
        return 0
    Student.objects.filter(pk__in=ids).update(status=Student.GRADUATED, graduated_on=plan.from_term.end_date)
    users = get_user_model().objects
    users.filter(student__pk__in=ids).update(is_active=False)
    # a parent keeps the login while a sibling is still at school
    parents = (Guardian.objects.filter(links__student__pk__in=ids, user__isnull=False)
               .exclude(links__student__status=Student.ACTIVE).values("user_id"))
    users.filter(pk__in=parents).update(is_active=False)
    return len(ids)


def apply_rollover(*, plan: RolloverPlan) -> RolloverResult:
    """Write `plan` in one transaction; refused (nothing written) when the term has been rolled over since."""
    with transaction.atomic():
        _check_can_roll(from_term=plan.from_term, to_name=plan.to_name, start=plan.start, end=plan.end)
        school = plan.from_term.school
        term = Term.objects.create(school=school, name=plan.to_name, start_date=plan.start, end_date=plan.end)
        grades: dict[int, Grade] = {}

        def grade_of(level: int) -> Grade:
            if level not in grades:
                grades[level], _ = Grade.objects.get_or_create(school=school, level=level)
            return grades[level]

        keys = sorted({p.to_key for p in plan.continuing})  # type: ignore[type-var]
        classes = {k: SchoolClass.objects.create(term=term, grade=grade_of(k[0]), number=k[1]) for k in keys}
        enrolments = Enrolment.objects.bulk_create(
            [Enrolment(student_id=p.student_id, term=term, school_class=classes[p.to_key])  # type: ignore[index]
             for p in plan.continuing], batch_size=2000)
        roles = StaffRole.objects.bulk_create(_carry_roles(plan, term, classes, grade_of))
        mentors: list[MentorAssignment] = []
        if plan.carry_mentors:
            staying = {p.student_id for p in plan.continuing}
            mentors = MentorAssignment.objects.bulk_create([
                MentorAssignment(term=term, mentor_id=m.mentor_id, student_id=m.student_id)
                for m in MentorAssignment.objects.filter(term=plan.from_term, student_id__in=staying)
            ])
        graduates = _archive_graduates(plan)
        audit_record(action="bulk", model="学年升级", object_id=term.pk,
                     detail=f"「{plan.from_term.name}」→「{term.name}」：{len(classes)} 个班，{len(enrolments)} 名学生，"
                            f"毕业 {graduates} 人，调整 {len(plan.adjusted)} 人，延续角色 {len(roles)} 条")
    return RolloverResult(term=term, classes=len(classes), enrolments=len(enrolments), graduates=graduates,
                          staff_roles=len(roles), mentor_assignments=len(mentors))
