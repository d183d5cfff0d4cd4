"""今日练习 and 每日五分钟口算 through the real server and chromium on a 390-px phone: the 三年级 math teacher sets
the practice scope of 三年级(1)班; a student practises (each next item chosen on the server) and does a short drill
(answers typed, checked on the server, ended early with 提前结束), then sees the curve and the streak points; the
parent sees the curve of their own child only; the teacher sees the results (each student's own, no ranking)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import login, screenshot, watch_csp

pytestmark = pytest.mark.e2e

MATH = "t3math1"
STUDENT = "20240101"
PARENT = "p20240101"
PHONE = {"width": 390, "height": 844}


def _solve(stem: str) -> int:
    a, op, b = re.match(r"\s*(\d+)\s*([×÷+\-])\s*(\d+)", stem).groups()  # type: ignore[union-attr]
    x, y = int(a), int(b)
    return {"×": x * y, "÷": x // y, "+": x + y, "-": x - y}[op]


def _phone(browser, server: str, user: str):
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    ctx.csp_violations = watch_csp(ctx)
    pg = ctx.new_page()
    login(pg, server, user)
    return ctx, pg


def _close(ctx) -> None:
    violations = list(ctx.csp_violations)
    ctx.close()
    assert not violations, "Content Security Policy violations:\n" + "\n".join(violations)


def _fits(pg) -> bool:
    return pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_practice_journey(browser, server: str) -> None:
    # --- the teacher sets the practice scope of 三年级(1)班 (表内乘法), on a phone
    tctx, tp = _phone(browser, server, MATH)
    tp.goto(server + "/classes/")
    tp.get_by_role("link", name="三年级(1)班").first.click()
    tp.get_by_role("link", name="今日练习范围与结果").click()
    class_id = re.search(r"/classes/(\d+)/scope/", tp.url).group(1)  # type: ignore[union-attr]
    tp.locator("label.kp-option", has_text="M2A08").locator("input").check()
    tp.fill("input[name=minutes]", "10")
    tp.get_by_role("button", name="保存练习范围").click()
    assert "练习范围已保存" in tp.inner_text("main")
    assert tp.locator("label.kp-option", has_text="M2A08").locator("input").is_checked()

    # --- the student practises three items: each answer is marked by the server and the next item chosen
    sctx, sp = _phone(browser, server, STUDENT)
    sp.get_by_role("link", name="今日练习").click()
    sp.get_by_role("button", name="开始今日练习").click()
    for i in range(3):
        stem = sp.locator(".practice-stem").inner_text()
        assert re.search(r"\d+ [×÷] \d+ =", stem), stem
        sp.fill("input[name=response]", str(_solve(stem) + (1 if i == 2 else 0)))  # the third wrong on purpose
        sp.get_by_role("button", name="提交").click()
        sp.wait_for_load_state()
    assert "答错了，正确答案是" in sp.inner_text("main") and "已答 3 题，答对 2 题" in sp.inner_text("main")
    assert _fits(sp)
    screenshot(sp, "practice-today-390")
    sp.get_by_role("button", name="结束今天的练习").click()
    assert "今天已练 3 题，答对 2 题" in sp.inner_text("main")

    # --- a short 口算 drill: three answers through the page's script, then 提前结束
    sp.goto(server + "/practice/drill/")
    sp.get_by_role("button", name="开始口算").click()
    sp.wait_for_url(re.compile(r"/practice/drill/\d+/$"))
    for i in range(3):
        stem_el = sp.locator(".drill-stem")
        stem = stem_el.inner_text()
        sp.fill("input[name=response]", str(_solve(stem)))
        sp.get_by_role("button", name="确定").click()
        sp.wait_for_function("n => document.querySelector('.drill-score').textContent.includes('已答 ' + n + ' 题')",
                             arg=i + 1)
    assert "✓ 答对了" in sp.inner_text(".drill-feedback")
    assert re.match(r"\d:\d\d", sp.inner_text(".drill-timer"))
    assert _fits(sp)
    screenshot(sp, "practice-drill-390")
    sp.get_by_role("button", name="提前结束").click()
    sp.wait_for_url(re.compile(r"/result/$"))
    assert sp.inner_text(".right-count") == "3"
    assert "口算连续打卡：+1 积分" in sp.inner_text("main")
    sp.get_by_role("link", name="看我的进步曲线").click()
    student_id = re.search(r"/students/(\d+)/drills/", sp.url).group(1)  # type: ignore[union-attr]
    assert sp.inner_text(".streak") == "1 天" and int(sp.inner_text(".practice-points")) >= 1
    sp.wait_for_selector(".drill-chart canvas")
    assert _fits(sp)
    screenshot(sp, "practice-curves-student-390")

    # --- the student's own page: today's practice and drill done, points, streak
    sp.goto(server + "/")
    sp.get_by_role("link", name="我的学习").click()
    main = sp.inner_text("main")
    assert "今日练习：已练 3 题，答对 2 题" in main and "今天已完成 ✓" in main and "错题本" in main
    assert sp.inner_text(".my-page .streak") == "1 天" and int(sp.inner_text(".my-page .balance")) >= 1
    assert _fits(sp)
    screenshot(sp, "practice-me-390")
    _close(sctx)

    # --- the parent sees their own child's curve, and no other child's
    pctx, pp = _phone(browser, server, PARENT)
    pp.get_by_role("link", name="口算曲线").first.click()
    assert f"/practice/students/{student_id}/drills/" in pp.url
    pp.wait_for_selector(".drill-chart canvas")
    assert "1 天" in pp.inner_text(".streak")
    screenshot(pp, "practice-curves-parent-390")
    other = pp.goto(f"{server}/practice/students/{int(student_id) + 1}/drills/")
    assert other is not None and other.status == 404
    _close(pctx)

    # --- the teacher sees the results: each student's own practice and drill curve, no ranking
    tp.goto(f"{server}/practice/classes/{class_id}/scope/")
    table = tp.inner_text(".practice-results")
    assert re.search(r"\t1\t3\t2\t67%", table), table
    assert _fits(tp)
    screenshot(tp, "practice-scope-teacher-390")
    tp.get_by_role("link", name="每日口算曲线").click()
    tp.wait_for_selector(".drill-class-chart canvas")
    main = tp.inner_text("main")
    assert "不排名" in main and "1 天有记录" in main and "中位数" not in main
    screenshot(tp, "practice-class-teacher-390")
    _close(tctx)
