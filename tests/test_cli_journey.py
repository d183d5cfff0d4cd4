"""A real school from an empty database through the CLI alone (issue 10): init → roster → assessment create →
blueprint (unit names and a near miss) → scores → recompute, each a `yincai` subprocess on a fresh SQLite
file, in that order, with no Python shell. The database is then read directly to check the diagnosis."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from tests.journey_files import NEAR_MISS, blueprint_xlsx, roster_xlsx, scores_xlsx, students

ROOT = Path(__file__).resolve().parents[1]


def _yincai(var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"YINCAI_VAR_DIR": str(var), "PYTHONPATH": str(ROOT / "src")})
    return subprocess.run([sys.executable, "-m", "yincai.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_a_school_starts_from_the_command_line(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    rows = students()
    roster, blueprint, scores = tmp_path / "花名册.xlsx", tmp_path / "双向细目表.xlsx", tmp_path / "成绩.xlsx"
    roster_xlsx(rows, roster)
    blueprint_xlsx(blueprint)
    _, ability = scores_xlsx(rows, scores)

    before = _yincai(var, "import", "roster", str(roster))
    assert before.returncode != 0 and "yincai init" in before.stderr and "Traceback" not in before.stderr

    init = _yincai(var, "init", "--school", "阳光小学", "--code", "2144000001", "--term", "2026-2027学年第一学期",
                   "--start", "2026-09-01", "--end", "2027-01-31", "--admin", "zhangxz",
                   "--admin-password", "Yangguang#2026")
    assert init.returncode == 0, init.stderr

    imported = _yincai(var, "import", "roster", str(roster))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "身份证号" in imported.stdout  # ignored, and the office is told so

    created = _yincai(var, "assessment", "create", "--name", "四年级数学期中测试", "--grade", "4", "--subject", "数学",
                      "--kind", "期中", "--date", "2026-11-10")
    assert created.returncode == 0, created.stderr
    assessment_id = created.stdout.strip().splitlines()[-1]
    assert assessment_id.isdigit()

    asked = _yincai(var, "import", "blueprint", str(blueprint), "--assessment", assessment_id)
    assert asked.returncode != 0 and NEAR_MISS in asked.stdout + asked.stderr  # the near miss is asked about
    accepted = _yincai(var, "import", "blueprint", str(blueprint), "--assessment", assessment_id,
                       "--accept-suggestions")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "积的变化规律" in accepted.stdout  # says which suggestion it took

    scored = _yincai(var, "import", "scores", str(scores), "--assessment", assessment_id)
    assert scored.returncode == 0, scored.stdout + scored.stderr
    recomputed = _yincai(var, "recompute")
    assert recomputed.returncode == 0, recomputed.stdout + recomputed.stderr

    db = sqlite3.connect(var / "yincai.sqlite3")
    n_students, n_links = db.execute("select count(*), (select count(*) from school_guardianlink) "
                                     "from school_student").fetchone()
    assert n_students == len(rows) and n_links == 2 * len(rows)
    assert not db.execute("select count(*) from school_student where name like '%4401%'").fetchone()[0]
    kps = {name for (name,) in db.execute(
        "select kp.name from assessment_item_knowledge_points q join curriculum_knowledgepoint kp "
        "on kp.id = q.knowledgepoint_id")}
    assert {"亿以内数的认识", "角的度量与分类", "积的变化规律", "商的变化规律", "条形统计图"} <= kps
    absent = db.execute("select count(*) from assessment_itemscore where state = 'absent'").fetchone()[0]
    assert absent == 10  # the absent student is not a zero
    mastery = db.execute("select count(*) from insight_kpmastery").fetchone()[0]
    assert mastery > 0
    estimates = dict(db.execute(
        "select s.student_no, p.estimate from insight_tierproposal p join school_student s on s.id = p.student_id "
        "where p.estimate is not null"))
    order = [r["no"] for r in rows]
    have = [i for i, no in enumerate(order) if no in estimates]
    assert len(have) >= len(rows) - 1
    rho = spearmanr([estimates[order[i]] for i in have], ability[np.array(have)]).statistic
    print(f"\n[cli journey] {n_students} students, {mastery} KP mastery rows; Spearman(estimate, true ability) = {rho:.2f}")
    assert rho > 0.6

    # a second blueprint with the same labels goes through without questions (the alias was remembered)
    second = _yincai(var, "assessment", "create", "--name", "四年级数学单元练习", "--grade", "4", "--subject", "数学",
                     "--kind", "单元", "--date", "2026-11-20")
    second_id = second.stdout.strip().splitlines()[-1]
    again = _yincai(var, "import", "blueprint", str(blueprint), "--assessment", second_id)
    assert again.returncode == 0, again.stdout + again.stderr
