"""A teacher uploads a 双向细目表 naming KPs the way teachers write them; the preview asks once per unknown
label with suggestions, confirm stays disabled until every label is settled (a suggestion, several KPs picked
through the search box, or 不标注), and saving the choices writes nothing but the preview."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def _blueprint(tmp: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "试卷结构"
    ws.append(["题号", "大题", "满分", "题型", "知识点", "能力维度", "难度层级"])
    ws.append(["E1", "一、计算", 4, "计算题", "角的度量", "计算", "基础"])
    ws.append(["E2", "一、计算", 6, "填空题", "小数的加减法", "计算", "提高"])
    ws.append(["E3", "二、应用", 10, "解决问题", "统计", "应用", "拓展"])
    ws.append(["E4", "二、应用", 5, "解决问题", "综合、统计", "应用", "提高"])
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp / "细目表.xlsx"
    path.write_bytes(buf.getvalue())
    return path


def test_the_teacher_settles_each_unknown_kp_label_once_in_the_preview(page, server: str, tmp_path: Path) -> None:
    login(page, server, "admin")
    page.goto(server + "/imports/")
    form = page.locator("#blueprint form")
    select = form.locator("select[name=assessment]")
    math = [o for o in select.locator("option").all() if "数学" in o.inner_text()]
    select.select_option(math[0].get_attribute("value"))
    form.locator("input[type=file]").set_input_files(str(_blueprint(tmp_path)))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/imports/batches/*/")
    assert "「角的度量」（单元名）→ M4A04" in page.locator("#kp-readings").inner_text()  # no question for a unit
    boxes = page.locator("#kp-questions fieldset")
    assert [b.get_attribute("data-label") for b in boxes.all()] == ["小数的加减法", "统计", "综合"]
    assert page.locator("#confirm-import").is_disabled()
    assert "您是否指" in boxes.nth(0).inner_text()

    boxes.nth(0).locator("input[type=radio][value=s0]").check()
    charts = boxes.nth(1)
    charts.locator(".kp-filter").fill("统计")
    visible = [o for o in charts.locator("option").all() if o.get_attribute("hidden") is None]
    assert visible and all("统计" in (o.inner_text() + o.locator("xpath=..").get_attribute("label")) for o in visible)
    charts.locator(".kp-select").select_option([o.get_attribute("value") for o in visible[:2]])
    assert charts.locator(".kp-many").is_checked(), "picking KPs in the list selects that choice"
    boxes.nth(2).locator("input[type=radio][value=none]").check()
    page.locator("#save-kp-choices").click()
    page.wait_for_load_state()

    assert "可以确认导入了" in page.locator(".messages").inner_text()
    assert "已全部确定" in page.locator("#kp-questions h2").inner_text()
    assert page.locator("#confirm-import").is_enabled()
    assert "已选：不标注知识点" in page.locator("#kp-questions fieldset").nth(2).inner_text()
    assert page.locator("#batch-status").inner_text() == "待确认", "saving the choices imports nothing"
    screenshot(page, "blueprint-kp-labels")
