"""Upload → preview → confirm in the browser's terms (Django test client), templates and exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import Personas
from yincai.imports.exports import Table, escape_csv, to_csv, to_xlsx
from yincai.imports.models import ImportBatch
from yincai.imports.tests.helpers import FIXTURES, fresh_assessment, scores_of, simple_rows, snapshot, xlsx

pytestmark = pytest.mark.django_db


def _client(p: Personas, name: str) -> Client:
    c = Client()
    c.force_login(p.users[name])
    return c


def _upload(c: Client, a_id: int, content: bytes, name: str = "成绩.xlsx", kind: str = "scores") -> object:
    return c.post("/imports/upload/", {"kind": kind, "assessment": str(a_id),
                                       "file": SimpleUploadedFile(name, content)})


def test_a_teacher_uploads_previews_and_confirms_scores(personas: Personas) -> None:
    a = fresh_assessment(personas)
    c = _client(personas, "ma")
    before = snapshot(a)
    response = _upload(c, a.pk, xlsx(simple_rows()))
    assert response.status_code == 302
    batch = ImportBatch.objects.get(assessment=a)
    page = c.get(f"/imports/batches/{batch.pk}/").content.decode()
    assert "导入预览" in page and "确认导入" in page and "待确认" in page
    assert snapshot(a)[:2] == before[:2], "nothing is written before confirmation"
    response = c.post(f"/imports/batches/{batch.pk}/confirm/", follow=True)
    assert "导入完成：新增 8 条" in response.content.decode()
    assert scores_of(a)[("20240101", "4")] == ("scored", Decimal(4))
    # confirming twice is refused, not applied twice
    response = c.post(f"/imports/batches/{batch.pk}/confirm/", follow=True)
    assert "不能重复确认" in response.content.decode()


def test_problems_are_listed_with_sheet_row_and_column_and_no_confirm_button(personas: Personas) -> None:
    a = fresh_assessment(personas)
    c = _client(personas, "ma")
    _upload(c, a.pk, xlsx(simple_rows(alice=(1, 2, 3, 9))))
    batch = ImportBatch.objects.get(assessment=a)
    assert batch.status == "refused"
    page = c.get(f"/imports/batches/{batch.pk}/").content.decode()
    assert "未写入任何数据" in page and "第4题得分 9 超过满分 5" in page
    assert "<td>成绩</td><td>2</td><td>F</td>" in page
    assert "确认导入" not in page
    assert c.post(f"/imports/batches/{batch.pk}/confirm/").status_code == 302
    assert not scores_of(a)


def test_a_teacher_cannot_upload_into_another_grades_assessment(personas: Personas) -> None:
    c = _client(personas, "ma")
    response = _upload(c, personas.other_assessment.pk, xlsx(simple_rows()))
    assert response.status_code == 404
    assert not ImportBatch.objects.filter(assessment=personas.other_assessment).exists()


def test_a_teacher_cannot_see_or_confirm_another_teachers_stranger_batch(personas: Personas) -> None:
    batch = ImportBatch.objects.create(kind="scores", assessment=personas.other_assessment, file_name="x.xlsx",
                                       content=xlsx(simple_rows()), file_sha256="0", term=personas.term,
                                       created_by=personas.users["wang"])
    c = _client(personas, "ma")
    assert c.get(f"/imports/batches/{batch.pk}/").status_code == 404
    assert c.post(f"/imports/batches/{batch.pk}/confirm/").status_code == 404


def test_a_parent_or_student_cannot_upload(personas: Personas) -> None:
    for name in ("pa", "alice"):
        assert _upload(_client(personas, name), personas.math_assessment.pk, b"x").status_code == 403


def test_a_50_mb_upload_is_refused_with_a_message(personas: Personas) -> None:
    a = fresh_assessment(personas)
    c = _client(personas, "wang")
    response = _upload(c, a.pk, b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024))
    assert response.status_code == 302
    assert "文件过大（50.0 MB）" in c.get("/imports/").content.decode()
    assert not ImportBatch.objects.filter(assessment=a).exists()


def test_the_score_template_round_trips_through_the_importer(personas: Personas) -> None:
    a = fresh_assessment(personas)
    a.items.filter(label__in=["1", "2"]).update(section="一、计算")
    a.items.filter(label__in=["3", "4"]).update(section="二、应用")
    c = _client(personas, "ma")
    response = c.get(f"/imports/assessments/{a.pk}/template.xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:2] == ["成绩", "说明"]
    ws = wb["成绩"]
    assert [ws.cell(1, c).value for c in range(1, 6)] == ["学号", "姓名", "班级", "一、计算", None]
    assert ws.data_validations.dataValidation, "score cells carry data validation"
    students = {ws.cell(r, 1).value: r for r in range(4, ws.max_row + 1)}
    assert set(students) == {"20240101", "20240102"}  # only ma's class, not bob
    for no, values in (("20240101", [5, 4, 3, 2]), ("20240102", ["缺考", None, None, None])):
        for j, v in enumerate(values):
            ws.cell(students[no], 4 + j, v)
    buf = io.BytesIO()
    wb.save(buf)
    _upload(c, a.pk, buf.getvalue())
    batch = ImportBatch.objects.get(assessment=a)
    assert batch.status == "preview", batch.problems
    c.post(f"/imports/batches/{batch.pk}/confirm/")
    got = scores_of(a)
    assert got[("20240101", "1")] == ("scored", Decimal(5)) and got[("20240102", "3")] == ("absent", None)


def test_roster_and_blueprint_templates_have_instructions_and_dropdowns(personas: Personas) -> None:
    c = _client(personas, "wang")
    wb = openpyxl.load_workbook(io.BytesIO(c.get("/imports/templates/roster.xlsx").content))
    assert {"说明", "学生", "教师"} <= set(wb.sheetnames)  # one sheet of students with their guardians
    assert [c.value for c in wb["学生"][1]][:8] == ["学号", "姓名", "性别", "班级", "出生日期", "家长1姓名", "家长1关系",
                                                   "家长1电话"]
    assert any("男,女" in (dv.formula1 or "") for dv in wb["学生"].data_validations.dataValidation)
    wb = openpyxl.load_workbook(io.BytesIO(c.get("/imports/templates/blueprint.xlsx").content))
    assert [cell.value for cell in wb["试卷结构"][1]] == ["题号", "大题", "满分", "题型", "知识点", "能力维度", "难度层级"]
    assert wb["知识点"].max_row > 10
    assert _client(personas, "ma").get("/imports/templates/roster.xlsx").status_code == 403


def test_the_score_export_has_item_and_kp_rates_and_only_visible_students(personas: Personas) -> None:
    c = _client(personas, "ma")
    response = c.get(f"/imports/assessments/{personas.math_assessment.pk}/export/")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [personas.math_assessment.name, "题目得分率", "知识点得分率"]
    ws = wb[personas.math_assessment.name]
    names = {ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}
    assert names == {"alice", "amy"}  # bob is in 三年级(2)班, not ma's
    assert "排名" not in [cell.value for cell in ws[1]]
    rates = wb["题目得分率"]
    # item 1: alice 0, amy 1 → mean 0.5 of 5 = 10.0%
    assert [rates.cell(2, k).value for k in (1, 4, 5, 6)] == ["1", 2, 0.5, "10.0%"]
    assert wb["知识点得分率"].max_row == 5
    csv_rows = list(csv.reader(io.StringIO(c.get(f"/imports/assessments/{personas.math_assessment.pk}/export/?format=csv")
                                           .content.decode("utf-8-sig"))))
    assert csv_rows[0][:3] == ["学号", "姓名", "班级"] and len(csv_rows) == 3


def test_exports_escape_cells_that_would_run_as_formulas() -> None:
    assert escape_csv("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert [escape_csv(v) for v in ("+1", "-1", "@SUM(A1)", "\tx", "张三", 5)] == ["'+1", "'-1", "'@SUM(A1)", "'\tx", "张三", 5]
    table = Table("t", ["姓名"], [["=1+1"], [3]])
    assert "'=1+1" in to_csv(table).decode("utf-8-sig")
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx([table])))["t"]
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"  # stored as text, not a formula
    assert ws["A3"].value == 3


def test_a_roster_export_shows_guardian_phones_only_to_those_who_may_read_family(personas: Personas) -> None:
    head = _client(personas, "hu").get(f"/imports/classes/{personas.class31.pk}/roster/?format=csv")
    subject = _client(personas, "ma").get(f"/imports/classes/{personas.class31.pk}/roster/?format=csv")
    assert "电话" in head.content.decode("utf-8-sig") and "13800000000" in head.content.decode("utf-8-sig")
    assert "电话" not in subject.content.decode("utf-8-sig")


def test_the_fixture_workbook_imports_through_the_web_as_admin(personas: Personas) -> None:
    a = fresh_assessment(personas)
    c = _client(personas, "wang")
    _upload(c, a.pk, (FIXTURES / "scores_merged_header.xlsx").read_bytes())
    batch = ImportBatch.objects.get(assessment=a)
    assert batch.summary["states"] == {"已评分": 7, "缺考": 4, "未作答": 1}
    c.post(f"/imports/batches/{batch.pk}/confirm/")
    assert scores_of(a)[("20240102", "2")] == ("absent", None)


def test_the_problems_of_a_refused_upload_download_as_a_spreadsheet(personas: Personas) -> None:
    a = fresh_assessment(personas)
    c = _client(personas, "ma")
    _upload(c, a.pk, xlsx(simple_rows(alice=(1, 2, 3, 9), amy=("=HACK()", 1, 1, 1))))
    batch = ImportBatch.objects.get(assessment=a)
    assert "下载本页表格" in c.get(f"/imports/batches/{batch.pk}/").content.decode()
    text = c.get(f"/imports/batches/{batch.pk}/export/?format=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["工作表", "行", "列", "说明"]
    assert ["成绩", "2", "F", "第4题得分 9 超过满分 5"] in rows
    wb = openpyxl.load_workbook(io.BytesIO(c.get(f"/imports/batches/{batch.pk}/export/").content))
    assert wb.sheetnames == ["问题", "提醒"]


def test_the_admin_imports_a_roster_through_the_web(personas: Personas) -> None:
    from yincai.imports.tests.test_roster_import import GUARDIANS, STUDENTS, TEACHERS, _roster
    from yincai.school.models import Student

    c = _client(personas, "wang")
    response = c.post("/imports/upload/", {"kind": "roster", "file": SimpleUploadedFile("花名册.xlsx",
                                                                                         _roster(STUDENTS, GUARDIANS, TEACHERS))})
    batch = ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    page = c.get(f"/imports/batches/{batch.pk}/").content.decode()
    assert "花名册导入预览" in page and "监护关系" in page and "教师" in page
    assert not Student.objects.filter(student_no="30260001").exists()
    c.post(f"/imports/batches/{batch.pk}/confirm/")
    assert Student.objects.filter(student_no="30260001").exists()


def test_a_teacher_imports_a_blueprint_through_the_web(personas: Personas) -> None:
    a = fresh_assessment(personas, n_items=0)
    c = _client(personas, "ma")
    rows = [["题号", "大题", "满分", "题型", "知识点", "能力维度", "难度层级"], ["1", "一、计算", 4, "计算题", "", "计算", "基础"]]
    _upload(c, a.pk, xlsx(rows, title="试卷结构"), kind="blueprint")
    batch = ImportBatch.objects.get(assessment=a, kind="blueprint")
    assert batch.status == "preview", batch.problems
    c.post(f"/imports/batches/{batch.pk}/confirm/")
    assert list(a.items.values_list("label", "max_score")) == [("1", Decimal(4))]
