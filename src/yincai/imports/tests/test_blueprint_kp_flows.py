"""The teacher's two ways through unknown blueprint KP labels: the web preview (Django client) and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import Personas
from yincai.assessment.models import Item
from yincai.cli import main
from yincai.curriculum.models import KnowledgePoint, KnowledgePointAlias
from yincai.imports.models import ImportBatch
from yincai.imports.tests.helpers import fresh_assessment, snapshot, xlsx

pytestmark = pytest.mark.django_db
HEAD = ["题号", "大题", "满分", "题型", "知识点", "能力维度", "难度层级"]
ROWS = [
    ["1", "一、计算", 4, "计算题", "两位数乘两位数", "计算", "基础"],
    ["2", "一、计算", 6, "填空题", "小数的加减法", "计算", "提高"],
    ["3", "二、应用", 10, "解决问题", "统计", "应用", "拓展"],
    ["4", "二、应用", 5, "解决问题", "综合、统计", "应用", "提高"],
]


def _codes(item: Item) -> list[str]:
    return sorted(item.knowledge_points.values_list("code", flat=True))


def _client(p: Personas, name: str) -> Client:
    c = Client()
    c.force_login(p.users[name])
    return c


def _upload(c: Client, a_id: int, rows: list[list[object]]) -> ImportBatch:
    c.post("/imports/upload/", {"kind": "blueprint", "assessment": str(a_id),
                                "file": SimpleUploadedFile("细目表.xlsx", xlsx([HEAD, *rows], title="试卷结构"))})
    return ImportBatch.objects.filter(assessment_id=a_id).latest("pk")


def test_the_teacher_resolves_each_label_once_in_the_preview_then_confirms(personas: Personas) -> None:
    a = fresh_assessment(personas, n_items=0)
    c = _client(personas, "ma")
    batch = _upload(c, a.pk, ROWS)
    page = c.get(f"/imports/batches/{batch.pk}/").content.decode()
    assert batch.status == "preview" and "请确定 3 个知识点名称（还有 3 个未确定）" in page
    assert "「小数的加减法」" in page and "M3B11 简单的小数加减法（3下" in page
    assert re.search(r'id="confirm-import" disabled', page), "confirm is disabled while a label is open"
    assert "两位数乘两位数」（单元名）" in page
    before = snapshot(a)
    response = c.post(f"/imports/batches/{batch.pk}/confirm/", follow=True)
    assert "导入未执行：还有 3 个知识点名称未确定" in response.content.decode() and snapshot(a)[:2] == before[:2]
    questions = ImportBatch.objects.get(pk=batch.pk).summary["questions"]
    keys = [q["key"] for q in questions]
    assert [q["label"] for q in questions] == ["小数的加减法", "统计", "综合"]
    m3b04, m3b11 = (KnowledgePoint.objects.get(subject__code="math", code=k).pk for k in ("M3B04", "M3B11"))
    assert f'<optgroup label="3下 复式统计表"><option value="{m3b04}">M3B04 复式统计表</option>' in page
    assert page.count('<select multiple size="6" name="kps-') == 3, "each label has the searchable KP list"
    # first only two of the three: the page says one is left
    response = c.post(f"/imports/batches/{batch.pk}/resolve/", {
        "key-0": keys[0], "choice-0": "s0", "key-1": keys[1], "choice-1": "kps", "kps-1": [str(m3b04)]}, follow=True)
    page = response.content.decode()
    assert "已保存 2 个知识点名称的选择，还有 1 个未确定" in page and 'id="confirm-import" disabled' in page
    assert not Item.objects.filter(assessment=a).exists() and not KnowledgePointAlias.objects.exists()
    response = c.post(f"/imports/batches/{batch.pk}/resolve/", {"key-2": keys[2], "choice-2": "none"}, follow=True)
    page = response.content.decode()
    assert "可以确认导入了" in page and "（已全部确定）" in page and 'id="confirm-import" disabled' not in page
    assert "已选：不标注知识点" in page and "已选：M3B11 简单的小数加减法" in page
    response = c.post(f"/imports/batches/{batch.pk}/confirm/", follow=True)
    assert "导入完成：新增 4 条" in response.content.decode()
    items = {i.label: i for i in Item.objects.filter(assessment=a)}
    assert _codes(items["1"]) == ["M3B05", "M3B06"] and _codes(items["2"]) == [
        "M3B11"] and _codes(items["4"]) == ["M3B04"]
    assert set(KnowledgePointAlias.objects.values_list("text", flat=True)) == {"小数的加减法", "统计", "综合"}
    assert KnowledgePointAlias.objects.get(text="统计").created_by == personas.users["ma"]
    # the next file with the same labels: no questions, confirm enabled
    second = fresh_assessment(personas, n_items=0, name="第二次")
    batch = _upload(c, second.pk, ROWS)
    page = c.get(f"/imports/batches/{batch.pk}/").content.decode()
    assert "请确定" not in page and 'id="confirm-import" disabled' not in page and "（本校别名）" in page
    assert "导入完成：新增 4 条" in c.post(f"/imports/batches/{batch.pk}/confirm/", follow=True).content.decode()


def test_choosing_several_kps_with_none_selected_is_explained(personas: Personas) -> None:
    a = fresh_assessment(personas, n_items=0)
    c = _client(personas, "ma")
    batch = _upload(c, a.pk, ROWS[2:3])
    key = batch.summary["questions"][0]["key"]
    page = c.post(f"/imports/batches/{batch.pk}/resolve/", {"key-0": key, "choice-0": "kps"}, follow=True)
    assert "没有选中任何知识点" in page.content.decode()
    assert ImportBatch.objects.get(pk=batch.pk).resolutions == {}


def test_a_teacher_cannot_resolve_another_grades_batch(personas: Personas) -> None:
    wang = _client(personas, "wang")
    batch = _upload(wang, personas.other_assessment.pk, ROWS[2:3])
    key = batch.summary["questions"][0]["key"]
    c = _client(personas, "ma")
    assert c.post(f"/imports/batches/{batch.pk}/resolve/", {"key-0": key, "choice-0": "none"}).status_code == 404
    assert c.get(f"/imports/batches/{batch.pk}/resolve/").status_code == 404
    assert ImportBatch.objects.get(pk=batch.pk).resolutions == {}


def test_the_cli_lists_unknown_labels_and_writes_nothing(personas: Personas, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    a = fresh_assessment(personas, n_items=0)
    path = tmp_path / "细目表.xlsx"
    path.write_bytes(xlsx([HEAD, *ROWS], title="试卷结构"))
    before = snapshot(a)
    assert main(["import", "blueprint", str(path), "--assessment", str(a.pk)]) == 1
    out = capsys.readouterr().out
    assert "3 个知识点名称在知识点体系中找不到，未写入任何数据" in out
    assert "「统计」（第4、5行）您是否指：\n      1. M3B04 复式统计表（3下·复式统计表）" in out
    assert "「综合」（第5行）没有相近的知识点" in out and "--accept-suggestions" in out
    assert snapshot(a) == before and not KnowledgePointAlias.objects.exists()
    # with a label that has no suggestion, --accept-suggestions cannot help either
    assert main(["import", "blueprint", str(path), "--assessment", str(a.pk), "--accept-suggestions"]) == 1
    assert "无法自动采用" in capsys.readouterr().out and snapshot(a) == before


def test_the_cli_accepts_the_first_suggestions_and_remembers_them(personas: Personas, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    a = fresh_assessment(personas, n_items=0)
    path = tmp_path / "细目表.xlsx"
    path.write_bytes(xlsx([HEAD, *ROWS[:3]], title="试卷结构"))
    assert main(["import", "blueprint", str(path), "--assessment", str(a.pk), "--dry-run",
                 "--accept-suggestions"]) == 0
    assert not Item.objects.filter(assessment=a).exists() and not KnowledgePointAlias.objects.exists()
    capsys.readouterr()
    assert main(["import", "blueprint", str(path), "--assessment", str(a.pk), "--accept-suggestions"]) == 0
    out = capsys.readouterr().out
    assert "采用建议：「小数的加减法」→ M3B11 简单的小数加减法（3下·小数的初步认识）" in out
    assert "采用建议：「统计」→ M3B04 复式统计表（3下·复式统计表）" in out and "导入完成" in out
    items = {i.label: i for i in Item.objects.filter(assessment=a)}
    assert _codes(items["2"]) == ["M3B11"] and _codes(items["3"]) == ["M3B04"]
    again = fresh_assessment(personas, n_items=0, name="再导一次")
    assert main(["import", "blueprint", str(path), "--assessment", str(again.pk)]) == 0
    out = capsys.readouterr().out
    assert "采用建议" not in out and "知识点「统计」（本校别名）→ M3B04 复式统计表" in out
    assert _codes(Item.objects.get(assessment=again, label="3")) == ["M3B04"]
