"""Blueprint (双向细目表 / Q-matrix) import: items with KPs by code or name, abilities, levels; corrections logged."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from tests.personas import Personas
from yincai.assessment.models import Item, ItemScore
from yincai.curriculum.models import KnowledgePoint
from yincai.imports.common import ImportRefused
from yincai.imports.models import ImportChange
from yincai.imports.services import import_file
from yincai.imports.tests.helpers import fresh_assessment, snapshot, xlsx
from yincai.imports.workbooks import blueprint_template

pytestmark = pytest.mark.django_db
HEAD = ["题号", "大题", "满分", "题型", "知识点", "能力维度", "难度层级"]


def _kps(n: int = 3) -> list[KnowledgePoint]:
    return list(KnowledgePoint.objects.filter(subject__code="math", grade_level=3, is_unit=False).order_by("order")[:n])


def _import(p: Personas, a: object, rows: list, user: str = "wang") -> object:
    return import_file(user=p.users[user], kind="blueprint", content=xlsx([HEAD, *rows], title="试卷结构"),
                       file_name="细目表.xlsx", assessment=a)


def test_it_creates_items_with_kps_by_code_and_by_name(personas: Personas) -> None:
    a = fresh_assessment(personas, n_items=0)
    k1, k2, k3 = _kps()
    _import(personas, a, [
        ["1", "一、计算", 4, "计算题", k1.code, "计算", "基础"],
        ["2", "一、计算", 6, "填空题", f"{k2.name}、{k3.code}", "理解", "提高"],
        ["3", "二、解决问题", 10, "解决问题", f"{k1.code}; {k3.name}", "应用", "拓展"],
    ])
    items = list(Item.objects.filter(assessment=a).order_by("order"))
    assert [(i.label, i.section, i.max_score, i.item_type, i.level) for i in items] == [
        ("1", "一、计算", Decimal(4), "计算题", "basic"), ("2", "一、计算", Decimal(6), "填空题", "medium"),
        ("3", "二、解决问题", Decimal(10), "解决问题", "challenge")]
    assert {k.pk for k in items[1].knowledge_points.all()} == {k2.pk, k3.pk}
    assert {k.pk for k in items[2].knowledge_points.all()} == {k1.pk, k3.pk}
    assert items[0].ability.name == "计算"


def test_reimporting_is_idempotent_and_a_correction_is_logged(personas: Personas) -> None:
    a = fresh_assessment(personas, n_items=0)
    k1, k2, _ = _kps()
    rows = [["1", "一", 4, "计算题", k1.code, "计算", "基础"], ["2", "一", 6, "填空题", k2.code, "理解", "提高"]]
    _import(personas, a, rows)
    second = _import(personas, a, rows)
    assert (second.summary["creates"], second.summary["updates"], second.summary["unchanged"]) == (0, 0, 2)
    rows[1][4] = f"{k1.code}、{k2.code}"
    rows[1][2] = 8
    third = _import(personas, a, rows)
    assert third.summary["updates"] == 1
    fields = {c.field: (c.old_value, c.new_value) for c in ImportChange.objects.filter(batch=third)}
    assert fields["第2题 满分"] == ("6", "8")
    assert fields["第2题 知识点"][1] == "、".join(sorted([k1.code, k2.code], key=lambda c: KnowledgePoint.objects.get(
        code=c, subject__code="math").pk))
    assert Item.objects.get(assessment=a, label="2").max_score == Decimal(8)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["1", "一", 4, "", "不存在的知识点", "", ""], "未知知识点：不存在的知识点"),
        (["1", "一", 0, "", "", "", ""], "满分必须是正数"),
        (["1", "一", "四", "", "", "", ""], "满分：「四」不是分数"),
        (["1", "一", 4, "", "", "想象力", ""], "未知能力维度「想象力」"),
        (["1", "一", 4, "", "", "", "很难"], "难度层级「很难」应为 基础/提高/拓展"),
        ([None, "一", 4, "", "", "", ""], "题号为空"),
    ],
)
def test_it_refuses_bad_rows_and_writes_nothing(personas: Personas, row: list, expected: str) -> None:
    a = fresh_assessment(personas, n_items=0)
    before = snapshot(a)
    with pytest.raises(ImportRefused) as exc:
        _import(personas, a, [row])
    assert expected in str(exc.value)
    assert snapshot(a) == before


def test_duplicate_labels_and_missing_columns_are_refused(personas: Personas) -> None:
    a = fresh_assessment(personas, n_items=0)
    with pytest.raises(ImportRefused) as exc:
        _import(personas, a, [["1", "", 4, "", "", "", ""], ["1", "", 4, "", "", "", ""]])
    assert "题号「1」重复" in str(exc.value)
    with pytest.raises(ImportRefused) as exc:
        import_file(user=personas.users["wang"], kind="blueprint", content=xlsx([["题号", "大题"], ["1", "一"]]),
                    file_name="x.xlsx", assessment=a)
    assert "缺少必填列「满分」" in str(exc.value)


def test_full_marks_cannot_drop_below_an_existing_score(personas: Personas) -> None:
    a = fresh_assessment(personas, n_items=1, max_score=5)
    ItemScore.objects.create(item=a.items.get(), student=personas.alice, score=Decimal(5))
    with pytest.raises(ImportRefused) as exc:
        _import(personas, a, [["1", "", 4, "", "", "", ""]])
    assert "已有学生得分 5，不能把满分改为 4" in str(exc.value)


def test_the_blueprint_template_of_an_assessment_round_trips(personas: Personas) -> None:
    a = fresh_assessment(personas, n_items=0)
    k1, _, _ = _kps()
    _import(personas, a, [["1", "一、计算", 4, "计算题", k1.code, "计算", "基础"]])
    wb = openpyxl.load_workbook(io.BytesIO(blueprint_template(a)))
    assert [c.value for c in wb["试卷结构"][2]] == ["1", "一、计算", 4, "计算题", k1.code, "计算", "基础"]
    buf = io.BytesIO()
    wb.save(buf)
    batch = import_file(user=personas.users["wang"], kind="blueprint", content=buf.getvalue(), file_name="t.xlsx",
                        assessment=a)
    assert batch.summary["unchanged"] == 1 and batch.summary["updates"] == 0


def test_a_teacher_of_another_grade_cannot_import_a_blueprint(personas: Personas) -> None:
    with pytest.raises(ImportRefused) as exc:
        _import(personas, personas.other_assessment, [["1", "", 4, "", "", "", ""]], user="ma")
    assert "无权" in str(exc.value)
