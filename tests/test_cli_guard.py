"""Every `yincai` subcommand that needs a school, run on an empty database, stops with ONE Chinese line on stderr
and a non-zero exit code — never a traceback (issue 10).

Subcommands are found by introspecting the real argparse parser (nested ones such as `accounts reset` too), so a
command added later is checked automatically. Each one must declare `set_defaults(needs_school=True|False)`.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yincai.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


def leaf_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = (),
                  defaults: dict[str, Any] | None = None) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser,
                                                                              dict[str, Any]]]:
    merged = {**(defaults or {}), **parser._defaults}
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser, merged
        return
    for action in subs:
        for name, child in action.choices.items():
            yield from leaf_commands(child, (*path, name), merged)


COMMANDS = list(leaf_commands(build_parser()))
GUARDED = [(path, parser) for path, parser, d in COMMANDS if d.get("needs_school") is True]


def _sample(action: argparse.Action, existing_file: Path) -> str:
    """A value argparse accepts for `action`: a choice, else the first candidate its `type` converts."""
    if action.choices:
        return str(next(iter(action.choices)))
    convert = action.type or str
    for candidate in (str(existing_file), "1", "2026-09-01", "数学", str(existing_file.parent)):
        try:
            convert(candidate)  # type: ignore[operator]
        except Exception:  # argparse would refuse this value; try the next
            continue
        return candidate
    raise AssertionError(f"无法为参数 {action.dest} 构造取值")


def argv_for(path: tuple[str, ...], parser: argparse.ArgumentParser, existing_file: Path) -> list[str]:
    argv = list(path)
    # one option of each required "one of …" group
    chosen = {id(g._group_actions[0]) for g in parser._mutually_exclusive_groups if g.required and g._group_actions}
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        if not action.option_strings:  # positional
            if action.nargs in ("?", "*", argparse.REMAINDER):
                continue
            count = action.nargs if isinstance(action.nargs, int) else 1
            argv += [_sample(action, existing_file)] * count
        elif action.required or id(action) in chosen:
            argv += [action.option_strings[-1]]
            if action.nargs != 0:
                argv.append(_sample(action, existing_file))
    return argv


def _env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"YINCAI_VAR_DIR": str(var_dir), "PYTHONPATH": str(ROOT / "src")})
    return env


def run_cli(var_dir: Path, *argv: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "yincai.cli", *argv], env=_env(var_dir), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """YINCAI_VAR_DIR of a migrated SQLite database without a school."""
    var_dir = tmp_path_factory.mktemp("empty-db")
    done = run_cli(var_dir, "manage", "migrate", "--verbosity", "0")
    assert done.returncode == 0, done.stderr[-2000:]
    return var_dir


@pytest.fixture(scope="module")
def any_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "花名册.csv"
    path.write_text("学号,姓名,性别,年级,班级\n20260101,张小明,男,三年级,1\n", encoding="utf-8")
    return path


def _assert_one_chinese_line(done: subprocess.CompletedProcess[str], what: str) -> None:
    assert "Traceback" not in done.stdout + done.stderr, f"{what}: 出现了 Python 错误堆栈\n{done.stderr[-2000:]}"
    assert done.returncode != 0, f"{what}: 没有学校时应以非零状态退出\n{done.stdout[-1000:]}"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and CJK.search(lines[0]), f"{what}: stderr 应为一行中文提示，实际：{done.stderr!r}"
    assert "yincai init" in lines[0]
    assert done.stdout.strip() == "", f"{what}: 不应输出其他内容：{done.stdout!r}"


def test_every_command_declares_whether_it_needs_a_school() -> None:
    undeclared = [" ".join(path) for path, _, d in COMMANDS if not isinstance(d.get("needs_school"), bool)]
    assert not undeclared, f"这些命令没有声明 set_defaults(needs_school=True/False)：{undeclared}"
    exempt = {" ".join(path) for path, _, d in COMMANDS if d["needs_school"] is False}
    assert {"init", "demo", "serve", "manage"} <= exempt
    assert {"import", "recompute"} <= {" ".join(path) for path, _ in GUARDED}


@pytest.mark.parametrize(("path", "parser"), GUARDED, ids=[" ".join(p) for p, _ in GUARDED])
def test_a_command_on_a_database_without_a_school_says_what_to_run_first(
        path: tuple[str, ...], parser: argparse.ArgumentParser, empty_db: Path, any_file: Path) -> None:
    argv = argv_for(path, parser, any_file)
    _assert_one_chinese_line(run_cli(empty_db, *argv), " ".join(argv))


def test_an_unmigrated_database_is_migrated_and_gets_the_same_instruction(tmp_path: Path, any_file: Path) -> None:
    done = run_cli(tmp_path, "import", "roster", str(any_file))
    _assert_one_chinese_line(done, "import roster（未迁移的数据库）")
    assert (tmp_path / "yincai.sqlite3").exists()
    again = run_cli(tmp_path, "recompute")
    _assert_one_chinese_line(again, "recompute")
