"""Accounts in the browser: 教导处 resets a student's password and prints a class's 登录凭条; the student and a
parent log in with what they were handed, are forced to 修改密码, and land on their home pages."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e
CLASS_FOR_RESET = "五年级(2)班"  # classes no other e2e test logs into
CLASS_FOR_SLIPS = "五年级(1)班"


def _first_login(page, server: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/accounts/password/")


def _change(page, old: str, new: str) -> None:
    page.fill("input[name=old_password]", old)
    page.fill("input[name=new_password1]", new)
    page.fill("input[name=new_password2]", new)
    page.click("main button[type=submit].primary")


def _first_parent_credentials(layout_text: str) -> tuple[str, str]:
    """The login name and password of the first parent slip: '登录名：p…' and, a line or two below in the same
    column, '初始密码：…' (pdftotext -layout keeps the slips' columns)."""
    lines = layout_text.splitlines()
    for i, line in enumerate(lines):
        for m in re.finditer(r"登录名：\s*(p\d\S*)", line):
            for below in lines[i + 1:i + 4]:
                for pw in re.finditer(r"初始密码：\s*(\S+)", below):
                    if abs(pw.start() - m.start()) <= 4:
                        return m.group(1), pw.group(1)
    raise AssertionError("凭条中没有家长账号")


def _open_class_accounts(page, server: str, class_name: str) -> None:
    page.goto(server + "/")
    page.get_by_role("link", name="账号与登录凭条").click()
    page.get_by_role("link", name=class_name).click()
    assert f"{class_name} · 账号与登录凭条" in page.inner_text("main")


def test_a_reset_student_must_change_the_password_at_first_login(page, server: str) -> None:
    login(page, server, "admin")
    _open_class_accounts(page, server, CLASS_FOR_RESET)
    row = page.locator("main tbody tr").filter(has=page.locator("td:first-child", has_text="学生")).first
    name = row.locator("td").nth(1).inner_text()
    row.get_by_role("link", name="重置密码").click()
    assert name in page.inner_text("main")
    page.get_by_role("button", name="重置并显示新密码").click()
    username = page.inner_text("#slip-username").strip()
    password = page.inner_text("#slip-password").strip()
    assert "新密码只显示这一次" in page.inner_text("main") and len(password) == 6
    screenshot(page, "accounts-reset-done")

    page.set_viewport_size({"width": 375, "height": 800})
    _first_login(page, server, username, password)
    page.goto(server + "/me/")  # every page leads back to the change page until the password is changed
    assert page.url.startswith(server + "/accounts/password/")
    assert "请先设置一个只有你自己知道的新密码" in page.inner_text("main")
    _change(page, password, password)
    assert "新密码不能和当前（初始）密码相同" in page.inner_text("main")
    screenshot(page, "accounts-forced-change-375")
    _change(page, password, "xing2026")
    page.wait_for_url(server + "/me/")  # back where the student was going
    assert "我的成长" in page.inner_text("main")
    page.goto(server + "/")
    assert "你好，" in page.inner_text("main") and "修改密码" in page.inner_text("header")
    screenshot(page, "accounts-student-home-375")
    page.context.clear_cookies()
    login(page, server, username, "xing2026")  # the new password works and nothing is forced any more
    assert page.url == server + "/"


def test_slips_downloaded_for_a_class_let_a_parent_in(page, server: str, tmp_path: Path) -> None:
    login(page, server, "admin")
    _open_class_accounts(page, server, CLASS_FOR_SLIPS)
    assert "从未登录" in page.inner_text("main")  # demo accounts: never handed out by the app
    screenshot(page, "accounts-class-page")
    with page.expect_download() as info:
        page.get_by_role("button", name="下载登录凭条（PDF）").click()
    pdf = tmp_path / "slips.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert f"{CLASS_FOR_SLIPS} · 登录凭条" in text and "家长" in text and "初始密码" in text
    username, password = _first_parent_credentials(text)
    assert username.startswith("p") and len(password) == 8
    _first_login(page, server, username, password)
    _change(page, password, "Family-2026")
    page.wait_for_url(server + "/")
    assert "我的孩子" in page.inner_text("main")
    page.context.clear_cookies()
    login(page, server, "admin")
    _open_class_accounts(page, server, CLASS_FOR_SLIPS)
    row = page.locator("main tbody tr").filter(has_text=username)
    assert "正常使用" in row.inner_text()  # the parent changed the password
