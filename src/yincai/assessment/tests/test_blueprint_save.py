"""blueprint_save: the table's rows become the items in one transaction; any bad row writes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.personas import Personas
from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.assessment.services import AssessmentRefused, BlueprintRow, blueprint_save
from yincai.curriculum.models import Ability, KnowledgePoint
from yincai.school.models import Subject

pytestmark = pytest.mark.django_db


def _fresh(p: Personas) -> Assessment:
    return Assessment.objects.create(term=p.term, grade=p.class31.grade, subject=Subject.objects.get(code="math"),
                                     kind="unit", name="结构测试", date=datetime.date.today(), school_class=p.class31)


def _kps(n: int = 3) -> list[KnowledgePoint]:
    return list(KnowledgePoint.objects.filter(subject__code="math", grade_level=3, is_unit=False).order_by("order")[:n])


def _state(a: Assessment) -> list[tuple[Any, ...]]:
    return [(i.pk, i.label, i.section, i.order, i.max_score, i.item_type, i.ability_id, i.level,
             sorted(i.knowledge_points.values_list("code", flat=True))) for i in a.items.order_by("order")]


def test_it_saves_the_rows_as_items_with_kps_ability_and_level(personas: Personas) -> None:
    a = _fresh(personas)
    k1, k2, k3 = _kps()
    ability = Ability.objects.filter(subject__code="math").first()
    saved = blueprint_save(user=personas.users["ma"], assessment=a, rows=[
        BlueprintRow(label="1", section="一、计算", max_score="4", item_type="填空", kps=f"{k1.code} {k2.code}",
                     ability=str(ability.pk), level="basic"),
        BlueprintRow(label="2", section="一、计算", max_score="６", kps=k3.name, ability=ability.name, level="拓展"),
        BlueprintRow(),  # the blank row at the end of the table is ignored
    ])
    assert (saved.created, saved.updated, saved.deleted) == (2, 0, 0)
    rows = _state(a)
    assert [r[1:8] for r in rows] == [("1", "一、计算", 1, Decimal(4), "填空", ability.pk, "basic"),
                                      ("2", "一、计算", 2, Decimal(6), "", ability.pk, "challenge")]
    assert rows[0][8] == sorted([k1.code, k2.code]) and rows[1][8] == [k3.code]


def test_bad_rows_write_nothing_and_every_error_is_in_chinese(personas: Personas) -> None:
    a = _fresh(personas)
    k1 = _kps(1)[0]
    blueprint_save(user=personas.users["ma"], assessment=a, rows=[BlueprintRow(label="1", max_score="5", kps=k1.code)])
    before = _state(a)
    chinese_kp = KnowledgePoint.objects.create(subject=Subject.objects.get(code="chinese"), code="Y3A01",
                                               name="识字", grade_level=3, semester="上")
    with pytest.raises(AssessmentRefused) as exc:
        blueprint_save(user=personas.users["ma"], assessment=a, rows=[
            BlueprintRow(item_id=a.items.get().pk, label="1", max_score="5", kps=k1.code),
            BlueprintRow(label="第1题", max_score="3"),
            BlueprintRow(label="2", max_score="0"),
            BlueprintRow(label="3", max_score="abc"),
            BlueprintRow(label="4", max_score="2", kps=chinese_kp.code),
            BlueprintRow(label="", max_score="2", level="很难"),
        ])
    errors = exc.value.errors
    assert "第2行：题号「第1题」与第1行重复" in errors
    assert any(e.startswith("第3行：满分「0」无效") for e in errors)
    assert any(e.startswith("第4行：满分「abc」无效") for e in errors)
    assert "第5行：知识点「Y3A01」不在数学的知识点体系中" in errors
    assert "第6行：请填写题号" in errors and any("第6行：难度层级「很难」" in e for e in errors)
    assert _state(a) == before


def test_max_score_below_a_stored_score_is_refused(personas: Personas) -> None:
    a = Assessment.objects.get(pk=personas.math_assessment.pk)
    item = a.items.get(label="4")
    top = max(ItemScore.objects.filter(item=item).values_list("score", flat=True))
    assert top > 4
    before = _state(a)
    rows = [BlueprintRow(item_id=i.pk, label=i.label, max_score="4" if i.pk == item.pk else "5")
            for i in a.items.order_by("order")]
    with pytest.raises(AssessmentRefused, match=f"第4题已有学生得分 {top.normalize():f}，满分不能改为 4"):
        blueprint_save(user=personas.users["ma"], assessment=a, rows=rows)
    assert _state(a) == before
    # raising it is fine and keeps the scores
    rows[3] = BlueprintRow(item_id=item.pk, label="4", max_score="8")
    blueprint_save(user=personas.users["ma"], assessment=a, rows=rows)
    item.refresh_from_db()
    assert item.max_score == 8 and ItemScore.objects.filter(item=item).count() == 3


def test_a_scored_item_cannot_be_removed(personas: Personas) -> None:
    a = Assessment.objects.get(pk=personas.math_assessment.pk)
    keep = list(a.items.order_by("order"))[:3]
    with pytest.raises(AssessmentRefused, match="第4题已有 3 条得分，不能删除"):
        blueprint_save(user=personas.users["wang"], assessment=a, rows=[
            BlueprintRow(item_id=i.pk, label=i.label, max_score="5") for i in keep])
    assert a.items.count() == 4


def test_labels_may_swap_and_unscored_rows_be_removed(personas: Personas) -> None:
    a = _fresh(personas)
    blueprint_save(user=personas.users["ma"], assessment=a, rows=[
        BlueprintRow(label=str(n), max_score="2") for n in (1, 2, 3)])
    one, two, three = a.items.order_by("order")
    saved = blueprint_save(user=personas.users["ma"], assessment=a, rows=[
        BlueprintRow(item_id=two.pk, label="1", max_score="2"),
        BlueprintRow(item_id=one.pk, label="2", max_score="2"),
    ])
    assert (saved.created, saved.updated, saved.deleted) == (0, 2, 1)
    assert [(i.pk, i.label) for i in a.items.order_by("order")] == [(two.pk, "1"), (one.pk, "2")]
    assert not Item.objects.filter(pk=three.pk).exists()


def test_a_teacher_who_cannot_see_the_assessment_is_refused(personas: Personas) -> None:
    a = Assessment.objects.get(pk=personas.other_assessment.pk)
    with pytest.raises(AssessmentRefused, match="无权"):
        blueprint_save(user=personas.users["ma"], assessment=a, rows=[BlueprintRow(label="9", max_score="1")])
    assert not a.items.filter(label="9").exists()
