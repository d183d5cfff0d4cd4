"""The teachers' sheet as schools write it: one row per teacher, 任教班级 "三(1)(2)班 数学", "四(1)班班主任", no 用户名."""

from __future__ import annotations

from typing import Any

import pytest

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.imports.common import ImportRefused
from yincai.imports.roster_teachers import Duty, parse_duties
from yincai.imports.services import import_file
from yincai.imports.tests.roster_books import book
from yincai.school.models import Staff, StaffRole

HEAD = [["序号", "姓名", "性别", "手机号", "任教班级", "职务"]]
TITLE = "阳光小学2026学年第一学期教师任课一览表"


def _import(p: Personas, rows: list[list[Any]], head: list[list[Any]] | None = None) -> Any:
    return import_file(user=p.users["wang"], kind="roster", content=book(("教师", TITLE, head or HEAD, rows, ())),
                       file_name="教师.xlsx", term=p.term)


def _roles(username: str) -> set[tuple[str, str | None, str | None, str | None]]:
    got = set()
    for r in StaffRole.objects.filter(staff__user__username=username).select_related("school_class", "grade",
                                                                                     "subject"):
        got.add((r.role, r.school_class.name if r.school_class else None, str(r.grade) if r.grade else None,
                 r.subject.name if r.subject else None))
    return got


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三(1)(2)班 数学", [(Role.SUBJECT_TEACHER, (3, 1), "数学"), (Role.SUBJECT_TEACHER, (3, 2), "数学")]),
        ("三年级1、2班 语文", [(Role.SUBJECT_TEACHER, (3, 1), "语文"), (Role.SUBJECT_TEACHER, (3, 2), "语文")]),
        ("四(3)班班主任", [(Role.HEAD_TEACHER, (4, 3), "")]),
        ("三年级(1)班数学兼班主任", [(Role.HEAD_TEACHER, (3, 1), ""), (Role.SUBJECT_TEACHER, (3, 1), "数学")]),
        ("三年级1-3班 英语", [(Role.SUBJECT_TEACHER, (3, n), "英语") for n in (1, 2, 3)]),
        ("三(1)班 数学；四(2)班 语文", [(Role.SUBJECT_TEACHER, (3, 1), "数学"), (Role.SUBJECT_TEACHER, (4, 2), "语文")]),
        ("3(1)、3(2)班 科学", [(Role.SUBJECT_TEACHER, (3, 1), "科学"), (Role.SUBJECT_TEACHER, (3, 2), "科学")]),
        ("数学：三(1)(2)班", [(Role.SUBJECT_TEACHER, (3, 1), "数学"), (Role.SUBJECT_TEACHER, (3, 2), "数学")]),
        ("语文 三(1)班、三(2)班", [(Role.SUBJECT_TEACHER, (3, 1), "语文"), (Role.SUBJECT_TEACHER, (3, 2), "语文")]),
        ("班主任：四(3)班", [(Role.HEAD_TEACHER, (4, 3), "")]),
        ("三年级一班 道法", [(Role.SUBJECT_TEACHER, (3, 1), "道法")]),
        ("三年级组长", []),
    ],
)
def test_a_teaching_cell_reads_as_duties(text: str, expected: list[tuple[Role, tuple[int, int], str]]) -> None:
    got = parse_duties(text)
    assert not isinstance(got, str), got
    assert sorted((d.role, d.klass, d.subject) for d in got if d.role != Role.GRADE_LEAD) == sorted(expected)
    if text == "三年级组长":
        assert got == [Duty(Role.GRADE_LEAD, 3, None, "")]


def test_classes_without_a_subject_take_the_subject_column_or_are_refused() -> None:
    assert parse_duties("三(1)(2)班", "数学") == [Duty(Role.SUBJECT_TEACHER, None, (3, n), "数学") for n in (1, 2)]
    assert "没有写学科" in str(parse_duties("三(1)(2)班"))
    assert "无法识别任教班级「三年级语文」" in str(parse_duties("三年级语文"))


