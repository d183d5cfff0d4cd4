"""Item-level score import: real-world sheets go in, bad ones are refused with located Chinese errors."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import pytest

from tests.personas import Personas
from yincai.assessment.models import Assessment, ItemScore
from yincai.imports.common import ImportRefused
from yincai.imports.models import ImportBatch, ImportChange
from yincai.imports.services import import_file, preview_file
from yincai.imports.tests.helpers import FIXTURES, fresh_assessment, scores_of, simple_rows, snapshot, xlsx
from yincai.school.models import Enrolment, Student

pytestmark = pytest.mark.django_db

D = Decimal


def _import(p: Personas, a: Assessment, content: bytes, name: str = "成绩.xlsx", user: str = "wang") -> ImportBatch:
    return import_file(user=p.users[user], kind="scores", content=content, file_name=name, assessment=a)


def _refused(p: Personas, a: Assessment, content: bytes, name: str = "成绩.xlsx", user: str = "wang") -> str:
    before = snapshot(a)
    with pytest.raises(ImportRefused) as exc:
        _import(p, a, content, name, user)
    assert snapshot(a) == before, "a refused import must write nothing"
    return str(exc.value)


EXPECTED_FIXTURE = {
    ("20240101", "1"): ("scored", D("4")), ("20240101", "2"): ("scored", D("3")),
    ("20240101", "3"): ("scored", D("5")), ("20240101", "4"): ("scored", D("2.5")),
    **{("20240102", str(j)): ("absent", None) for j in range(1, 5)},
    ("20240201", "1"): ("scored", D("0")), ("20240201", "2"): ("scored", D("1")),
    ("20240201", "3"): ("blank", None), ("20240201", "4"): ("scored", D("4")),
}


@pytest.mark.parametrize("fixture", ["scores_merged_header.xlsx", "scores_merged_header.xls"])
def test_it_imports_a_two_row_merged_header_with_full_width_digits_and_absent_students(
    personas: Personas, fixture: str
) -> None:
    a = fresh_assessment(personas)
    batch = _import(personas, a, (FIXTURES / fixture).read_bytes(), fixture)
    assert batch.status == "committed"
    assert batch.summary["creates"] == 12 and batch.summary["students"] == 3
    assert scores_of(a) == EXPECTED_FIXTURE
    # 缺考 is a state, never a zero
    assert not ItemScore.objects.filter(item__assessment=a, student=personas.amy, score=0).exists()


def test_it_reads_a_gbk_csv_and_matches_a_student_without_number_by_name_and_class(personas: Personas) -> None:
    a = fresh_assessment(personas)
    _import(personas, a, (FIXTURES / "scores_gbk.csv").read_bytes(), "scores_gbk.csv")
    got = scores_of(a)
    assert got[("20240102", "1")] == ("exempt", None)
    assert got[("20240101", "3")] == ("scored", D("4"))
    assert got[("20240201", "4")] == ("scored", D("4"))


def test_it_reads_a_utf8_csv_with_bom(personas: Personas) -> None:
    a = fresh_assessment(personas)
    text = "学号,姓名,1,2,3,4\n20240101,alice,1,2,3,4\n"
    _import(personas, a, ("\ufeff" + text).encode("utf-8"), "成绩.csv")
    assert scores_of(a)[("20240101", "4")] == ("scored", D("4"))


def test_importing_the_same_file_twice_changes_nothing_the_second_time(personas: Personas) -> None:
    a = fresh_assessment(personas)
    content = (FIXTURES / "scores_merged_header.xlsx").read_bytes()
    _import(personas, a, content)
    before = scores_of(a)
    second = _import(personas, a, content)
    assert (second.summary["creates"], second.summary["updates"], second.summary["unchanged"]) == (0, 0, 12)
    assert scores_of(a) == before
    assert not second.changes.exists()


def test_a_corrected_file_updates_only_what_changed_and_keeps_the_history(personas: Personas) -> None:
    a = fresh_assessment(personas)
    _import(personas, a, xlsx(simple_rows()))
    ids_before = dict(ItemScore.objects.filter(item__assessment=a).values_list("pk", "score"))
    batch = _import(personas, a, xlsx(simple_rows(alice=(1, 2, 3, None), amy=(5, 5, 5, 4.5))))
    assert batch.summary["updates"] == 2 and batch.summary["unchanged"] == 6
    changes = {(c.field, c.old_value, c.new_value) for c in ImportChange.objects.filter(batch=batch)}
    assert changes == {("第4题", "4", "未作答"), ("第4题", "5", "4.5")}
    assert set(ItemScore.objects.filter(item__assessment=a).values_list("pk", flat=True)) == set(ids_before)
    assert scores_of(a)[("20240101", "4")] == ("blank", None)


def test_a_teacher_imports_only_her_classes_from_a_grade_wide_sheet(personas: Personas) -> None:
    a = fresh_assessment(personas)
    batch = _import(personas, a, (FIXTURES / "scores_merged_header.xlsx").read_bytes(), user="ma")
    assert any("跳过了 1 名其他班学生" in w["text"] for w in batch.warnings)
    got = scores_of(a)
    assert {no for no, _ in got} == {"20240101", "20240102"}  # bob (三年级(2)班) is not hers: untouched
    assert got[("20240101", "4")] == ("scored", D("2.5"))


def test_a_student_of_another_grade_is_an_error_not_a_skip(personas: Personas) -> None:
    a = fresh_assessment(personas)
    message = _refused(personas, a, xlsx([["学号", "姓名", "1"], ["20230101", "dan", 1]]), user="ma")
    assert "学号 20230101（dan）的学生不在本测评中您可录入的班级" in message


def test_it_refuses_a_teacher_of_another_grade_before_reading_the_file(personas: Personas) -> None:
    a = personas.other_assessment  # grade 4
    message = _refused(personas, a, xlsx(simple_rows()), user="ma")
    assert "无权" in message


@pytest.mark.parametrize(
    ("alice", "expected"),
    [
        ((1, 2, 3, 6), "第4题得分 6 超过满分 5"),
        ((1, 2, 3, -1), "负数"),
        ((1, 2, "三", 4), "不是分数"),
        ((1, 2, 3, 1.25), "最多保留一位小数"),
        ((1, "缺考", 3, 4), "既有分数又标记了「缺考」"),
    ],
)
def test_it_refuses_bad_scores_with_the_cell_located(personas: Personas, alice: tuple, expected: str) -> None:
    a = fresh_assessment(personas)
    message = _refused(personas, a, xlsx(simple_rows(alice=alice)))
    assert expected in message
    assert re.search(r"工作表「成绩」 第2行 [C-F]列", message), message


def test_it_refuses_an_unknown_student_and_a_duplicate_number(personas: Personas) -> None:
    a = fresh_assessment(personas)
    rows = simple_rows() + [["20249999", "nobody", 1, 1, 1, 1], ["20240101", "alice", 1, 1, 1, 1]]
    message = _refused(personas, a, xlsx(rows))
    assert "学号 20249999 不存在" in message
    assert "重复出现（第2行已有）" in message


def test_a_number_that_does_not_match_the_name_is_refused(personas: Personas) -> None:
    a = fresh_assessment(personas)
    message = _refused(personas, a, xlsx([["学号", "姓名", "1"], ["20240101", "amy", 1]]))
    assert "学号与姓名不符" in message


def test_duplicate_names_without_number_are_an_error_not_a_guess(personas: Personas) -> None:
    a = fresh_assessment(personas)
    for no in ("20240190", "20240191"):
        s = Student.objects.create(school=personas.school, student_no=no, name="张伟", gender="M")
        Enrolment.objects.create(student=s, term=personas.term, school_class=personas.class31)
    message = _refused(personas, a, xlsx([["姓名", "1", "2", "3", "4"], ["张伟", 1, 1, 1, 1]]))
    assert "有 2 名学生都叫「张伟」" in message
    # with the number, the same sheet imports
    _import(personas, a, xlsx([["学号", "姓名", "1", "2", "3", "4"], ["20240191", "张伟", 1, 1, 1, 1]]))


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["序号", "1", "2"], [1, 2, 3]], "没有找到成绩表"),
        ([["学号", "姓名", "总分"], ["20240101", "alice", 3]], "没有题目列"),
        ([["学号", "姓名", "1", "9"], ["20240101", "alice", 1, 1]], "表头「9」不是本测评的题目"),
        ([["学号", "学号", "1"], ["20240101", "20240101", 1]], "出现了多次"),
        ([["学号", "姓名", "1"]], "没有任何学生"),
    ],
)
def test_it_refuses_sheets_with_wrong_or_missing_columns(personas: Personas, rows: list, expected: str) -> None:
    a = fresh_assessment(personas)
    assert expected in _refused(personas, a, xlsx(rows))


def test_total_that_does_not_add_up_is_a_warning(personas: Personas) -> None:
    a = fresh_assessment(personas)
    rows = [["学号", "姓名", "1", "2", "3", "4", "总分"], ["20240101", "alice", 1, 1, 1, 1, 5]]
    batch = _import(personas, a, xlsx(rows))
    assert any("总分 5 与各题得分之和 4 不一致" in w["text"] for w in batch.warnings)


def test_an_assessment_without_items_gets_them_from_a_full_marks_row(personas: Personas) -> None:
    a = fresh_assessment(personas, n_items=0)
    rows = [["学号", "姓名", "一、计算", None, "二、应用"], [None, None, "1", "2", "1"], ["满分", None, 4, 6, 10],
            ["20240101", "alice", 4, 5, 8]]
    _import(personas, a, xlsx(rows, merges=["C1:D1"]))
    items = list(a.items.order_by("order").values_list("label", "section", "max_score"))
    assert items == [("一、计算1", "一、计算", D(4)), ("2", "一、计算", D(6)), ("二、应用1", "二、应用", D(10))]
    assert scores_of(a)[("20240101", "二、应用1")] == ("scored", D(8))


def test_without_items_or_a_full_marks_row_the_import_explains_what_to_do(personas: Personas) -> None:
    a = fresh_assessment(personas, n_items=0)
    assert "请先导入试卷结构" in _refused(personas, a, xlsx(simple_rows()))


def test_formulas_are_read_as_their_cached_values_never_evaluated(personas: Personas) -> None:
    a = fresh_assessment(personas)
    content = xlsx([["学号", "姓名", "1", "2"], ["20240101", "alice", "=1+1", "=1+1"]])
    # give the first formula a cached value that differs from what evaluating it would give
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="C2"><f>1+1</f><v></v></c>', b'<c r="C2"><f>1+1</f><v>3</v></c>', 1)
                assert b"<v>3</v>" in data
            dst.writestr(info, data)
    _import(personas, a, out.getvalue())
    got = scores_of(a)
    assert got[("20240101", "1")] == ("scored", D(3))  # the cached value
    assert got[("20240101", "2")] == ("blank", None)  # no cached value: blank, not 2


def test_dry_run_preview_writes_nothing(personas: Personas) -> None:
    a = fresh_assessment(personas)
    before = snapshot(a)
    plan = preview_file(user=None, kind="scores", content=xlsx(simple_rows()), file_name="x.xlsx", assessment=a)
    assert plan.ok and plan.summary()["creates"] == 8
    assert snapshot(a) == before


def test_a_number_that_lost_its_leading_zeros_in_excel_still_matches(personas: Personas) -> None:
    a = fresh_assessment(personas)
    s = Student.objects.create(school=personas.school, student_no="00731", name="零号", gender="M")
    Enrolment.objects.create(student=s, term=personas.term, school_class=personas.class31)
    _import(personas, a, xlsx([["学号", "姓名", "1"], [731, "零号", 2]]))
    assert scores_of(a)[("00731", "1")] == ("scored", D(2))


def test_a_class_that_disagrees_with_the_enrolment_is_a_warning(personas: Personas) -> None:
    a = fresh_assessment(personas)
    batch = _import(personas, a, xlsx([["学号", "姓名", "班级", "1"], ["20240101", "alice", "三年级(2)班", 2]]))
    assert any("本学期在 1 班" in w["text"] for w in batch.warnings)


def test_a_boolean_cell_in_an_xls_is_not_read_as_the_score_1(personas: Personas) -> None:
    import io

    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("成绩")
    for c, v in enumerate(["学号", "姓名", "1"]):
        ws.write(0, c, v)
    for c, v in enumerate(["20240101", "alice", True]):
        ws.write(1, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    assert "「TRUE」不是分数" in _refused(personas, fresh_assessment(personas), buf.getvalue(), "成绩.xls")


def test_exam_numbers_and_points_in_headers_as_exported_by_marking_systems(personas: Personas) -> None:
    a = fresh_assessment(personas)
    rows = [["考号", "学号", "姓名", "第1题(5分)", "2（5分）", "3", "4", "客观题", "校次"],
            ["K001", "20240101", "alice", 1, 2, 3, 4, 3, 10]]
    _import(personas, a, xlsx(rows))
    assert scores_of(a)[("20240101", "2")] == ("scored", D(2))
    # without a 学号 column, 考号 is taken as the student number
    b = fresh_assessment(personas, name="只有考号")
    _import(personas, b, xlsx([["考号", "姓名", "1"], ["20240102", "amy", 5]]))
    assert scores_of(b)[("20240102", "1")] == ("scored", D(5))
