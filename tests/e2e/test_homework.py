"""分层作业 and 错题本 through the real server and chromium: a 三年级 math teacher composes a layered homework
from bank items and a generator, the recommended layers appear, publishing over the class's 60 minutes that day
is refused with the minutes; the grade lead sees the 年级 view and approves; a student answers the online part
and sees the result (390 px); the teacher marks the paper part on a 390-px screen with reasons; the wrong items
are in the student's 错题本 with a variant scheduled; three right spaced variants (time moved on the server, not
waited) make it 已掌握."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import login, screenshot, set_fake_today

pytestmark = pytest.mark.e2e

MATH = "t3math1"  # teaches math in 三年级(1)(2)班 of the small demo school
HEAD = "t3chinese1"  # 三年级(1)班 head teacher and 语文 teacher
LEAD = "t3english1"  # 三年级 grade lead
STUDENT = "20240101"  # first student of 三年级(1)班
PHONE = {"width": 390, "height": 844}
START = datetime.date(2026, 12, 7)
GENERATED = re.compile(r"\d+ × \d+ =")  # stems of the times-table generator (typed items have no spaces)


def _solve(stem: str) -> int:
    a, op, b = re.match(r"\s*(\d+)\s*([×÷+\-])\s*(\d+)", stem).groups()  # type: ignore[union-attr]
    x, y = int(a), int(b)
    return {"×": x * y, "÷": x // y, "+": x + y, "-": x - y}[op]


def _logout(page) -> None:
    page.context.clear_cookies()


def _new_homework(page, server: str, target: str, title: str) -> str:
    page.goto(server + "/homework/new/")
    page.select_option("select[name=target]", label=target)
    page.fill("input[name=title]", title)
    page.get_by_role("button", name="建立草稿").click()
    page.wait_for_url(re.compile(r"/homework/\d+/$"))
    return page.url


def _quick_item(page, stem: str, minutes: str, layer: str) -> None:
    page.locator("#quick-item summary").click()
    page.fill("#quick-item textarea[name=stem]", stem)
    page.fill("#quick-item input[name=minutes]", minutes)
    page.select_option("#quick-item select[name=layer]", label=layer)
    page.get_by_role("button", name="录入并加入").click()
    page.wait_for_load_state()
    assert "已录入题库并加入作业" in page.inner_text("main")


def _publish(page) -> None:
    page.locator("#publish").click()
    page.wait_for_load_state()


@pytest.fixture
def start_day(server: str) -> Iterator[datetime.date]:
    """The server's today: a school day inside the demo term, whatever the machine's date; reset after."""
    set_fake_today(START)
    yield START
    set_fake_today(None)


def test_homework_journey(browser, page, server: str, start_day: datetime.date) -> None:
    today = start_day

    # --- the head teacher sets 语文 for 三年级(1)班 today: 40 minutes
    login(page, server, HEAD)
    _new_homework(page, server, "三年级(1)班 · 语文", "生字抄写")
    _quick_item(page, "抄写第五课生字，每个三遍", "40", "基础套餐")
    _publish(page)
    assert "作业已布置" in page.inner_text("main")
    _logout(page)

    # --- the math teacher first sets 三年级(2)班 (items typed into the bank)
    login(page, server, MATH)
    _new_homework(page, server, "三年级(2)班 · 数学", "竖式练习")
    _quick_item(page, "竖式计算：23×4、36×2、108×3", "8", "基础套餐")
    _quick_item(page, "解决问题：每盒 24 支笔，5 盒多少支？", "10", "营养加餐")
    _publish(page)
    assert "作业已布置" in page.inner_text("main")

    # --- 三年级(1)班: the same bank items found by search, a generator, a challenge item
    hw_url = _new_homework(page, server, "三年级(1)班 · 数学", "多位数乘一位数")
    page.fill("input[name=q]", "竖式计算")
    page.get_by_role("button", name="搜索").click()
    row = page.locator("#bank-results tr", has_text="竖式计算")
    row.locator("select[name=layer]").select_option(label="基础套餐")
    row.get_by_role("button", name="加入").click()
    assert "已加入作业" in page.inner_text("main")
    page.fill("input[name=q]", "解决问题")
    page.get_by_role("button", name="搜索").click()
    row = page.locator("#bank-results tr", has_text="每盒 24 支笔")
    row.locator("select[name=layer]").select_option(label="营养加餐")
    row.get_by_role("button", name="加入").click()
    page.select_option("#generate-form select[name=generator]", "times_table")
    page.fill("#generate-form input[name=level]", "2")
    page.fill("#generate-form input[name=count]", "5")
    page.select_option("#generate-form select[name=layer]", label="基础套餐")
    page.get_by_role("button", name="生成并加入").click()
    assert "已生成 5 道题并加入作业" in page.inner_text("main")
    _quick_item(page, "思考题：用 1、2、3、4 组成两位数乘两位数，积最大是多少？", "5", "智慧甜品")
    assert page.locator("#layer-basic li.hw-item").count() == 6
    assert page.locator("#layer-extended li.hw-item").count() == 1
    assert page.locator("#layer-challenge li.hw-item").count() == 1
    layers = {page.locator("#recommendations tbody tr").nth(i).get_attribute("data-layer")
              for i in range(page.locator("#recommendations tbody tr").count())}
    assert page.locator("#recommendations tbody tr").count() >= 12 and len(layers) >= 2, layers
    assert "诊断分层" in page.inner_text("#recommendations")

    # --- over 60 minutes that day: refused with the minutes
    _publish(page)
    refusal = page.inner_text("main .messages")
    assert "已有语文 40 分钟" in refusal and "本次数学" in refusal and "超过 60 分钟上限" in refusal, refusal
    assert f"{today.month} 月 {today.day} 日" in refusal
    assert "草稿" in page.inner_text("h1")
    screenshot(page, "homework-compose-refused")
    page.fill("#request-form input[name=reason]", "单元复习，明天不留数学作业")
    page.get_by_role("button", name="申请年级组长审批").click()
    assert "已提交年级组长审批" in page.inner_text("main")
    _logout(page)

    # --- the grade lead: 年级作业总量调控, approve
    login(page, server, LEAD)
    page.goto(server + "/homework/")
    page.get_by_role("link", name="三年级", exact=True).click()
    page.wait_for_url(re.compile(r"/homework/grades/\d+/"))
    page.wait_for_selector("[data-hwchart] canvas")
    table = page.inner_text("#grade-load")
    assert "三年级(1)班" in table and "语文 40" in table and "三年级(2)班" in table
    assert "多位数乘一位数" in page.inner_text("#pending")
    screenshot(page, "homework-grade-load")
    page.locator("#pending input[name=note]").fill("单元复习，同意本次超时")
    page.locator("#pending").get_by_role("button", name="批准并布置").click()
    assert "已批准并布置" in page.inner_text("main")
    assert "超过上限" in page.inner_text("#grade-load")
    _logout(page)

    # --- a student on a phone answers the online part and sees the result at once
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    sp = phone.new_page()
    login(sp, server, STUDENT)
    sp.goto(server + "/homework/")
    sp.get_by_role("link", name=re.compile("多位数乘一位数")).click()
    sp.wait_for_url(re.compile(r"/homework/assignments/\d+/"))
    assert "推荐" in sp.inner_text("main") and sp.inner_text("#recommended")
    inputs = sp.locator("#answers input[name^=a-]")
    n = inputs.count()
    assert n >= 5  # the five generated items (plus any personal extras)
    for i in range(n):
        stem = inputs.nth(i).locator("xpath=ancestor::li").locator(".stem").inner_text()
        inputs.nth(i).fill(str(_solve(stem) + (1 if i == 0 else 0)))  # the first one wrong on purpose
    sp.get_by_role("button", name="提交在线作答").click()
    sp.wait_for_load_state()
    assert f"已提交 {n} 题，对 {n - 1} 题" in sp.inner_text("main")
    assert sp.locator("b.right").count() >= 4 and sp.locator("b.wrong").count() == 1
    assert sp.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(sp, "homework-student-390")
    phone.close()

    # --- the teacher marks the paper part on a 390-px screen, with reasons
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    tp = phone.new_page()
    login(tp, server, MATH)
    hw_id = re.search(r"/homework/(\d+)/", hw_url).group(1)  # type: ignore[union-attr]
    tp.goto(f"{server}/homework/{hw_id}/mark/")
    first_row = tp.locator(".mark-grid tbody tr").first
    tp.locator(".brush label", has_text="概念不清").click()
    cell = first_row.locator("button.cell").first
    for _ in range(3):  # 空 → 对 → 半对 → 错
        cell.click()
    assert cell.get_attribute("data-mark") == "wrong" and cell.get_attribute("data-reason") == "concept"
    rows = tp.locator(".mark-grid tbody tr")
    for r in range(1, rows.count()):
        rows.nth(r).locator("button.cell").first.click()  # everyone else: 对
    assert tp.evaluate("document.querySelector('.grid-wrap').getBoundingClientRect().right") <= PHONE["width"]
    screenshot(tp, "homework-marking-390")
    tp.get_by_role("button", name="保存批改").click()
    tp.wait_for_load_state()
    assert f"已保存 {rows.count()} 格批改" in tp.inner_text("main")
    tp.goto(f"{server}/homework/{hw_id}/stats/")
    assert "概念不清 1" in tp.inner_text("#review-list")
    phone.close()

    # --- the student's 错题本: both wrong items, a variant scheduled for tomorrow
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    sp = phone.new_page()
    login(sp, server, STUDENT)
    sp.goto(server + "/homework/")
    sp.get_by_role("link", name=re.compile("的错题本")).click()
    entries = sp.locator("li.entry")
    assert entries.count() == 2
    assert "竖式计算" in sp.inner_text("main") and "概念不清" in sp.inner_text("main")
    generated = sp.locator("li.entry", has_text=GENERATED).first
    assert generated.locator(".variant").inner_text() and "×" in generated.locator(".variant").inner_text()
    tomorrow = today + datetime.timedelta(days=1)
    assert generated.locator(".due-date").inner_text() == tomorrow.strftime("%m-%d")
    screenshot(sp, "homework-wrongbook-390")

    # --- three right answers on the spaced schedule, the server's day moved 1, 3, 7 days on
    day = tomorrow
    for n in range(3):
        set_fake_today(day)
        sp.reload()
        generated = sp.locator("li.entry", has_text=GENERATED).first
        variant = generated.locator(".variant").inner_text()
        generated.locator("input[name=response]").fill(str(_solve(variant)))
        generated.get_by_role("button", name="提交").click()
        sp.wait_for_load_state()
        assert "答对了" in sp.inner_text("main")
        day += datetime.timedelta(days=(3, 7, 0)[n])
    generated = sp.locator("li.entry.status-mastered")
    assert generated.count() == 1 and "已掌握" in generated.inner_text()
    screenshot(sp, "homework-wrongbook-mastered-390")
    phone.close()
