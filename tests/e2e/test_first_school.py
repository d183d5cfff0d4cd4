"""A real school from an empty database through the browser only (issue 10): the setup page → the office's
one-sheet roster with guardian columns → 新建测评 → a 双向细目表 naming KPs by unit with a near miss, resolved
in the preview → the score sheet → a student's 学习诊断卡. A second blueprint with the same labels then goes
through without questions. `yincai serve` on an empty SQLite file, Debian chromium; nothing is mocked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_setup import empty_server  # noqa: F401 (fixture: a server over an empty database)
from tests.journey_files import NEAR_MISS, blueprint_xlsx, roster_xlsx, scores_xlsx, students

pytestmark = pytest.mark.e2e


def _upload(page, server: str, section: str, path: Path, assessment: str | None = None) -> None:
    page.goto(server + "/imports/")
    form = page.locator(f"#{section} form")
    if assessment is not None:
        form.locator("select[name=assessment]").select_option(assessment)
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/imports/batches/*/")


def _new_assessment(page, server: str, name: str, date: str) -> str:
    page.goto(server + "/assessments/new/")
    form = page.locator("#assessment-form")
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=kind]").select_option(label="期中")
    form.locator("select[name=scope]").select_option(label="四年级（全年级）")
    form.locator("select[name=subject]").select_option(label="数学")
    form.locator("input[name=date]").fill(date)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/assessments/*/")
    return page.url.rstrip("/").split("/")[-1]


def test_a_school_starts_in_the_browser(page, empty_server: str, tmp_path: Path) -> None:  # noqa: F811
    server = empty_server
    rows = students()
    roster, blueprint, scores = tmp_path / "花名册.xlsx", tmp_path / "双向细目表.xlsx", tmp_path / "成绩.xlsx"
    roster_xlsx(rows, roster)
    blueprint_xlsx(blueprint)
    scores_xlsx(rows, scores)

    # 1. setup
    page.goto(server + "/")
    page.wait_for_url(server + "/setup/")
    page.fill("input[name=school_name]", "阳光小学")
    page.fill("input[name=school_code]", "2144000009")
    page.fill("input[name=term_name]", "2026-2027学年第一学期")
    page.fill("input[name=start_date]", "2026-09-01")
    page.fill("input[name=end_date]", "2027-01-31")
    page.fill("input[name=admin_username]", "zhangxz")
    page.fill("input[name=admin_name]", "张校长")
    page.fill("input[name=admin_password]", "Yangguang#2026")
    page.fill("input[name=admin_password2]", "Yangguang#2026")
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")

    # 2. the office's roster: one sheet, merged header, guardians side by side, an ID column ignored
    _upload(page, server, "roster", roster)
    preview = page.inner_text("main")
    assert "身份证号" in preview  # told it is ignored
    screenshot(page, "journey-roster-preview")
    page.click("#confirm-import")
    assert "已导入" in page.inner_text("main") or "导入完成" in page.inner_text("main")

    # 3. 新建测评
    assessment = _new_assessment(page, server, "四年级数学期中测试", "2026-11-10")

    # 4. the blueprint: units read as units, the near miss asked once with a suggestion
    _upload(page, server, "blueprint", blueprint, assessment)
    readings = page.locator("#kp-readings").inner_text()
    assert "「角的度量」（单元名）" in readings and "「除数是两位数的除法」（单元名）" in readings
    boxes = page.locator("#kp-questions fieldset")
    assert [b.get_attribute("data-label") for b in boxes.all()] == [NEAR_MISS]
    assert "积的变化规律" in boxes.nth(0).inner_text() and page.locator("#confirm-import").is_disabled()
    boxes.nth(0).locator("input[type=radio][value=s0]").check()
    screenshot(page, "journey-blueprint-question")
    page.locator("#save-kp-choices").click()
    page.wait_for_load_state()
    assert page.locator("#confirm-import").is_enabled()
    page.click("#confirm-import")
    page.wait_for_load_state()
    assert page.locator("#batch-status").inner_text() != "待确认"

    # 5. the scores; the committed import re-runs the diagnosis
    _upload(page, server, "scores", scores, assessment)
    assert "缺考" in page.inner_text("main")
    page.click("#confirm-import")
    page.wait_for_load_state()

    # 6. a student's 学习诊断卡 (the recompute runs after the import; wait for it on the class page)
    page.goto(server + "/classes/")
    page.get_by_role("link", name="四年级(1)班").first.click()
    page.wait_for_url("**/classes/*/")
    class_id = page.url.rstrip("/").split("/")[-1]
    student = rows[0]
    for _ in range(60):
        page.goto(server + f"/insight/classes/{class_id}/recompute/status/")
        if "完成" in page.inner_text("body") or "已完成" in page.inner_text("body"):
            break
        page.wait_for_timeout(1000)
    page.goto(server + "/classes/" + class_id + "/")
    page.get_by_role("link", name=student["name"]).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="学习诊断卡").first.click()
    page.wait_for_load_state()
    card = page.inner_text("main")
    assert student["name"] in card and "知识点" in card
    assert "亿以内数的认识" in card or "角的度量与分类" in card
    screenshot(page, "journey-diagnosis-card")

    # 6b. the 分层 page of a new school: nothing confirmed yet; the proposals in one click (边缘 stay for review)
    page.goto(server + f"/insight/classes/{class_id}/tiers/")
    button = page.locator("button:has-text('全部按建议确认')")
    count = re.search(r"（(\d+) 人）", button.inner_text())
    assert count is not None and int(count.group(1)) > 0
    button.click()
    page.wait_for_load_state()
    assert f"已按建议确认 {count.group(1)} 名学生" in page.inner_text(".messages")
    assert page.locator("button:has-text('全部按建议确认')").count() == 0
    screenshot(page, "journey-tiers-confirmed")

    # 7. a second blueprint with the same labels: no questions (the choice was remembered for the school)
    second = _new_assessment(page, server, "四年级数学单元练习", "2026-11-20")
    _upload(page, server, "blueprint", blueprint, second)
    assert page.locator("#kp-questions fieldset").count() == 0
    assert page.locator("#confirm-import").is_enabled()
    assert f"「{NEAR_MISS}」" in page.locator("#kp-readings").inner_text()  # read as the school's alias
