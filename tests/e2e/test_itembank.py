"""A 三年级 math teacher saves generator variants to the bank and sees the fractions rendered by the vendored
KaTeX (offline, no inline script); a student is refused."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_teacher_generates_fractions_and_sees_them_rendered(page, server: str) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.text} @ {m.location['url']}")
            if m.type == "error" and not m.location["url"].endswith("/favicon.ico") else None)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status == 404 else None)
    login(page, server, "t3math1")
    page.get_by_role("link", name="题库").first.click()
    page.wait_for_url(server + "/itembank/")
    page.goto(server + "/itembank/generate/?generator=fraction_add_sub&level=1&count=6")
    assert page.locator("#generate-preview tbody tr").count() == 6
    page.fill("input[name=name]", "三上 同分母分数加减")
    page.click("#save-family")
    page.wait_for_url(server + "/itembank/?family=*")
    assert "已保存变式题组「三上 同分母分数加减」" in page.inner_text("main")
    page.wait_for_selector("body.math-ready")
    rows = page.locator("#bank-items tbody tr")
    assert rows.count() == 6
    assert page.locator("#bank-items .katex .mfrac").count() >= 12  # two rendered fractions per stem
    assert "\\frac" not in page.inner_text("#bank-items")  # no raw TeX left
    assert not problems, problems  # no CSP violation, no missing KaTeX file or font
    screenshot(page, "itembank-list-fractions")


def test_student_is_refused(page, server: str) -> None:
    login(page, server, "20240101")
    response = page.goto(server + "/itembank/")
    assert response.status == 403
