"""Round trip through the real command line: build a school, back up, damage it, restore, compare every table.

Runs on SQLite always and, when the suite runs under ``DATABASE_URL=postgres://…``, also on a fresh
PostgreSQL database of that server (created and dropped here) with pg_dump / pg_restore.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
PG_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
ENGINES = ["sqlite"] + (["postgresql"] if PG_URL else [])

BUILD = """
import django; django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from tests.personas import build_personas
build_personas()
"""
STATES = """
import json, django; django.setup()
from yincai.backup.services import table_states
print(json.dumps({t: [s.rows, s.sha256] for t, s in table_states().items()}))
"""
DAMAGE = """
import django; django.setup()
from yincai.school.models import FamilyProfile, PsychNote, Student
from yincai.assessment.models import ItemScore
PsychNote.objects.all().delete(); FamilyProfile.objects.all().delete()
ItemScore.objects.filter(pk__in=list(ItemScore.objects.values_list("pk", flat=True)[:5])).delete()
Student.objects.filter(student_no="20240101").update(name="改动过的名字")
"""


@pytest.fixture(params=ENGINES)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = sqlite_env(tmp_path / "var")
    if request.param == "sqlite":
        yield env
        return
    import psycopg

    name = f"yincai_backup_{uuid.uuid4().hex[:10]}"
    admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield env
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict[str, str], *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "yincai.cli", *args]
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)


def states(env: dict[str, str]) -> dict[str, list]:
    result = run(env, code=STATES)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_backup_damage_restore_gives_back_every_row_and_file(site: dict[str, str], tmp_path: Path) -> None:
    assert run(site, code=BUILD).returncode == 0
    media = Path(site["YINCAI_VAR_DIR"]) / "media" / "plans"
    media.mkdir(parents=True)
    (media / "计划.txt").write_text("一人一案附件")
    before = states(site)
    assert before["school_student"][0] == 4 and before["school_psychnote"][0] == 1

    archive = tmp_path / "backup.tar.gz"
    made = run(site, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    assert "备份完成" in made.stdout and archive.is_file()
    assert run(site, "backup", str(archive)).returncode == 1  # an existing archive is not overwritten

    assert run(site, code=DAMAGE).returncode == 0
    (media / "计划.txt").write_text("被改过")
    (media / "多余.txt").write_text("恢复后应消失")
    damaged = states(site)
    assert damaged["school_psychnote"][0] == 0
    assert damaged["assessment_itemscore"][0] == before["assessment_itemscore"][0] - 5
    assert damaged["school_student"][1] != before["school_student"][1]  # same count, changed content

    refused = run(site, "restore", str(archive))
    assert refused.returncode == 1
    assert "--force" in refused.stderr
    assert states(site) == damaged  # refusing wrote nothing

    restored = run(site, "restore", str(archive), "--force")
    assert restored.returncode == 0, restored.stderr
    after = states(site)
    assert {t: after[t] for t in before} == before  # every table: row count and checksum
    assert (media / "计划.txt").read_text() == "一人一案附件"
    assert not (media / "多余.txt").exists()


def sqlite_env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "YINCAI_ENV"}}
    env.update({"PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}", "YINCAI_VAR_DIR": str(var),
                "DJANGO_SETTINGS_MODULE": "yincai.settings"})
    return env


def test_restore_into_an_empty_installation_needs_no_force(tmp_path: Path) -> None:
    old, fresh = sqlite_env(tmp_path / "old"), sqlite_env(tmp_path / "new")
    assert run(old, code=BUILD).returncode == 0
    before = states(old)
    archive = tmp_path / "b.tar.gz"
    assert run(old, "backup", str(archive)).returncode == 0
    restored = run(fresh, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "恢复完成" in restored.stdout
    assert states(fresh) == before


def test_a_damaged_archive_is_refused_before_anything_changes(site: dict[str, str], tmp_path: Path) -> None:
    assert run(site, code=BUILD).returncode == 0
    archive = tmp_path / "b.tar.gz"
    assert run(site, "backup", str(archive)).returncode == 0
    before = states(site)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    result = run(site, "restore", str(broken), "--force")
    assert result.returncode == 1
    assert "恢复失败" in result.stderr
    assert states(site) == before
    not_ours = tmp_path / "x.tar.gz"
    not_ours.write_text("hello")
    assert "不是有效的因材备份文件" in run(site, "restore", str(not_ours), "--force").stderr
