"""学年升级 in the browser: the admin previews the next term; last term's 学习诊断卡 still opens after the
demo's own rollover (the demo school is built through it)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_admin_previews_the_rollover_from_the_menu(page, server: str) -> None:
    login(page, server, "admin")
    page.click("header >> text=学年升级")
    page.click("button:text-is('预览')")  # the form comes filled with the next term
    preview = page.inner_text("#rollover-preview")
    assert "三年级(1)班" in preview and "确认升级" in preview
    assert "往届毕业生" in page.inner_text("main")  # last term's 六年级, archived by the demo's rollover
    screenshot(page, "rollover-preview")
    page.click("button:text-is('取消')")  # the shared demo database stays as it is
    assert page.locator("#rollover-preview").count() == 0


def test_head_teacher_opens_last_terms_diagnosis_card(page, server: str) -> None:
    login(page, server, "t3chinese1")
    page.goto(server + "/")
    page.locator("main a[href^='/students/']").first.click()
    student_url = page.url
    student_id = student_url.rstrip("/").split("/")[-1]
    page.goto(f"{server}/insight/students/{student_id}/")
    page.click("#portrait-terms a")  # the previous term
    main = page.inner_text("main")
    assert "2025-2026学年第二学期" in main and "二年级(1)班" in main
    assert "学习诊断卡" in main
    screenshot(page, "portrait-previous-term")
