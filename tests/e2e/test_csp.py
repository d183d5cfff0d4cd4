"""Content Security Policy in the browser: the header is enforced, the violation detector of the e2e suite
works, and the chart pages (charts, tooltips, interval bars, htmx progress) run without a violation."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

HEAD = "t3chinese1"  # 班主任 of 三年级(1)班 in the demo


def test_the_detector_catches_an_inline_style_and_an_inline_script(page, server: str) -> None:
    response = page.goto(server + "/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    page.evaluate("""() => {
        document.body.insertAdjacentHTML('beforeend', '<div style="color:red">x</div>');
        const s = document.createElement('script'); s.textContent = 'window.injected = 1'; document.body.appendChild(s);
    }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.injected") is None  # the inline script did not run
    assert any("style-src" in v for v in page.csp_violations), page.csp_violations
    assert any("script-src" in v for v in page.csp_violations), page.csp_violations
    page.csp_violations.clear()  # expected here; the fixture fails a test on any violation left


def test_chart_pages_run_without_violations(page, server: str) -> None:
    login(page, server, HEAD)
    page.click("text=诊断与分层")
    page.get_by_role("link", name="班级画像与薄弱点").first.click()
    page.wait_for_selector("[data-chart=heatmap] canvas")
    heatmap = page.locator("[data-chart=heatmap]").bounding_box()
    assert heatmap and heatmap["height"] >= 320  # data-height with data-min-height, through page.js
    chart = page.locator("[data-chart] canvas").first
    box = chart.bounding_box()
    assert box and box["height"] >= 200  # the height came from data-height through page.js
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # tooltips
    classmates = page.locator("section:has-text('学生诊断卡') li a")
    classmates.nth(1).click()
    page.wait_for_selector("[data-chart=trajectory] canvas")
    interval = page.locator(".kp-table .interval").first
    assert interval.evaluate("el => el.style.width") not in ("", "0%")  # set from data-width
    canvas = page.locator("[data-chart=trajectory] canvas").first.bounding_box()
    assert canvas
    page.mouse.move(canvas["x"] + canvas["width"] * 0.6, canvas["y"] + canvas["height"] / 2)
    page.wait_for_timeout(300)
    student_url = page.url.split("/insight/")[0]
    page.goto(server + "/support/")
    page.goto(server + "/support/sessions/")
    assert student_url  # visited the portrait above
    assert page.csp_violations == []
