"""家校协同 on a phone (375×812) through the real server and chromium: a parent gives and then withdraws the
荣誉墙 photo/name consent (the wall changes accordingly) and signs up for a 家长学校 event; the head teacher
of 三年级(1)班 opens the contact-compliance view, logs a 家访 and the student leaves the overdue list."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import login, screenshot, watch_csp

pytestmark = pytest.mark.e2e

PARENT = "p20240101"
HEAD = "t3chinese1"  # 三年级(1)班 head teacher in the small demo school
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    violations = watch_csp(context)
    pg = context.new_page()
    yield pg
    context.close()
    assert not violations, "Content Security Policy violations:\n" + "\n".join(dict.fromkeys(violations))


def _no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"页面出现横向滚动：{width}px"


def _wall_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".honor").inner_text()


def test_parent_consent_and_workshop_then_head_teacher_contact(phone, server: str) -> None:  # type: ignore[no-untyped-def]
    page = phone
    # --- parent: consent page of the child
    login(page, server, PARENT)
    page.goto(server + "/homeschool/")
    page.get_by_role("link", name="授权与数据权利").first.click()
    page.wait_for_url(re.compile(r"/homeschool/children/\d+/consent/$"))
    consent_url = page.url
    child = page.locator("h1").inner_text().split(" · ")[0].strip()
    _no_horizontal_scroll(page)
    screenshot(page, "homeschool-01-consent")
    honor_row = page.locator("li[data-purpose=honor]")
    assert "未同意" in honor_row.inner_text()
    page.get_by_role("link", name=re.compile("荣誉墙")).click()
    assert child not in _wall_text(page) and "一位同学" in _wall_text(page)
    screenshot(page, "homeschool-02-wall-anonymous")

    page.goto(consent_url)
    honor_row.get_by_role("button", name="同意").click()
    page.wait_for_url(consent_url)
    assert "已同意" in page.locator("li[data-purpose=honor]").inner_text()
    page.get_by_role("link", name=re.compile("荣誉墙")).click()
    assert child in _wall_text(page) and "一位同学" not in _wall_text(page)
    screenshot(page, "homeschool-03-wall-named")

    page.goto(consent_url)
    page.locator("li[data-purpose=honor]").get_by_role("button", name="撤回同意").click()
    page.wait_for_url(consent_url)
    assert "已撤回" in page.locator("li[data-purpose=honor]").inner_text()
    assert "撤回“荣誉墙照片与姓名”" in page.locator("main").inner_text()  # history kept
    screenshot(page, "homeschool-04-consent-withdrawn")
    page.get_by_role("link", name=re.compile("荣誉墙")).click()
    assert child not in _wall_text(page) and "一位同学" in _wall_text(page)

    # --- parent: 家长学校 sign-up
    page.goto(server + "/homeschool/workshops/")
    page.get_by_role("link", name=re.compile("家长专题座谈会")).first.click()
    page.get_by_role("button", name="我要报名").click()
    assert "已报名" in page.locator("main").inner_text()
    _no_horizontal_scroll(page)
    screenshot(page, "homeschool-05-workshop-signed")
    page.context.clear_cookies()

    # --- head teacher: reminders → class compliance → log a 家访 → the student leaves the overdue list
    login(page, server, HEAD)
    page.goto(server + "/homeschool/")
    reminders = page.locator("#reminders li.overdue a")
    assert reminders.count() >= 1, "演示班级应有本月未联系的后进生"
    reminders.first.click()
    page.wait_for_url(re.compile(r"/homeschool/students/\d+/contacts/$"))
    page.get_by_role("link", name=re.compile("联系落实情况")).click()
    page.wait_for_url(re.compile(r"/homeschool/classes/\d+/contacts/$"))
    compliance_url = page.url
    overdue = page.locator("#overdue-list li.overdue")
    before = overdue.count()
    assert before >= 1
    student_id = overdue.first.get_attribute("data-student")
    name = overdue.first.locator("a").inner_text()
    _no_horizontal_scroll(page)
    screenshot(page, "homeschool-06-compliance-before")
    overdue.first.locator("a").click()
    page.select_option("select[name=kind]", "visit")
    page.fill("textarea[name=content]", "家访：与家长交流孩子在家的作业习惯")
    page.fill("textarea[name=actions]", "家长每天签字检查作业，两周后电话回访")
    page.get_by_role("button", name="保存").click()
    assert "家访：与家长交流孩子在家的作业习惯" in page.locator("main").inner_text()
    screenshot(page, "homeschool-07-contact-logged")
    page.goto(compliance_url)
    assert page.locator(f"#overdue-list li[data-student='{student_id}']").count() == 0
    assert page.locator(f"#done-list li[data-student='{student_id}']").count() == 1
    assert page.locator("#overdue-list li.overdue").count() == before - 1
    assert name in page.locator("#done-list").inner_text()
    _no_horizontal_scroll(page)
    screenshot(page, "homeschool-08-compliance-after")
