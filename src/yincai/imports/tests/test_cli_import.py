"""`yincai import scores|blueprint|roster FILE` from the server shell: --dry-run writes nothing, errors exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.personas import Personas
from yincai.cli import main
from yincai.imports.tests.helpers import FIXTURES, fresh_assessment, scores_of, simple_rows, snapshot, xlsx

pytestmark = pytest.mark.django_db


def test_dry_run_prints_the_plan_and_writes_nothing(personas: Personas, capsys: pytest.CaptureFixture[str]) -> None:
    a = fresh_assessment(personas)
    before = snapshot(a)
    code = main(["import", "scores", str(FIXTURES / "scores_merged_header.xlsx"), "--assessment", str(a.pk),
                 "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and "检查通过（--dry-run，未写入）" in out and "新增 12" in out and "缺考 4" in out
    assert snapshot(a) == before


def test_it_imports_and_a_second_run_changes_nothing(personas: Personas, capsys: pytest.CaptureFixture[str]) -> None:
    a = fresh_assessment(personas)
    path = str(FIXTURES / "scores_gbk.csv")
    assert main(["import", "scores", path, "--assessment", str(a.pk)]) == 0
    assert len(scores_of(a)) == 12
    assert main(["import", "scores", path, "--assessment", str(a.pk)]) == 0
    assert "新增 0；修改 0；未变 12" in capsys.readouterr().out.replace("学生 3；题目 4；", "")


def test_a_bad_file_exits_1_with_located_problems(personas: Personas, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    a = fresh_assessment(personas)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(simple_rows(alice=(1, 2, 3, 8))))
    before = snapshot(a)
    assert main(["import", "scores", str(bad), "--assessment", str(a.pk)]) == 1
    out = capsys.readouterr().out
    assert "未写入任何数据" in out and "第2行 F列：第4题得分 8 超过满分 5" in out
    assert snapshot(a) == before


def test_missing_assessment_is_explained(personas: Personas, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "scores", str(FIXTURES / "scores_gbk.csv")]) == 2
    assert "--assessment" in capsys.readouterr().err
