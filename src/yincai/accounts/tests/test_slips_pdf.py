"""The 登录凭条 PDF: Chinese names render as text (Noto CJK), one slip per person, every class on its own page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tests.personas import Personas
from yincai.accounts.services import issue_slips_pdf
from yincai.accounts.tests.helpers import (
    client_for,
    pdf_page_count,
    pdf_pages,
    png_of_first_page,
    roster_student,
)
from yincai.oversight.models import AuditLog

pytestmark = pytest.mark.django_db


def test_the_pdf_has_one_page_per_class_with_chinese_names_and_passwords(personas: Personas, tmp_path: Path,
                                                                          artifacts_dir: Path) -> None:
    roster_student(personas, "20249911", "欧阳晓雪", personas.class31, guardian="欧阳建国")
    roster_student(personas, "20249912", "诸葛明亮", personas.class32, guardian="黄月英")
    pdf, count = issue_slips_pdf(by=personas.users["wang"], term=personas.term, site_url="http://school.example/",
                                 classes=[personas.class32, personas.class31])
    assert pdf[:4] == b"%PDF"
    assert pdf_page_count(pdf, tmp_path) == 2  # two classes, each fits on one page
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) == 2
    first, second = pages
    assert "三年级(1)班 · 登录凭条" in first and "三年级(2)班 · 登录凭条" in second  # ordered by grade, class
    for name in ("欧阳晓雪", "欧阳建国"):
        assert name in first and name not in second
    for name in ("诸葛明亮", "黄月英"):
        assert name in second and name not in first
    assert "alice" in first and "p20249911" in first and "bob" in second and "p20249912" in second
    assert "初始密码" in first and "首次登录须修改密码" in first and "http://school.example/" in first
    assert first.count("登录凭条") >= 1 + 5  # the header + alice, amy, pa, 欧阳晓雪, 欧阳建国
    assert count == 5 + 4  # class31: alice amy pa 欧阳晓雪 欧阳建国; class32: bob pb 诸葛明亮 黄月英
    png = png_of_first_page(pdf, artifacts_dir / "accounts-login-slips")
    assert png.stat().st_size > 10_000


def test_a_big_class_starts_each_class_on_a_new_page(personas: Personas, tmp_path: Path) -> None:
    for k in range(30):  # 30 students + 30 parents = 60 slips: several pages for 三年级(2)班
        roster_student(personas, f"2024980{k:02d}", f"测试学生{k:02d}", personas.class32, guardian=f"测试家长{k:02d}")
    pdf, _ = issue_slips_pdf(by=personas.users["wang"], term=personas.term, site_url="http://x/",
                             classes=[personas.class32, personas.class41])
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) >= 3
    assert "四年级(1)班 · 登录凭条" in pages[-1] and "测试学生" not in pages[-1]
    assert all("四年级(1)班 · 登录凭条" not in p for p in pages[:-1])
    assert sum(p.count("测试学生") for p in pages) >= 30


def test_the_download_issues_in_one_transaction_and_is_audited(personas: Personas) -> None:
    roster_student(personas, "20249913", "韩梅梅", personas.class31, guardian="韩父")
    response = client_for(personas, "hu").post(reverse("accounts:class_slips", args=[personas.class31.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content[:4] == b"%PDF"
    log = AuditLog.objects.filter(model="登录凭条").latest("id")
    assert log.actor == personas.users["hu"] and "三年级(1)班" in log.detail


def test_a_failed_render_issues_nothing(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    roster_student(personas, "20249914", "李雷", personas.class31)
    import weasyprint

    def broken(*args: object, **kwargs: object) -> bytes:  # the PDF library failing (e.g. disk full)
        raise OSError("disk full")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    with pytest.raises(OSError):
        issue_slips_pdf(by=personas.users["wang"], term=personas.term, site_url="http://x/",
                        classes=[personas.class31])
    from yincai.school.models import Student

    assert Student.objects.get(student_no="20249914").user is None  # the user creation was rolled back too
    assert not AuditLog.objects.filter(model="登录凭条").exists()


def test_the_admin_prints_every_class_one_page_each(personas: Personas, tmp_path: Path) -> None:
    response = client_for(personas, "wang").post(reverse("accounts:school_slips"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content, tmp_path)
    assert pdf_page_count(response.content, tmp_path) == 3 == len(pages)
    for page, klass in zip(pages, ("三年级(1)班", "三年级(2)班", "四年级(1)班"), strict=True):
        assert f"{klass} · 登录凭条" in page
    assert "dan" in pages[2] and "bob" in pages[1]
