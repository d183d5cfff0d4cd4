"""Before the school exists: importing a roster is refused in Chinese (no 'NoneType' crash), and `yincai init`
asks a person at a terminal for what the flags did not give."""

from __future__ import annotations

import argparse
import builtins
import getpass
import sys
from collections.abc import Iterator

import pytest

from yincai.imports.common import ImportRefused
from yincai.imports.services import import_file, preview_file
from yincai.imports.workbooks import roster_template
from yincai.setup.cli import _collect


@pytest.mark.usefixtures("empty_school_db")
def test_a_roster_import_without_a_school_is_refused_with_what_to_do() -> None:
    for call in (preview_file, import_file):
        with pytest.raises(ImportRefused) as info:
            call(user=None, kind="roster", content=roster_template(), file_name="花名册.xlsx")
        assert "yincai init" in str(info.value.problems[0])


def _args(**given: str) -> argparse.Namespace:
    values = {"school": None, "code": None, "term": None, "start": None, "end": None, "admin": None,
              "admin_password": None, "admin_name": "", "grades": None, "subjects": None, "no_input": False}
    return argparse.Namespace(**(values | given))


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[str], list[str], list[str]]]:
    """Typed answers for input() and getpass(), and the prompts shown, as at a real terminal."""
    answers: list[str] = []
    passwords: list[str] = []
    prompts: list[str] = []

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        return answers.pop(0)

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return passwords.pop(0)

    monkeypatch.setattr(builtins, "input", fake_input)
    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    yield answers, passwords, prompts
    assert not answers and not passwords  # every prepared answer was asked for


def test_init_prompts_for_what_is_missing_and_asks_again_on_bad_input(terminal: tuple[list[str], list[str], list[str]],
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    answers, passwords, prompts = terminal
    # code; term (default taken); start (a bad date first); end (default); admin; grades (default)
    answers += ["2144000001", "", "2026-13-01", "2026-09-01", "", "zhangxz", ""]
    passwords += ["Yangguang#2026", "Yangguang#2025", "Yangguang#2026", "Yangguang#2026"]
    values = _collect(_args(school="阳光小学"))
    assert isinstance(values, dict)
    assert values["school"] == "阳光小学" and values["code"] == "2144000001" and values["admin"] == "zhangxz"
    assert values["start"] == "2026-09-01" and "学年" in values["term"] and values["end"]
    assert values["password"] == "Yangguang#2026" and values["grades"] == "1-6"
    out = capsys.readouterr().out
    assert "不是有效日期" in out and "两次输入的密码不一致" in out
    assert not any("学校名称" in p for p in prompts)  # given as a flag, not asked


def test_init_without_a_terminal_names_the_missing_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert _collect(_args(school="阳光小学", code="X")) == "缺少参数：--term --start --end --admin --admin-password" \
                                                         "（或在终端中直接运行 yincai init 按提示填写）"
