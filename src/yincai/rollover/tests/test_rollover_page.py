"""The 学年升级 page (admin only) and `yincai rollover`: preview → Excel round trip → confirm, refusals."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yincai.cli import main
from yincai.rollover.tests.fixtures import TwoTermSchool, build_two_term_school
from yincai.school.models import Enrolment, SchoolClass, StaffRole, Student, Term

TODAY = datetime.date.today()
FORM = {"to_name": "下学年第一学期", "start": (TODAY + datetime.timedelta(days=20)).isoformat(),
        "end": (TODAY + datetime.timedelta(days=160)).isoformat(), "promote": "yes", "carry_teachers": "on"}


def _school() -> TwoTermSchool:
    """Term 1 contains today (it is the current term until the rollover's new term starts)."""
    return build_two_term_school(start=TODAY - datetime.timedelta(days=50), end=TODAY + datetime.timedelta(days=10))


def _client(s: TwoTermSchool, username: str) -> Client:
    client = Client()
    client.force_login(s.users[username])
    return client


def _rows() -> tuple[int, ...]:
    return (Term.objects.count(), SchoolClass.objects.count(), Enrolment.objects.count(), StaffRole.objects.count(),
            Student.objects.filter(status=Student.GRADUATED).count())


@pytest.mark.django_db
def test_the_admin_previews_adjusts_by_excel_and_confirms() -> None:
    s = _school()
    assert Term.current() == s.term
    admin = _client(s, "rz_admin")
    assert admin.get("/rollover/").status_code == 200
    before = _rows()
    page = admin.post("/rollover/preview/", FORM)
    html = page.content.decode()
    assert page.status_code == 200 and "六年级(2)班" in html and "毕业归档 <b>3</b> 人" in html
    assert _rows() == before  # a preview writes nothing
    sheet = admin.get("/rollover/plan.xlsx")
    assert sheet.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(sheet.content))
    ws = wb["分班名单"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "20210103")
    ws.cell(row, 4).value = "六年级(2)班"
    buf = io.BytesIO()
    wb.save(buf)
    adjusted = admin.post("/rollover/preview/", FORM | {"file": SimpleUploadedFile("分班.xlsx", buf.getvalue())})
    assert adjusted.status_code == 200 and "分班调整 <b>1</b> 人" in adjusted.content.decode()
    assert admin.post("/rollover/confirm/").status_code == 302
    new = Term.objects.get(name="下学年第一学期")
    assert s.students["20210103"].class_in(new).name == "六年级(2)班"  # type: ignore[union-attr]
    assert s.students["20210101"].class_in(new).name == "六年级(1)班"  # type: ignore[union-attr]
    assert Student.objects.get(student_no="20200103").status == Student.GRADUATED
    after = _rows()
    again = admin.post("/rollover/preview/", FORM | {"to_name": "又一个学期"})
    assert again.status_code == 400 and "不会重复执行" in again.content.decode()
    assert admin.post("/rollover/confirm/").status_code == 302  # nothing pending: refused
    assert _rows() == after


@pytest.mark.django_db
def test_a_bad_adjustment_file_is_refused_on_the_page_and_nothing_is_pending() -> None:
    s = _school()
    admin = _client(s, "rz_admin")
    wb = openpyxl.Workbook()
    wb.active.append(["学号", "姓名", "原班级", "新班级"])
    wb.active.append(["20219999", "谁", "", "六年级(1)班"])
    buf = io.BytesIO()
    wb.save(buf)
    before = _rows()
    page = admin.post("/rollover/preview/", FORM | {"file": SimpleUploadedFile("bad.xlsx", buf.getvalue())})
    assert page.status_code == 400 and "学号 20219999 不存在" in page.content.decode()
    admin.post("/rollover/confirm/")
    assert _rows() == before


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["rz_hu", "rz_ma", "rz_lin", "rz_mei", "rz_xinli", "s20210101", "rz_p6"])
def test_only_the_school_admin_may_roll_over(username: str) -> None:
    s = _school()
    client = _client(s, username)
    before = _rows()
    assert client.get("/rollover/").status_code == 403
    assert client.get("/rollover/plan.xlsx").status_code == 403
    assert client.post("/rollover/preview/", FORM).status_code == 403
    assert client.post("/rollover/confirm/").status_code == 403
    assert _rows() == before


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login() -> None:
    _school()
    response = Client().get("/rollover/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_the_cli_previews_exports_adjusts_and_refuses_a_second_run(tmp_path: object,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    s = _school()
    args = ["rollover", "--to-term", "下学年", "--start", FORM["start"], "--end", FORM["end"], "--promote"]
    before = _rows()
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "六年级(1)班：3 人" in out and "毕业归档 3 人" in out and "未写入" in out
    export = tmp_path / "plan.xlsx"  # type: ignore[operator]
    assert main([*args, "--export", str(export)]) == 0
    assert _rows() == before
    wb = openpyxl.load_workbook(export)
    ws = wb["分班名单"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "20210201")
    ws.cell(row, 4).value = "六年级(5)班"
    wb.save(export)
    assert main([*args, "--adjust", str(export)]) == 0
    assert "调整：学生0201(20210201) 五年级(2)班 → 六年级(5)班" in capsys.readouterr().out
    assert s.students["20210201"].class_in(Term.objects.get(name="下学年")).name == "六年级(5)班"  # type: ignore[union-attr]
    after = _rows()
    assert main(args) == 1
    assert "不会重复执行" in capsys.readouterr().err
    assert _rows() == after
