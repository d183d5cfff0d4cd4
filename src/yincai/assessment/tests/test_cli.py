"""`yincai assessment create|list`: the new id alone on the last line; bad input → one Chinese line, exit 2."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.personas import Personas
from yincai.assessment.models import Assessment
from yincai.cli import main

ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.django_db
def test_create_prints_the_new_id_on_its_last_line(personas: Personas, capsys: pytest.CaptureFixture[str]) -> None:
    today = datetime.date.today().isoformat()
    code = main(["assessment", "create", "--name", "期末测试", "--grade", "3", "--subject", "数学", "--kind", "期末",
                 "--date", today, "--class", "三年级(2)班"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 0 and last.isdigit()
    a = Assessment.objects.get(pk=int(last))
    assert (a.name, a.kind, a.school_class, a.subject.code) == ("期末测试", "final", personas.class32, "math")


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), [
    (["--subject", "物理"], "学科「物理」不存在"),
    (["--kind", "月考"], "测评类型「月考」无法识别"),
    (["--grade", "7"], "年级「7」不存在"),
    (["--date", "2026-13-40"], "日期「2026-13-40」无效"),
    (["--class", "三年级(9)班"], "班级「三年级(9)班」不在三年级"),
])
def test_bad_input_is_one_chinese_line_and_exit_2(personas: Personas, capsys: pytest.CaptureFixture[str],
                                                  args: list[str], message: str) -> None:
    base = {"--name": "x", "--grade": "3", "--subject": "math", "--kind": "unit",
            "--date": datetime.date.today().isoformat()}
    argv = ["assessment", "create"]
    for k, v in base.items():
        argv += [k, args[1] if args[0] == k else v]
    if args[0] not in base:
        argv += args
    before = Assessment.objects.count()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert Assessment.objects.count() == before


@pytest.mark.django_db
def test_list_shows_the_terms_assessments(personas: Personas, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assessment", "list", "--grade", "4"]) == 0
    out = capsys.readouterr().out
    assert "四年级数学单元测试" in out and "三年级数学单元测试" not in out and f"{personas.other_assessment.pk}\t" in out


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "yincai.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_create_from_a_real_shell_then_list(tmp_path: Path) -> None:
    """The script path: a fresh database with a school and a term, `create` in a subprocess, its id reused."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"YINCAI_VAR_DIR": str(tmp_path), "PYTHONPATH": str(ROOT / "src")})
    assert _run(env, "manage", "migrate", "--verbosity", "0").returncode == 0
    today = datetime.date.today()
    seed = ("from yincai.school.models import School, Term, Grade, Subject; import datetime as d; "
            "s = School.objects.create(name='新学校', code='NEW'); "
            f"Term.objects.create(school=s, name='2026秋', start_date=d.date.fromisoformat('{today - datetime.timedelta(30)}'), "
            f"end_date=d.date.fromisoformat('{today + datetime.timedelta(30)}')); "
            "Grade.objects.create(school=s, level=4); Subject.objects.create(code='math', name='数学')")
    seeded = _run(env, "manage", "shell", "-c", seed)
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    made = _run(env, "assessment", "create", "--name", "四年级期末", "--grade", "4", "--subject", "数学",
                "--kind", "期末", "--date", today.isoformat())
    assert made.returncode == 0, made.stderr
    new_id = made.stdout.strip().splitlines()[-1]
    assert new_id.isdigit()
    listed = _run(env, "assessment", "list")
    assert listed.returncode == 0 and f"{new_id}\t{today:%Y-%m-%d}\t期末\t数学" in listed.stdout
    bad = _run(env, "assessment", "create", "--name", "x", "--grade", "4", "--subject", "数学", "--kind", "期末",
               "--date", "2026-02-30")
    assert bad.returncode == 2 and bad.stderr.strip() == "新建测评失败：日期「2026-02-30」无效，请写成 YYYY-MM-DD，例如 2026-12-20"
