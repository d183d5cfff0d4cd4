"""First run in the browser: `yincai serve` on an EMPTY database leads to the setup page; filling it in sets the
school up, logs the admin in and lands on the home page. Nothing is mocked."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.conftest import ROOT, _yincai, running_server, screenshot, server_env

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server over a migrated database holding no school."""
    var_dir = tmp_path_factory.mktemp("e2e-empty")
    env = server_env(var_dir)
    migrate = subprocess.run(_yincai("manage", "migrate", "--verbosity", "0"), env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    with running_server(var_dir, env) as base:
        yield base


def test_a_new_school_is_set_up_in_the_browser(page, empty_server: str, tmp_path: Path) -> None:
    page.goto(empty_server + "/accounts/login/")
    page.wait_for_url(empty_server + "/setup/")  # no school yet: even the login page leads here
    assert "学校初始化" in page.inner_text("h1")
    page.fill("input[name=school_name]", "阳光小学")
    page.fill("input[name=school_code]", "2144000001")
    page.fill("input[name=term_name]", "2026-2027学年第一学期")
    page.fill("input[name=start_date]", "2026-09-01")
    page.fill("input[name=end_date]", "2027-01-31")
    page.uncheck("#subjects input[value=labour]")
    page.check("#subjects input[value=it]")
    page.fill("input[name=admin_username]", "zhangxz")
    page.fill("input[name=admin_name]", "张校长")
    page.fill("input[name=admin_password]", "Yangguang#2026")
    page.fill("input[name=admin_password2]", "Yangguang#2025")  # a typo first
    page.click("button[type=submit]")
    assert "两次输入的密码不一致" in page.inner_text("main")
    assert page.input_value("input[name=school_name]") == "阳光小学"  # what was typed is kept
    page.fill("input[name=admin_password]", "Yangguang#2026")
    page.fill("input[name=admin_password2]", "Yangguang#2026")
    screenshot(page, "setup-form")
    page.click("button[type=submit]")
    page.wait_for_url(empty_server + "/")
    assert "校长/教导处" in page.inner_text("header")
    screenshot(page, "setup-home")
    page.goto(empty_server + "/curriculum/?subject=chinese")
    assert "识字与写字" in page.inner_text("main")
    page.click("text=Excel 导入/导出")
    page.wait_for_url(empty_server + "/setup/kp/")
    rows = page.inner_text("table")
    assert "语文" in rows and "英语" in rows and "信息科技" in rows
    with page.expect_download() as download:
        page.click("tr:has-text('英语') >> text=下载 Excel")
    assert download.value.suggested_filename == "英语知识点体系.xlsx"
    screenshot(page, "setup-kp-files")
    edited = tmp_path / "英语知识点体系.xlsx"
    download.value.save_as(edited)
    wb = openpyxl.load_workbook(edited)
    wb["知识点"].append(["E3A-PH01", "自然拼读：短元音", 3, "上", "语音", "语言能力", "E3A-YY02"])
    wb.save(edited)
    page.select_option("select[name=subject]", label="英语")
    page.set_input_files("input[name=file]", str(edited))
    page.click("text=上传并预览")
    preview = page.inner_text("#preview")
    assert "E3A-PH01" in preview and "确认导入" in preview
    screenshot(page, "setup-kp-preview")
    page.click("text=确认导入")
    assert "英语知识点已导入：新增 1 个" in page.inner_text("main")
    response = page.goto(empty_server + "/setup/")
    assert response is not None and response.status == 404
