"""No lost updates through the real server with two browser sessions: a head teacher (A) and the admin (B)
open the same 一人一案; A saves, then B saves the form opened before A's save → B sees 已被他人修改 with A's
change next to B's, and the stored plan is A's."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import login, screenshot, watch_csp

pytestmark = pytest.mark.e2e

HEAD = "t3chinese1"
ADMIN = "admin"


def _session(browser: object, server: str, username: str) -> tuple[object, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    violations = watch_csp(context)
    page = context.new_page()
    login(page, server, username)
    return page, violations


def test_two_sessions_the_second_save_is_refused_and_shows_the_first(browser: object, server: str) -> None:
    a, a_csp = _session(browser, server, HEAD)
    b, b_csp = _session(browser, server, ADMIN)
    try:
        a.goto(server + "/support/")
        a.get_by_role("link", name="三年级(1)班").first.click()
        a.wait_for_url(re.compile(r"/support/classes/\d+/$"))
        link = a.locator("a[href*='/support/plans/']").first
        assert link.count() == 1, "演示班级应有一人一案"
        plan_url = server + link.get_attribute("href")
        a.goto(plan_url)
        b.goto(plan_url)
        for page in (a, b):  # both open the 调整计划 form of the same version
            page.locator("summary", has_text="调整计划").click()
        a.fill("textarea[name=measures]", "A：每天放学后口算十分钟")
        a.get_by_role("button", name="保存调整").click()
        a.wait_for_load_state()
        assert "计划已调整" in a.content()

        b.fill("textarea[name=measures]", "B：周末家长陪练")
        b.get_by_role("button", name="保存调整").click()
        b.wait_for_load_state()
        text = b.locator("body").inner_text()
        screenshot(b, "no-lost-updates-refused")
        assert "已被他人修改" in text
        assert "当前「A：每天放学后口算十分钟」" in text and "您的「B：周末家长陪练」" in text
        # what is stored is A's change (both sessions see it after reloading)
        for page in (a, b):
            page.goto(plan_url)
            body = page.locator("body").inner_text()
            assert "A：每天放学后口算十分钟" in body and "B：周末家长陪练" not in body
    finally:
        a.context.close()
        b.context.close()
    assert not (a_csp + b_csp), "\n".join(a_csp + b_csp)
