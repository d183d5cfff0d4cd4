"""A score import that names grade, subject and date creates its assessment (and items from the headers) in
the same transaction as the scores, on confirmation only."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import Personas
from yincai.assessment.models import Assessment, ItemScore
from yincai.cli import main
from yincai.imports.common import ImportRefused
from yincai.imports.models import ImportBatch
from yincai.imports.services import import_file
from yincai.imports.tests.helpers import xlsx

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today().isoformat()
ROWS = [["学号", "姓名", "第1题(5分)", "第2题（满分3）"], ["20240101", "alice", 4, 3], ["20240102", "amy", "缺考", None]]


def _draft(**kw: str) -> dict[str, str]:
    return {"name": "", "kind": "单元", "grade": "3", "class": "三年级(1)班", "subject": "数学", "date": TODAY} | kw


def test_the_upload_previews_without_creating_then_confirm_creates_it(personas: Personas) -> None:
    c = Client()
    c.force_login(personas.users["ma"])
    before = Assessment.objects.count()
    r = c.post("/imports/upload/", {
        "kind": "scores", "assessment": "", "new_grade": "3", "new_class": "三年级(1)班", "new_subject": "math",
        "new_date": TODAY, "new_kind": "unit", "new_name": "",
        "file": SimpleUploadedFile("成绩.xlsx", xlsx(ROWS))})
    batch = ImportBatch.objects.latest("pk")
    assert r.status_code == 302 and batch.status == "preview" and batch.assessment is None
    assert Assessment.objects.count() == before  # preview only
    page = c.get(f"/imports/batches/{batch.pk}/").content.decode()
    assert f"确认后新建测评：{TODAY} 三年级(1)班数学单元测（三年级(1)班 数学 单元测 {TODAY}）" in page
    r = c.post(f"/imports/batches/{batch.pk}/confirm/")
    batch.refresh_from_db()
    a = batch.assessment
    assert r.status_code == 302 and batch.status == "committed" and a is not None
    assert (a.name, a.school_class, a.kind, a.created_by.user) == (
        f"{TODAY} 三年级(1)班数学单元测", personas.class31, "unit", personas.users["ma"])
    assert list(a.items.order_by("order").values_list("label", "max_score")) == [("1", Decimal(5)), ("2", Decimal(3))]
    got = sorted(ItemScore.objects.filter(item__assessment=a).values_list("student__name", "item__label", "state",
                                                                         "score"))
    assert got == [("alice", "1", "scored", Decimal(4)), ("alice", "2", "scored", Decimal(3)),
                   ("amy", "1", "absent", None), ("amy", "2", "absent", None)]


def test_a_teacher_may_not_create_one_for_another_class(personas: Personas) -> None:
    before = Assessment.objects.count()
    with pytest.raises(ImportRefused, match="新建测评：您不能为三年级\\(1\\)班的数学新建"):
        import_file(user=personas.users["ma2"], kind="scores", content=xlsx(ROWS), file_name="x.xlsx", draft=_draft())
    assert Assessment.objects.count() == before


def test_a_refused_file_creates_no_assessment(personas: Personas) -> None:
    bad = [ROWS[0], ["20240101", "alice", 9, 3]]  # 9 > 5
    before = Assessment.objects.count()
    with pytest.raises(ImportRefused, match="超过满分 5"):
        import_file(user=None, kind="scores", content=xlsx(bad), file_name="x.xlsx", draft=_draft())
    assert Assessment.objects.count() == before


def test_headers_without_full_marks_are_explained(personas: Personas) -> None:
    plain = [["学号", "姓名", "1", "2"], ["20240101", "alice", 4, 3]]
    with pytest.raises(ImportRefused, match="第1题\\(5分\\)"):
        import_file(user=None, kind="scores", content=xlsx(plain), file_name="x.xlsx", draft=_draft())


def test_the_cli_creates_the_assessment_with_the_scores(personas: Personas, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "scores.xlsx"
    path.write_bytes(xlsx(ROWS))
    code = main(["import", "scores", str(path), "--grade", "3", "--subject", "math", "--date", TODAY,
                 "--kind", "期末", "--name", "三年级期末"])
    out = capsys.readouterr().out
    a = Assessment.objects.get(name="三年级期末")
    assert code == 0 and f"已新建测评「三年级期末」（ID {a.pk}）" in out
    assert a.school_class is None and a.kind == "final" and ItemScore.objects.filter(item__assessment=a).count() == 4
