"""`yincai accounts slips|reset` from the server shell."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.personas import Personas
from yincai.accounts.models import AccountState
from yincai.accounts.tests.helpers import fresh, pdf_pages, roster_student
from yincai.cli import main
from yincai.oversight.models import AuditLog

pytestmark = pytest.mark.django_db


def test_slips_for_a_class_write_a_pdf(personas: Personas, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster_student(personas, "20239921", "马小跳", personas.class41, guardian="马天笑")
    out = tmp_path / "slips.pdf"
    assert main(["accounts", "slips", "--class", "四年级(1)班", "--out", str(out)]) == 0
    assert "已为 3 个账号签发初始密码" in capsys.readouterr().out  # dan (no parent on file), 马小跳, 马天笑
    pages = pdf_pages(out.read_bytes(), tmp_path)
    assert len(pages) == 1 and "马小跳" in pages[0] and "马天笑" in pages[0] and "p20239921" in pages[0]
    log = AuditLog.objects.filter(model="登录凭条").latest("id")
    assert log.path.startswith("命令行") and "四年级(1)班" in log.detail
    assert main(["accounts", "slips", "--class", "四年级(1)班", "--out", str(out)]) == 1
    assert "没有需要签发的账号" in capsys.readouterr().err
    assert main(["accounts", "slips", "--class", "4.1", "--all", "--out", str(out)]) == 0


def test_an_unknown_class_is_refused_in_chinese(personas: Personas, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["accounts", "slips", "--class", "九年级(9)班", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "没有班级「九年级(9)班」" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists() and not AccountState.objects.exists()


def test_reset_prints_the_new_password(personas: Personas, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "one.pdf"
    assert main(["accounts", "reset", "bob", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    password = re.search(r"新初始密码：(\S+)", text).group(1)
    assert fresh(personas, "bob").check_password(password)
    assert AccountState.objects.get(user=personas.users["bob"]).must_change_password
    assert "bob" in pdf_pages(out.read_bytes(), tmp_path)[0]
    assert AuditLog.objects.filter(model="账号密码重置", object_id=str(personas.users["bob"].pk)).exists()
    assert main(["accounts", "reset", "nobody"]) == 2
    assert "没有登录名为「nobody」的账号" in capsys.readouterr().err
