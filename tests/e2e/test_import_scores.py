"""A math teacher downloads the score template, fills it in Excel-style, uploads it through the browser, sees the
preview in Chinese, confirms, and the import is done; a wrong sheet is refused with located problems."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def _download_template(page, server: str) -> tuple[openpyxl.Workbook, str]:
    page.goto(server + "/imports/")
    assessment_id = page.locator("#scores-assessment").input_value()
    with page.expect_download() as info:
        page.locator(f"a[href='/imports/assessments/{assessment_id}/template.xlsx']").first.click()
    path = info.value.path()
    return openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes())), assessment_id


def _fill(wb: openpyxl.Workbook, *, too_high: bool = False) -> list[str]:
    ws = wb["成绩"]
    first = 1 + next(r for r in range(1, 6) if ws.cell(r, 1).value == "满分")
    maxes = [ws.cell(first - 1, c).value for c in range(4, ws.max_column + 1)]
    n_items = len([m for m in maxes if isinstance(m, int | float)])
    filled = []
    for k, r in enumerate(range(first, ws.max_row + 1)):
        if not ws.cell(r, 1).value:
            continue
        filled.append(str(ws.cell(r, 1).value))
        if k == 1:
            ws.cell(r, 4, "缺考")
            continue
        for j in range(n_items):
            ws.cell(r, 4 + j, (maxes[j] + 1) if too_high and k == 0 and j == 0 else (j + k) % int(maxes[j] + 1))
    return filled


def _upload(page, wb: openpyxl.Workbook, assessment_id: str, tmp: Path, name: str) -> None:
    path = tmp / name
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    page.goto(page.url.split("/imports")[0] + "/imports/")
    form = page.locator("#scores form")
    form.locator("select[name=assessment]").select_option(assessment_id)
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/imports/batches/*/")


def test_a_teacher_uploads_a_filled_template_previews_and_confirms(page, server: str, tmp_path: Path) -> None:
    login(page, server, "t3math1")
    page.get_by_role("link", name="数据导入").click()
    assert "小题得分" in page.inner_text("main")
    screenshot(page, "import-index")
    wb, assessment_id = _download_template(page, server)
    filled = _fill(wb)
    assert len(filled) > 10
    _upload(page, wb, assessment_id, tmp_path, "三年级数学成绩.xlsx")
    main = page.inner_text("main")
    assert "导入预览" in main and "待确认" in main and "缺考" in main
    screenshot(page, "import-scores-preview")
    page.click("#confirm-import")
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "导入完成" in main and "已导入" in main
    screenshot(page, "import-scores-committed")
    # the same file again changes nothing
    _upload(page, wb, assessment_id, tmp_path, "三年级数学成绩-再次.xlsx")
    stats = page.inner_text("#summary")
    assert re.search(r"(\d+)\s*修改", stats).group(1) == "0", stats
    # every score of every student is unchanged (the template's assessment may have few items: other e2e tests
    # share this server and create small assessments)
    assert int(re.search(r"([\d,]+)\s*保持不变", stats).group(1).replace(",", "")) >= len(filled)


def test_a_wrong_score_is_refused_with_sheet_row_and_column(page, server: str, tmp_path: Path) -> None:
    login(page, server, "t3math1")
    wb, assessment_id = _download_template(page, server)
    _fill(wb, too_high=True)
    _upload(page, wb, assessment_id, tmp_path, "有错误.xlsx")
    main = page.inner_text("main")
    assert "未写入任何数据" in main and "超过满分" in main
    assert page.locator("#problems tbody tr").count() >= 1
    assert page.locator("#confirm-import").count() == 0
    screenshot(page, "import-scores-refused")
