"""Term summary reports: DOCX opens with python-docx and carries the school's figures; PDF renders Chinese."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.test import Client

from tests.personas import Personas
from yincai.evaluation.models import TermReport
from yincai.evaluation.tests.test_dashboard import moves  # noqa: F401 (fixture)
from yincai.school.models import Subject

pytestmark = pytest.mark.django_db


def test_school_report_has_the_figures(moves: Personas, tmp_path, artifacts_dir,  # noqa: F811
                                       django_capture_on_commit_callbacks) -> None:
    from docx import Document

    admin = Client()
    admin.force_login(moves.user("wang"))
    math = Subject.objects.get(code="math").pk
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin.post("/evaluation/reports/", {"subject": math, "class": ""})
    assert response.status_code == 302 and len(queued) == 1  # the page only queues the job for the worker
    report = TermReport.objects.get()
    assert report.status == "queued" and admin.get(f"/evaluation/reports/{report.pk}/pdf/").status_code == 404
    rows = admin.get("/evaluation/reports/rows/").content.decode()
    assert "排队中" in rows and 'hx-trigger="every 2s"' in rows  # the table polls while the job runs
    queued[0]()  # what the worker does (the test settings run tasks at once)
    report.refresh_from_db()
    assert report.status == "done" and "培优辅差学期工作总结" in report.title
    assert 'hx-trigger' not in admin.get("/evaluation/reports/rows/").content.decode()
    docx = admin.get(f"/evaluation/reports/{report.pk}/docx/")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    cells = [c.text for t in Document(io.BytesIO(docx.content)).tables for row in t.rows for c in row.cells]
    assert moves.school.name in text and "培优辅差学期工作总结" in text
    assert "转化率（学困生离开学困层）" in cells and "50%" in cells  # alice converted, dan did not
    rows = {t.rows[i].cells[0].text: [c.text for c in t.rows[i].cells[1:]] for t in Document(io.BytesIO(docx.content)).tables for i in range(len(t.rows))}
    assert rows["三年级"] == ["0 → 0", "2 → 2", "0 → 0", "1 → 1", "100%"]  # alice left 学困, bob fell into it
    assert rows["四年级"][-1] == "0%"
    assert len(Document(io.BytesIO(docx.content)).inline_shapes) == 1  # the chart
    pdf = admin.get(f"/evaluation/reports/{report.pk}/pdf/")
    assert pdf.content.startswith(b"%PDF")
    (artifacts_dir / "term-report.pdf").write_bytes(pdf.content)
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        path.write_bytes(pdf.content)
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "转化率" in out and moves.school.name in out


def test_teachers_report_on_their_own_class_only(moves: Personas,  # noqa: F811
                                                django_capture_on_commit_callbacks) -> None:
    hu = Client()
    hu.force_login(moves.user("hu"))
    math = Subject.objects.get(code="math").pk
    refused = hu.post("/evaluation/reports/", {"subject": math, "class": ""}, follow=True)
    assert "全校总结由教导处生成" in refused.content.decode() and not TermReport.objects.exists()
    assert hu.post("/evaluation/reports/", {"subject": math, "class": moves.class41.pk}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert hu.post("/evaluation/reports/", {"subject": math, "class": moves.class31.pk}).status_code == 302
    own = TermReport.objects.get()
    assert own.status == "done"
    assert own.school_class == moves.class31 and "三年级(1)班" in own.title
    lin_other = Client()
    lin_other.force_login(moves.user("ma2"))  # teaches 三年级(2)班 only
    assert lin_other.get(f"/evaluation/reports/{own.pk}/pdf/").status_code == 404
    parent = Client()
    parent.force_login(moves.user("pa"))
    assert parent.get(f"/evaluation/reports/{own.pk}/pdf/").status_code == 403
    assert parent.get("/evaluation/reports/rows/").status_code == 403  # the polled table is staff-only too
    assert "三年级(1)班" not in lin_other.get("/evaluation/reports/rows/").content.decode()  # not ma2's class
    assert hu.get(f"/evaluation/reports/{own.pk}/xls/").status_code == 404  # unknown format
    assert "请选择学科" in hu.post("/evaluation/reports/", {"subject": "x", "class": ""}, follow=True).content.decode()
    assert TermReport.objects.count() == 1  # a bad subject queues nothing


def test_a_failed_report_says_so_and_offers_nothing_to_download(moves: Personas, monkeypatch,  # noqa: F811
                                                                django_capture_on_commit_callbacks) -> None:
    from yincai.evaluation import reports

    def broken(data: object) -> bytes:  # fault injection: the PDF step fails after the DOCX was built
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(reports, "render_pdf", broken)
    admin = Client()
    admin.force_login(moves.user("wang"))
    with django_capture_on_commit_callbacks(execute=True):  # the task fails (the worker logs it)
        admin.post("/evaluation/reports/", {"subject": Subject.objects.get(code="math").pk, "class": ""})
    report = TermReport.objects.get()
    assert report.status == "failed" and "字体缺失" in report.error and bytes(report.docx) == b""
    assert "生成失败" in admin.get("/evaluation/reports/").content.decode()
    assert admin.get(f"/evaluation/reports/{report.pk}/docx/").status_code == 404
