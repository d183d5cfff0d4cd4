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


def test_teacher_imports_a_word_file_of_twenty_questions(page, server: str, tmp_path) -> None:
    from yincai.itembank.tests.helpers import docx_bytes, twenty_lines

    path = tmp_path / "第七单元练习.docx"
    path.write_bytes(docx_bytes(twenty_lines()))
    login(page, server, "t3math1")
    page.goto(server + "/itembank/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload-items")
    page.wait_for_selector("#import-rows")
    assert page.locator("#import-rows tr.import-row").count() == 20
    selects = page.locator("#import-rows td.suggestions select")
    assert selects.count() == 20
    first_choices = [selects.nth(i).locator("option").first.inner_text() for i in range(20)]
    assert all(c and c != "不标注知识点" for c in first_choices)  # every question has a suggested KP
    page.wait_for_selector("body.math-ready")
    screenshot(page, "itembank-word-import-preview")
    page.click("#confirm-import")
    page.wait_for_url(server + "/itembank/?mine=1")
    assert "已导入 20 道题" in page.inner_text("main")


def test_teacher_writes_an_item_with_a_formula_and_picks_a_kp(page, server: str) -> None:
    login(page, server, "t3math1")
    page.goto(server + "/itembank/new/")
    page.fill("#id_stem", "计算：$\\frac{5}{8} - \\frac{3}{8}$ =")
    page.wait_for_selector("#stem-preview .katex .mfrac")
    page.fill("#kp-search", "同分母")
    page.locator("#kp-results a", has_text="M3A12").first.click()
    assert page.input_value("#id_kp_text") == "M3A12"
    page.fill("input[name=answer]", "1/4")
    page.click("#save-item")
    page.wait_for_selector(".messages")
    assert "题目已保存" in page.inner_text("main")
