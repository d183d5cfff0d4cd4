"""Parent portal on a phone (375×812): one login for two children, a home-guidance note written by the head
teacher, a reply to the head teacher's message; every family page fits the screen (no horizontal scrolling,
touch targets ≥ 44 px) and breaks no Content Security Policy rule. Screenshots in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, screenshot, watch_csp

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
# a family of its own (other e2e tests use p20240101 and a 三年级(2)班 student as the "stranger")
PARENT, CHILD, SIBLING = "p20240103", "20240103", "20240203"
STUDENT = "20240101"
HEAD_TEACHER, SIBLING_HEAD_TEACHER = "t3chinese1", "t3math1"  # of 三年级(1)班 and 三年级(2)班 in the demo


@pytest.fixture
def phone(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,  # type: ignore[attr-defined]
                                  device_scale_factor=2)
    violations = watch_csp(context)
    page = context.new_page()
    yield page
    context.close()
    assert not violations, "Content Security Policy violations:\n" + "\n".join(dict.fromkeys(violations))


def _login(page: object, server: str, username: str) -> None:
    page.context.clear_cookies()  # type: ignore[attr-defined]
    page.goto(server + "/accounts/login/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", DEMO_PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(server + "/")  # type: ignore[attr-defined]


def _fits(page: object, what: str) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= PHONE["width"], f"{what}: 页面宽 {width}px，出现横向滚动"


def _small_targets(page: object, selector: str) -> list[str]:
    return page.evaluate(  # type: ignore[attr-defined]
        """(sel) => Array.from(document.querySelectorAll(sel)).filter(e => e.offsetParent !== null)
             .filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
             .map(e => e.textContent.trim() + ' ' + Math.round(e.getBoundingClientRect().width) + 'x'
                  + Math.round(e.getBoundingClientRect().height))""", selector)


def test_parent_on_phone_switches_children_reads_note_and_replies(phone: object, server: str) -> None:
    page = phone
    # the sibling's head teacher links the parent's existing account to the second child (one login)
    _login(page, server, SIBLING_HEAD_TEACHER)
    page.goto(server + "/family/inbox/")
    _fits(page, "教师 家校沟通")
    page.click(f"a[data-guardians='{SIBLING}']")
    page.fill("input[name=username]", PARENT)
    page.select_option("select[name=relation]", "mother")
    page.click("form.form button[type=submit]")
    assert "已关联" in page.inner_text("main")

    # the head teacher of the first child writes a home-guidance note and a message
    _login(page, server, HEAD_TEACHER)
    page.goto(server + "/family/notes/")
    page.fill("input[name=title]", "睡前亲子阅读")
    page.fill("textarea[name=text]", "每天睡前陪孩子读15分钟绘本，读完请孩子讲一讲故事。")
    page.check(f".pick label:has-text('{CHILD}') input")
    page.click("form.form button[type=submit]")
    assert "家庭指导建议已发送给家长" in page.inner_text("main")
    page.goto(server + "/family/inbox/")
    page.click(f"a[data-no='{CHILD}']")
    page.fill("textarea[name=text]", "孩子今天数学课上主动举手回答问题，请在家表扬他！")
    page.click(".compose button[type=submit]")
    assert "消息已发送" in page.inner_text("main")
    _fits(page, "教师对话")
    screenshot(page, "family-teacher-thread-375")

    # the parent, on the phone
    _login(page, server, PARENT)
    header = page.inner_text("header")
    assert "退出" in header
    page.goto(server + "/family/")
    tabbar = page.locator("nav.tabbar")
    assert tabbar.is_visible() and not page.locator("nav.mainnav").is_visible()
    assert page.locator(".bell-count").inner_text().strip() != ""  # unread notifications in the header
    switcher = page.locator("nav.switcher a")
    assert switcher.count() == 2
    first_name = switcher.nth(0).inner_text()
    second_name = switcher.nth(1).inner_text()
    assert page.locator("h1").inner_text().startswith(first_name)
    main = page.inner_text("main")
    assert "睡前亲子阅读" in main and "每天睡前陪孩子读15分钟绘本" in main
    for forbidden in ("中位数", "排名", "名次", "百分位", "分层"):
        assert forbidden not in main
    assert not _small_targets(page, "nav.tabbar a, nav.switcher a, .teacher-list a, header a, header button")
    chart = page.locator("[data-chart=own-progress]")
    if chart.count():
        page.wait_for_function("document.querySelector('[data-chart]').dataset.rendered === '1'")
        page.wait_for_timeout(1200)  # let the line animation finish before the screenshot
        box = chart.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    _fits(page, "家长首页")
    screenshot(page, "family-portal-child1-375")

    switcher.nth(1).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(second_name)
    assert "睡前亲子阅读" not in page.inner_text("main")  # the note was for the first child only
    _fits(page, "第二个孩子")
    screenshot(page, "family-portal-child2-375")
    page.locator("nav.switcher a").nth(0).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(first_name)

    # the head teacher's message, with a private reply
    page.locator(".teacher-list a", has_text="班主任").first.click()
    page.wait_for_load_state()
    assert "主动举手回答问题" in page.inner_text("main")
    page.fill("textarea[name=text]", "谢谢老师，我们晚上一定表扬他。")
    page.click(".compose button[type=submit]")
    main = page.inner_text("main")
    assert "消息已发送" in main and "谢谢老师，我们晚上一定表扬他。" in main
    assert "未读" in page.locator(".msg.mine .meta").last.inner_text()
    _fits(page, "家长对话")
    screenshot(page, "family-thread-375")

    page.goto(server + "/family/notifications/")
    _fits(page, "通知中心")
    screenshot(page, "family-notifications-375")

    # the head teacher sees the reply as read-receipt "已读" on their own message
    _login(page, server, HEAD_TEACHER)
    page.goto(server + "/family/inbox/")
    page.click(f"a[data-no='{CHILD}']")
    assert "谢谢老师" in page.inner_text("main")
    assert "已读" in page.locator(".msg.mine .meta").first.inner_text()


@pytest.mark.parametrize(("username", "paths"), [
    (PARENT, ["/", "/family/", "/support/family/", "/family/notifications/"]),
    (STUDENT, ["/", "/me/", "/support/me/"]),
])
def test_family_pages_fit_a_phone(phone: object, server: str, username: str, paths: list[str]) -> None:
    page = phone
    _login(page, server, username)
    for path in paths:
        response = page.goto(server + path)
        assert response and response.status == 200, path
        assert page.locator("nav.tabbar").is_visible(), path
        _fits(page, path)
        assert not _small_targets(page, "nav.tabbar a, header a, header button"), path
        screenshot(page, f"family-fit-{username}{path.replace('/', '_')}")
    # the parent's older pages too (web:child_detail, the plan page of each child)
    if username == PARENT:
        page.goto(server + "/")
        for href in page.eval_on_selector_all("main a[href*='/children/'], main a[href*='/child/']",
                                              "els => els.map(e => e.getAttribute('href'))"):
            page.goto(server + href)
            _fits(page, href)
