"""Each role logs in through the real login page and sees its own home in Chinese; strangers are refused."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e

# username → (role label shown in the header, text the home page must show)
ROLE_HOMES = {
    "admin": ("校长/教导处", "全校概览"),
    "t3english1": ("年级组长", "年级班级一览"),
    "t3chinese1": ("班主任", "我的班级：三年级(1)班"),
    "t3math1": ("科任教师", "我任教的班级"),
    "daoshi3": ("导师", "我负责的学生"),
    "xinli": ("心理教师", "最近心理辅导记录"),
    "20240101": ("学生", "我的成长"),
    "p20240101": ("家长", "我的孩子"),
}


@pytest.mark.parametrize("username", list(ROLE_HOMES))
def test_each_role_sees_its_home_in_chinese(page, server: str, username: str) -> None:
    label, marker = ROLE_HOMES[username]
    login(page, server, username)
    header = page.inner_text("header")
    assert label in header
    assert "退出" in header
    assert marker in page.inner_text("main")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    screenshot(page, f"home-{username}")


def test_wrong_password_is_explained_in_chinese(page, server: str) -> None:
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text("main")


def _href_of(page, server: str, list_path: str, link_text: str) -> str:
    page.goto(server + list_path)
    href = page.get_by_role("link", name=link_text).first.get_attribute("href")
    assert href
    return href


def test_subject_teacher_cannot_open_another_grades_class(page, server: str) -> None:
    login(page, server, "admin")
    other_class = _href_of(page, server, "/classes/", "四年级(1)班")
    own_class = _href_of(page, server, "/classes/", "三年级(1)班")
    page.context.clear_cookies()
    login(page, server, "t3math1")
    assert page.goto(server + own_class).status == 200
    response = page.goto(server + other_class)
    assert response.status == 404
    assert "找不到该页面" in page.inner_text("main")
    screenshot(page, "refused-subject-teacher-other-class")


def test_parent_cannot_open_another_childs_page(page, server: str) -> None:
    login(page, server, "admin")
    page.goto(server + _href_of(page, server, "/classes/", "三年级(2)班"))
    stranger = page.locator("a[href^='/students/']").first.get_attribute("href")
    stranger_id = re.search(r"/students/(\d+)/", stranger).group(1)
    page.context.clear_cookies()
    login(page, server, "p20240101")
    own_href = page.locator("main a[href^='/family/children/']").first.get_attribute("href")
    assert page.goto(server + own_href).status == 200
    assert "与自己的过去相比" in page.inner_text("main")
    page.wait_for_function("document.querySelector('[data-chart]').dataset.rendered === '1'")
    screenshot(page, "parent-own-child")
    response = page.goto(f"{server}/family/children/{stranger_id}/")
    assert response.status == 404
    # the staff student page is refused to a parent outright
    assert page.goto(f"{server}/students/{stranger_id}/").status == 403


def test_student_sees_own_progress_chart_without_tier_labels(page, server: str) -> None:
    login(page, server, "20240101")
    page.goto(server + "/me/")
    page.wait_for_function("document.querySelector('[data-chart]').dataset.rendered === '1'")
    text = page.inner_text("main")
    for label in ("学困", "培优", "边缘", "排名"):
        assert label not in text
    screenshot(page, "student-me")


def test_head_teacher_opens_a_student_with_chart_and_family(page, server: str) -> None:
    login(page, server, "t3chinese1")
    page.locator("main a[href^='/students/']").first.click()
    page.wait_for_function("document.querySelector('[data-chart]').dataset.rendered === '1'")
    assert "成绩轨迹" in page.inner_text("main")
    assert "家庭情况" in page.inner_text("main")
    assert "心理辅导记录" not in page.inner_text("main")
    screenshot(page, "head-teacher-student")
