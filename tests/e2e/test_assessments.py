"""A math teacher creates an assessment through the browser and types its blueprint in the table, picking
knowledge points with the search box; a bad row is refused in Chinese and nothing is written."""

from __future__ import annotations

import datetime
import re

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def _row(page, n: int):
    return page.locator("#bp-rows tr").nth(n)


def test_a_teacher_creates_an_assessment_and_types_its_blueprint(page, server: str) -> None:
    login(page, server, "t3math1")
    page.get_by_role("link", name="测评", exact=True).click()
    page.wait_for_url("**/assessments/")
    page.click("#new-assessment")
    page.wait_for_url("**/assessments/new/")
    form = page.locator("#assessment-form")
    form.locator("input[name=name]").fill("第五单元练习")
    form.locator("select[name=kind]").select_option(label="练习")
    form.locator("select[name=scope]").select_option(label="三年级(1)班")
    form.locator("select[name=subject]").select_option(label="数学")
    form.locator("input[name=date]").fill(datetime.date.today().isoformat())
    screenshot(page, "assessment-new")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/assessments/*/")
    assert "已新建测评「第五单元练习」" in page.inner_text("main")

    # two rows: 1 (with two KPs found by search) and 2
    page.click("#bp-add")
    assert _row(page, 0).locator("input[name=label]").input_value() == "1"
    _row(page, 0).locator("input[name=section]").fill("一、计算")
    page.click("#bp-add")
    assert page.locator("#bp-rows tr").count() == 2
    _row(page, 0).locator("input[name=section]").fill("一、计算")
    _row(page, 0).locator("input[name=max_score]").fill("4")
    _row(page, 0).locator("input[name=item_type]").fill("口算")
    _row(page, 0).locator("input[name=kps]").click()
    page.fill("#kp-search", "三位数")
    visible = page.evaluate("Array.from(document.querySelectorAll('#kp-options option')).filter(o => !o.hidden)"
                            ".map(o => o.value)")
    total = page.locator("#kp-options option").count()
    assert 0 < len(visible) < total  # the search filtered the tree
    page.select_option("#kp-options", visible[:2])
    page.click("#kp-add")
    assert _row(page, 0).locator("input[name=kps]").input_value().split() == visible[:2]
    assert _row(page, 0).locator(".kp-names").inner_text()
    _row(page, 0).locator("select[name=level]").select_option(label="基础")
    assert _row(page, 1).locator("input[name=label]").input_value() == "2"  # numbering and section continued
    assert _row(page, 1).locator("input[name=section]").input_value() == "一、计算"
    _row(page, 1).locator("input[name=max_score]").fill("0")
    page.click("#bp-save")
    errors = page.inner_text("#blueprint-errors")
    assert "第2行：满分「0」无效" in errors
    assert page.locator("#bp-rows tr").count() == 2  # the typed rows are kept to correct

    _row(page, 1).locator("input[name=max_score]").fill("6")
    page.click("#bp-save")
    page.wait_for_selector("text=试卷结构已保存")
    assert "新增 2 题" in page.inner_text("main")
    assert "2 题，满分 10" in page.inner_text("#blueprint h2")
    _row(page, 0).locator("input[name=kps]").click()
    screenshot(page, "assessment-blueprint")

    # the upload of a blueprint file stays one click away, with this assessment preselected
    assessment_id = page.url.rstrip("/").split("/")[-1]
    page.click("#upload-blueprint")
    assert page.locator("#blueprint select[name=assessment]").input_value() == assessment_id


def test_a_score_upload_creates_its_assessment_on_confirm(page, server: str, tmp_path) -> None:
    import io
    from pathlib import Path

    import openpyxl

    login(page, server, "t3math1")
    page.goto(server + "/imports/")
    existing = page.locator("#scores-assessment").input_value()
    with page.expect_download() as info:
        page.locator(f"a[href='/imports/assessments/{existing}/template.xlsx']").first.click()
    template = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))["成绩"]
    rows = list(template.iter_rows(values_only=True))
    header = next(r for r in rows if r and "学号" in r)
    no_col, name_col = header.index("学号"), header.index("姓名")
    students = [(r[no_col], r[name_col]) for r in rows[rows.index(header) + 1:] if r[no_col] and r[0] != "满分"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["学号", "姓名", "第1题(5分)", "第2题(5分)"])
    for k, (no, name) in enumerate(students):
        ws.append([no, name, k % 6, (k + 2) % 6])
    path = tmp_path / "新测评成绩.xlsx"
    wb.save(path)

    form = page.locator("#scores form")
    form.locator("#new-assessment-fields summary").click()
    form.locator("select[name=new_grade]").select_option(label="三年级")
    form.locator("input[name=new_class]").fill("三年级(1)班")
    form.locator("select[name=new_subject]").select_option(label="数学")
    form.locator("input[name=new_date]").fill(datetime.date.today().isoformat())
    form.locator("input[name=new_name]").fill("随堂小测（导入时新建）")
    assert form.locator("#scores-assessment").input_value() == ""
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/imports/batches/*/")
    assert "确认后新建测评：随堂小测（导入时新建）" in page.inner_text("main")
    page.get_by_role("button", name=re.compile("确认")).first.click()
    page.wait_for_selector("text=导入完成")
    page.get_by_role("link", name="随堂小测（导入时新建）").click()
    text = page.inner_text("main")
    assert f"已录入 {len(students)} 名学生的 {2 * len(students)} 条小题得分" in text
    assert page.locator("#bp-rows tr").count() == 2
