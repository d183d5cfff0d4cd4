"""Roster import: students, guardians and teachers from the template; idempotent, corrections kept in history."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.personas import Personas
from yincai.imports.common import ImportRefused
from yincai.imports.models import ImportChange
from yincai.imports.services import import_file
from yincai.school.models import Enrolment, GuardianLink, Staff, StaffRole, Student

pytestmark = pytest.mark.django_db

STUDENTS = [["30260001", "林小雨", "女", "三年级", 1, "2017-09-01"], ["30260002", "陈一鸣", "男", 3, "三年级(2)班", None]]
GUARDIANS = [["30260001", "林大山", "父亲", "13911112222", "是"], ["20240101", "alice爸爸", "爸爸", None, None]]
TEACHERS = [["赵老师", "zhaols", "13700000000", "科任教师", "三年级", 1, "数学"],
            ["赵老师", "zhaols", None, "年级组长", "三年级", None, None],
            ["钱老师", "qianls", None, "导师", None, None, None]]


LEGACY_HEADERS = {"学生": ["学号", "姓名", "性别", "年级", "班级", "出生日期"],
                  "监护人": ["学生学号", "监护人姓名", "关系", "电话", "主要联系人"],
                  "教师": ["姓名", "用户名", "电话", "角色", "年级", "班级", "学科"]}


def _roster(students: list | None = None, guardians: list | None = None, teachers: list | None = None) -> bytes:
    """The older three-sheet template (学生 / 监护人 / 教师), which still imports."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (("学生", students), ("监护人", guardians), ("教师", teachers)):
        ws = wb.create_sheet(name)
        ws.append(LEGACY_HEADERS[name])
        for row in rows if rows is not None else []:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _import(p: Personas, content: bytes, user: str = "wang") -> object:
    return import_file(user=p.users[user], kind="roster", content=content, file_name="花名册.xlsx", term=p.term)


def test_it_imports_students_guardians_and_teachers_from_the_template(personas: Personas) -> None:
    batch = _import(personas, _roster(STUDENTS, GUARDIANS, TEACHERS))
    assert batch.status == "committed"
    lin = Student.objects.get(student_no="30260001")
    assert (lin.name, lin.gender, str(lin.birth_date)) == ("林小雨", "F", "2017-09-01")
    assert Enrolment.objects.get(student=lin, term=personas.term).school_class == personas.class31
    assert Enrolment.objects.get(student__student_no="30260002", term=personas.term).school_class == personas.class32
    link = GuardianLink.objects.get(student=lin)
    assert (link.guardian.name, link.relation, link.guardian.phone, link.is_primary) == ("林大山", "father",
                                                                                         "13911112222", True)
    assert GuardianLink.objects.get(student=personas.alice, guardian__name="alice爸爸").relation == "father"
    zhao = Staff.objects.get(user__username="zhaols")
    assert not zhao.user.has_usable_password()
    roles = set(StaffRole.objects.filter(staff=zhao, term=personas.term).values_list("role", "school_class", "grade"))
    assert roles == {("subject_teacher", personas.class31.pk, None), ("grade_lead", None, personas.class31.grade_id)}
    assert StaffRole.objects.filter(staff__user__username="qianls", role="mentor").exists()


def test_importing_the_same_roster_twice_changes_nothing(personas: Personas) -> None:
    content = _roster(STUDENTS, GUARDIANS, TEACHERS)
    _import(personas, content)
    counts = (Student.objects.count(), GuardianLink.objects.count(), StaffRole.objects.count())
    second = _import(personas, content)
    assert second.summary["creates"] == 0 and second.summary["updates"] == 0
    assert (Student.objects.count(), GuardianLink.objects.count(), StaffRole.objects.count()) == counts


def test_a_corrected_roster_moves_a_student_and_keeps_the_history(personas: Personas) -> None:
    _import(personas, _roster(STUDENTS))
    moved = [["30260001", "林小雨", "女", "三年级", 2, "2017-09-01"]]
    batch = _import(personas, _roster(moved))
    assert Enrolment.objects.get(student__student_no="30260001", term=personas.term).school_class == personas.class32
    change = ImportChange.objects.get(batch=batch)
    assert (change.field, change.old_value, change.new_value) == ("班级", "三年级(1)班", "三年级(2)班")


@pytest.mark.parametrize(
    ("students", "guardians", "teachers", "expected"),
    [
        ([STUDENTS[0], STUDENTS[0]], None, None, "学号 30260001 重复（第2行已有）"),
        ([["30260003", "王五", "未知", "三年级", 1, None]], None, None, "性别「未知」应为 男 或 女"),
        ([["30260003", "王五", "男", "七年级", 1, None]], None, None, "年级「七年级」"),
        ([["30260003", "王五", "男", "三年级", "四年级(1)班", None]], None, None, "与年级「三年级」不一致"),
        ([["30260003", "王五", "男", "三年级", 1, "昨天"]], None, None, "无法识别日期「昨天」"),
        (None, [["99999999", "某人", "父亲", None, None]], None, "学号 99999999 的学生不存在"),
        (None, [["20240101", "某人", "邻居", None, None]], None, "关系「邻居」"),
        (None, [["20240101", "某人", "父亲", "123", None]], None, "电话「123」格式不正确"),
        (None, None, [["孙老师", "sunls", None, "班主任", "三年级", None, None]], "班主任需要填写班级"),
        (None, None, [["孙老师", "sunls", None, "科任教师", "三年级", 1, "体育"]], "未知学科「体育」"),
        (None, None, [["孙老师", "sunls", None, "科任教师", "五年级", 3, "数学"]], "本学期没有 五年级(3)班"),
        (None, None, [["孙老师", "alice", None, "导师", None, None, None]], "用户名 alice 已被其他账号"),
        (None, None, [["孙老师", "sun/ls", None, "导师", None, None, None]], "用户名「sun/ls」"),
    ],
)
def test_it_refuses_bad_rows_and_writes_nothing(personas: Personas, students: list | None, guardians: list | None,
                                               teachers: list | None, expected: str) -> None:
    before = (Student.objects.count(), GuardianLink.objects.count(), StaffRole.objects.count(), Staff.objects.count())
    good = [["30260009", "好学生", "女", "三年级", 1, None]]
    with pytest.raises(ImportRefused) as exc:
        _import(personas, _roster(students or good, guardians, teachers))
    assert expected in str(exc.value)
    after = (Student.objects.count(), GuardianLink.objects.count(), StaffRole.objects.count(), Staff.objects.count())
    assert after == before


def test_only_the_school_admin_may_import_a_roster(personas: Personas) -> None:
    with pytest.raises(ImportRefused) as exc:
        _import(personas, _roster(STUDENTS), user="hu")
    assert "只有校长/教导处可以导入花名册" in str(exc.value)