@pytest.mark.django_db
def test_one_row_per_teacher_expands_to_a_role_per_class(personas: Personas) -> None:
    rows = [[1, "赵 老师", "女", "13700000001", "三(1)(2)班 数学", None],
            [2, "钱老师", "男", "13700000002", "三年级1、2班 语文；三(2)班班主任", None],
            [3, "孙老师", "女", "13700000003", "四(1)班", "班主任"],
            [4, "李老师", "女", "13700000004", "三年级组长", None],
            [5, "周老师", "男", "13700000005", None, "导师"]]
    batch = _import(personas, rows)
    assert _roles("t13700000001") == {("subject_teacher", "三年级(1)班", None, "数学"),
                                      ("subject_teacher", "三年级(2)班", None, "数学")}
    assert _roles("t13700000002") == {("subject_teacher", "三年级(1)班", None, "语文"),
                                      ("subject_teacher", "三年级(2)班", None, "语文"),
                                      ("head_teacher", "三年级(2)班", None, None)}
    assert ("head_teacher", "四年级(1)班", None, None) in _roles("t13700000003")
    assert _roles("t13700000004") == {("grade_lead", None, "三年级", None)}
    assert _roles("t13700000005") == {("mentor", None, None, None)}
    assert Staff.objects.get(user__username="t13700000001").name == "赵老师"
    assert not Staff.objects.get(user__username="t13700000001").user.has_usable_password()
    note = next(w["message"] for w in batch.warnings if "t+手机号" in w["message"])
    assert "赵老师（t13700000001）" in note


@pytest.mark.django_db
def test_reimporting_the_teachers_changes_nothing_and_a_known_phone_keeps_its_username(personas: Personas) -> None:
    Staff.objects.filter(user__username="ma").update(phone="13700000009")
    rows = [[1, "ma", "男", "13700000009", "三(1)班 数学；三(2)班 数学", None],
            [2, "赵老师", "女", "13700000001", "三(1)(2)班 数学", None]]
    _import(personas, rows)
    counts = (Staff.objects.count(), StaffRole.objects.count())
    assert ("subject_teacher", "三年级(2)班", None, "数学") in _roles("ma")
    second = _import(personas, rows)
    assert second.summary["creates"] == 0 and second.summary["updates"] == 0
    assert (Staff.objects.count(), StaffRole.objects.count()) == counts


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "expected", "col"),
    [
        (["钱老师", "13700000002", "三年级 语文", None], "无法识别任教班级「三年级语文」", "E"),
        (["钱老师", "13700000002", "三(1)班 体操", None], "未知学科「体操」", "E"),
        (["钱老师", "13700000002", "五(3)班 数学", None], "本学期没有 五年级(3)班", "E"),
        (["钱老师", None, "三(1)班 数学", None], "钱老师 没有用户名", "B"),
        (["钱老师", "13700000002", None, None], "请填写任教班级", "E"),
        (["钱老师", "1370000000", "三(1)班 数学", None], "电话「1370000000」格式不正确", "D"),
        (["钱老师", "13700000002", "三(1)(2)班 数学", "班主任"], "请在任教班级中写明是哪个班的班主任", "F"),
    ],
)
def test_bad_teacher_rows_are_refused_with_row_and_column(personas: Personas, row: list[Any], expected: str,
                                                          col: str) -> None:
    before = (Staff.objects.count(), StaffRole.objects.count())
    with pytest.raises(ImportRefused) as exc:
        _import(personas, [[1, row[0], "女", *row[1:]]])
    problem = next(p for p in exc.value.problems if expected in p.message)
    assert (problem.sheet, problem.row, problem.col) == ("教师", 3, col)
    assert (Staff.objects.count(), StaffRole.objects.count()) == before


@pytest.mark.django_db
def test_a_teachers_id_number_column_is_ignored_and_never_stored(personas: Personas) -> None:
    from yincai.imports.tests.roster_books import ID_NUMBER, fields_holding

    head = [["姓名", "身份证号", "手机号", "任教班级"]]
    batch = _import(personas, [["吴老师", ID_NUMBER, "13700000011", "四(1)班 数学"]], head)
    assert "已忽略：身份证号（不保存，保护未成年人信息）" in [w["message"] for w in batch.warnings]
    assert _roles("t13700000011") == {("subject_teacher", "四年级(1)班", None, "数学")}
    assert fields_holding(ID_NUMBER) == []
