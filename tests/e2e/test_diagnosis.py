"""Diagnosis journey on the live server (issue 6): the admin sets the warning rule, the head teacher of
三年级(1)班 runs the recompute and watches its progress, opens a student's 学习诊断卡 with rendered charts,
confirms a tier proposal and acknowledges an alert; a student and a parent see no tier label and no other
student. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e

TIER_WORDS = re.compile("培优|学困|边缘|中等|特长生|分层")


def _filled_template(content: bytes, tmp_path: Path) -> Path:
    """Full marks for everyone but the third student, who gets 0 everywhere (a sharp drop → an alert)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb["成绩"]
    full = [c.value for c in ws[3]][3:]
    for k, row in enumerate(ws.iter_rows(min_row=4)):
        if not row[0].value:
            continue
        for cell, mark in zip(row[3:], full, strict=False):
            if mark is not None:
                cell.value = 0 if k == 2 else mark
    path = tmp_path / "期中成绩.xlsx"
    wb.save(path)
    return path


def _logout(page, server: str) -> None:
    page.context.clear_cookies()


def test_head_teacher_diagnosis_journey(page, server: str, tmp_path: Path) -> None:
    # the school admin makes the warning rule sensitive (one indicator, one test) so this class gets alerts
    login(page, server, "admin")
    page.goto(server + "/insight/alert-rules/")
    page.fill("input[name=score_drop]", "-0.3")
    page.fill("input[name=k]", "1")
    page.fill("input[name=n]", "1")
    page.click("main button:has-text('保存规则')")
    assert "预警规则已保存" in page.inner_text("main")
    _logout(page, server)

    login(page, server, "t3chinese1")
    # the head teacher imports the 期中 math scores of her class from the school's template
    page.goto(server + "/imports/")
    option = page.locator("#scores-assessment option", has_text="三年级数学期中测试").first
    assessment_id = option.get_attribute("value")
    template = page.request.get(f"{server}/imports/assessments/{assessment_id}/template.xlsx")
    assert template.status == 200
    path = _filled_template(template.body(), tmp_path)
    page.select_option("#scores-assessment", assessment_id)
    page.set_input_files("#scores input[type=file]", str(path))
    page.click("#scores button:has-text('上传并预览')")
    page.click("#confirm-import")
    assert "导入完成" in page.inner_text(".messages")

    # the import queued a recompute of the grade: the class portrait shows its progress, then its time
    page.click("text=诊断与分层")
    page.get_by_role("link", name="班级画像与薄弱点").first.click()
    assert "三年级(1)班 学情画像" in page.inner_text("h1")
    page.wait_for_selector("#job-status")
    screenshot(page, "diagnosis-job-progress")
    page.wait_for_selector("[data-job-done]", timeout=120_000)
    assert "最近一次诊断计算" in page.inner_text("#job-status")
    page.reload()
    page.wait_for_selector("[data-chart=heatmap] canvas")
    page.wait_for_selector("[data-chart=distribution] canvas")
    screenshot(page, "diagnosis-class-portrait")
    class_url = page.url
    page.get_by_role("link", name="三年级数学期中测试").first.click()
    page.wait_for_selector("[data-chart=items] canvas")
    items_text = page.inner_text("main")
    assert "逐题统计" in items_text and "区分度" in items_text and "知识点覆盖" in items_text
    screenshot(page, "diagnosis-item-analysis")
    page.goto(class_url)
    classmates = page.locator("section:has-text('学生诊断卡') li a").all_inner_texts()
    assert len(classmates) >= 10

    # a student's 学习诊断卡: trajectory and radar charts rendered, KP list with intervals, weak KPs
    page.get_by_role("link", name=classmates[1]).click()
    page.wait_for_selector("[data-chart=trajectory] canvas")
    page.wait_for_selector("[data-chart=radar] canvas")
    text = page.inner_text("main")
    assert "学习诊断卡" in text and "知识点掌握" in text and "薄弱知识点与根源" in text
    assert re.search(r"\d+%（\d+–\d+%）", text), "KP mastery should show an interval"
    screenshot(page, "diagnosis-portrait")
    pdf = page.request.get(page.url + "pdf/")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"

    # confirm the first tier proposal of the class
    page.goto(page.url.split("/insight/")[0] + "/insight/")
    page.get_by_role("link", name="分层建议与确认").first.click()
    assert "分层信息仅教师可见" in page.inner_text("main")
    first_row = page.locator("tr[id^=tier-]").first
    first_row.locator("button:has-text('确认')").click()
    assert "已记录" in page.inner_text(".messages")
    assert "未确认" not in page.locator("tr[id^=tier-]").first.inner_text()
    screenshot(page, "diagnosis-tiers")

    # the alert inbox: evidence shown, acknowledge one
    page.click("text=学业预警")
    cards = page.locator(".alert-card")
    assert cards.count() >= 1, "with k=1, n=1 the class must have at least one alert"
    assert "阈值" in cards.first.inner_text()
    cards.first.locator("button:has-text('知悉')").click()
    assert "已更新" in page.inner_text(".messages")
    assert "已知悉" in page.locator(".alert-card").first.inner_text()
    screenshot(page, "diagnosis-alerts")
    _logout(page, server)

    # student and parent: no tier label, no other student, diagnosis pages refused
    for username in ("20240101", "p20240101"):
        login(page, server, username)
        pages = ["/", "/me/"] if username == "20240101" else ["/"]
        if username == "p20240101":
            child = page.locator("a[href*='/family/children/']").first.get_attribute("href")
            assert child
            pages.append(child)
        for path in pages:
            page.goto(server + path)
            body = page.inner_text("body").replace("培优辅差", "")  # the product's tagline, not a tier
            assert not TIER_WORDS.search(body), f"{username} sees a tier word on {path}"
            assert not any(name in body for name in classmates[1:]), f"{username} sees another student on {path}"
        screenshot(page, f"diagnosis-family-{username}")
        for path in ("/insight/", "/insight/alerts/"):
            assert page.goto(server + path).status == 403
        _logout(page, server)
