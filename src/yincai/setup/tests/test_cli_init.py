"""`yincai init` in a real subprocess on a fresh SQLite file, then `yincai import roster` works on it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.test_cli_guard import run_cli
from yincai.imports.workbooks import roster_template

FLAGS = ["--school", "阳光小学", "--code", "2144000001", "--term", "2026-2027学年第一学期", "--start", "2026-09-01",
         "--end", "2027-01-31", "--admin", "zhangxz", "--admin-password", "Yangguang#2026", "--grades", "1-6"]


def _rows(var_dir: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(var_dir / "yincai.sqlite3") as db:
        return db.execute(sql).fetchall()


@pytest.fixture
def roster_file(db: None, tmp_path: Path) -> Path:
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(roster_template())  # its sample rows: 张小明 (三年级1班), 王小红 (2班), parents, 李老师 teaching math
    return path


def test_init_then_import_roster_from_the_command_line(tmp_path: Path, roster_file: Path) -> None:
    done = run_cli(tmp_path, "init", *FLAGS)
    assert done.returncode == 0, done.stderr
    assert "学校初始化完成：阳光小学" in done.stdout and "知识点：语文" in done.stdout
    assert _rows(tmp_path, "select name, code from school_school") == [("阳光小学", "2144000001")]
    assert _rows(tmp_path, "select count(*) from school_grade") == [(6,)]
    admin = _rows(tmp_path, "select u.is_superuser, r.role from auth_user u join school_staff s on s.user_id = u.id "
                            "join school_staffrole r on r.staff_id = s.id where u.username = 'zhangxz'")
    assert admin == [(1, "admin")]

    imported = run_cli(tmp_path, "import", "roster", str(roster_file))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "导入完成" in imported.stdout
    assert _rows(tmp_path, "select student_no, name from school_student order by student_no") == [
        ("20260101", "张小明"), ("20260201", "王小红")]

    again = run_cli(tmp_path, "init", *FLAGS)
    assert again.returncode != 0 and "学校已经初始化（阳光小学" in again.stderr and "Traceback" not in again.stderr
    assert _rows(tmp_path, "select count(*) from school_school") == [(1,)]


def test_bad_flags_are_refused_in_chinese_and_write_nothing(tmp_path: Path) -> None:
    bad = [*FLAGS]
    bad[bad.index("2027-01-31")] = "2026-08-01"
    bad[bad.index("Yangguang#2026")] = "12345678"
    done = run_cli(tmp_path, "init", *bad)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "学期结束日期必须晚于开始日期" in done.stderr and "未写入任何数据" in done.stderr
    assert _rows(tmp_path, "select count(*) from school_school") == [(0,)]
    assert _rows(tmp_path, "select count(*) from auth_user") == [(0,)]


def test_missing_flags_without_a_terminal_are_named_instead_of_prompted(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "init", "--school", "阳光小学")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("缺少参数：--code --term --start --end --admin --admin-password")
