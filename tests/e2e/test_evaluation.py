"""教导处's evaluation journey on the demo school (issue 14): the dashboard, a drill-down from a grade's 转化率
to the students behind it, the 期初→期中 Sankey, an A/B study, a pre-filled 常规检查 and the term report,
whose DOCX opens with python-docx and carries the school's figures."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_the_dean_evaluates_the_term(page, server: str) -> None:
    from docx import Document

    login(page, server, "admin")
    page.get_by_role("link", name="成效评估", exact=True).click()
    page.wait_for_url("**/evaluation/")
    page.wait_for_selector("[data-chart=tier-compare] canvas")
    main = page.inner_text("main")
    assert "转化率" in main and "三年级" in main and "工作计划" in main
    screenshot(page, "evaluation-dashboard")

    # drill down from a grade's 转化率 to the students behind it
    link = page.locator("a.grade-conversion").first
    link.click()
    page.wait_for_url("**/evaluation/figure/**")
    assert "已转化（离开学困）" in page.inner_text("h1")
    page.go_back()

    # the transitions of confirmed tiers, 期初 → 期中, as a Sankey
    page.click("text=分层变化（桑基图）")
    page.wait_for_url("**/evaluation/transitions/**")
    page.wait_for_selector("[data-chart=sankey] canvas")
    assert "期初 → 期中" in page.inner_text("main")
    page.wait_for_timeout(1500)  # let the Sankey's entry animation finish before the picture
    screenshot(page, "evaluation-sankey")

    # an A/B study: two classes randomised within class × tier
    page.goto(server + "/evaluation/studies/")
    page.fill("input[name=name]", "三年级分层作业实验")
    page.select_option("select[name=subject]", label="数学")
    page.fill("input[name=treatment]", "分层作业")
    page.fill("input[name=control]", "常规作业")
    boxes = page.locator("input[name=classes]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("text=创建并分组")
    page.wait_for_url("**/evaluation/studies/*/")
    assert "名学生分入两组" in page.inner_text("main") and "实验组" in page.inner_text("main")

    # a 常规检查 with what the system recorded pre-filled
    page.goto(server + "/leadership/checks/")
    page.locator("table a", has_text="检查").first.click()
    page.wait_for_url("**/leadership/checks/*/**")
    prefill = page.locator("td.prefill").all_inner_texts()
    assert any("本月记录辅导" in t for t in prefill) and any("负责计划" in t for t in prefill)
    for code in ("lesson_prep", "homework_marking", "home_contact"):
        page.fill(f"input[name=score_{code}]", "8")
    screenshot(page, "evaluation-routine-check")
    page.click("text=保存检查结果")
    assert "已保存" in page.inner_text("main")

    # the term report, as DOCX with the school's figures
    page.goto(server + "/evaluation/reports/")
    page.select_option("select[name=subject]", label="数学")
    page.click("text=生成 DOCX 与 PDF")
    page.wait_for_selector("text=已生成")
    with page.expect_download() as info:
        page.locator("a", has_text="DOCX").first.click()
    doc = Document(io.BytesIO(Path(info.value.path()).read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "因材实验小学" in text or "小学" in text
    assert "转化率（学困生离开学困层）" in cells and "三年级" in cells
    assert len(doc.inline_shapes) == 1
