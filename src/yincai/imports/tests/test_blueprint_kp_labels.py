"""Blueprint KP labels the way teachers write them: unit names resolve, near misses are asked once with
suggestions, the answers are remembered as the school's aliases, and nothing is written before confirmation."""

from __future__ import annotations

import datetime

import pytest

from tests.personas import Personas
from yincai.assessment.models import Assessment, Item
from yincai.curriculum.matching import normalise
from yincai.curriculum.models import KnowledgePoint, KnowledgePointAlias
from yincai.curriculum.services import kp_alias_save
from yincai.imports.common import ImportRefused
from yincai.imports.models import ImportBatch
from yincai.imports.services import batch_confirm, batch_create, batch_resolve, import_file
from yincai.imports.tests.helpers import snapshot, xlsx
from yincai.school.models import School, Subject

pytestmark = pytest.mark.django_db
HEAD = ["题号", "大题", "满分", "题型", "知识点", "能力维度", "难度层级"]
ROWS = [
    ["1", "一、计算", 4, "计算题", "角的度量", "计算", "基础"],
    ["2", "一、计算", 6, "填空题", "除数是两位数的除法、统计", "理解", "提高"],
    ["3", "二、应用", 10, "解决问题", "小数的加减法", "应用", "拓展"],
    ["4", "二、应用", 5, "解决问题", "统计", "应用", "提高"],
]


def _grade4(p: Personas, name: str = "四年级单元测") -> Assessment:
    return Assessment.objects.create(term=p.term, grade=p.class41.grade, subject=Subject.objects.get(code="math"),
                                     kind="unit", name=name, date=datetime.date.today())


def _file(rows: list[list[object]] = ROWS) -> bytes:
    return xlsx([HEAD, *rows], title="试卷结构")


def _codes(item: Item) -> list[str]:
    return sorted(item.knowledge_points.values_list("code", flat=True))


def _kp(code: str) -> KnowledgePoint:
    return KnowledgePoint.objects.get(subject__code="math", code=code)


def _upload(p: Personas, a: Assessment, rows: list[list[object]] = ROWS) -> ImportBatch:
    return batch_create(user=p.users["wang"], kind="blueprint", content=_file(rows), file_name="细目表.xlsx",
                        assessment=a)


def test_a_unit_name_resolves_to_the_units_kps(personas: Personas) -> None:
    a = _grade4(personas)
    batch = import_file(user=personas.users["wang"], kind="blueprint", content=_file(ROWS[:1]), file_name="x.xlsx",
                        assessment=a)
    assert _codes(Item.objects.get(assessment=a, label="1")) == ["M4A04", "M4A05"]
    assert batch.summary["labels"] == [{"label": "角的度量", "via": "单元名",
                                        "kps": "M4A04 线段、直线、射线与角、M4A05 角的度量与分类"}]


def test_a_near_miss_is_refused_with_suggestions_and_writes_nothing(personas: Personas) -> None:
    a = _grade4(personas)
    before = snapshot(a), KnowledgePointAlias.objects.count()
    with pytest.raises(ImportRefused) as exc:
        import_file(user=personas.users["wang"], kind="blueprint", content=_file(), file_name="x.xlsx", assessment=a)
    messages = [p.message for p in exc.value.problems]
    assert len(messages) == 2, "each unknown label is asked once, whatever the number of rows using it"
    assert messages[0].startswith("未知知识点：统计（第3、5行）；您是否指：M4A13 条形统计图")
    assert messages[1].startswith("未知知识点：小数的加减法（第4行）；您是否指：M4B11 小数的加法和减法（4下")
    assert (snapshot(a), KnowledgePointAlias.objects.count()) == before


def test_the_preview_asks_once_per_label_and_confirm_is_refused_until_all_are_answered(personas: Personas) -> None:
    a = _grade4(personas)
    batch = _upload(personas, a)
    assert batch.status == "preview" and batch.content, "open questions keep the file for the preview"
    questions = {q["label"]: q for q in batch.summary["questions"]}
    assert set(questions) == {"统计", "小数的加减法"} and batch.summary["open_questions"] == 2
    assert questions["统计"]["rows"] == [3, 5] and questions["统计"]["suggestions"][0]["code"] == "M4A13"
    before = snapshot(a)
    batch = batch_resolve(user=personas.users["wang"], batch=batch, answers={normalise("统计"): [_kp("M4A13").pk]})
    assert batch.summary["open_questions"] == 1
    with pytest.raises(ImportRefused) as exc:
        batch_confirm(user=personas.users["wang"], batch=batch)
    assert "未知知识点：小数的加减法" in str(exc.value)
    batch.refresh_from_db()
    assert batch.status == "preview", "an unanswered question does not refuse the file, it waits"
    assert snapshot(a)[:2] == before[:2] and not KnowledgePointAlias.objects.exists(), "nothing before confirm"


def test_answers_are_written_with_the_items_and_remembered_as_school_aliases(personas: Personas) -> None:
    a = _grade4(personas)
    batch = _upload(personas, a)
    charts = [_kp("M4A13").pk, _kp("M4B14").pk]
    batch = batch_resolve(user=personas.users["wang"], batch=batch, answers={
        normalise("统计"): charts, normalise("小数的加减法"): [_kp("M4B11").pk]})
    assert batch.summary["open_questions"] == 0
    batch = batch_confirm(user=personas.users["wang"], batch=batch)
    assert batch.status == "committed"
    items = {i.label: i for i in Item.objects.filter(assessment=a)}
    assert _codes(items["2"]) == ["M4A10", "M4A11", "M4A12", "M4A13", "M4B14"]
    assert _codes(items["3"]) == ["M4B11"] and _codes(items["4"]) == ["M4A13", "M4B14"]
    alias = KnowledgePointAlias.objects.get(school=personas.school, label="统计")
    assert sorted(alias.knowledge_points.values_list("pk", flat=True)) == sorted(charts)
    assert alias.text == "统计" and alias.created_by == personas.users["wang"]
    assert KnowledgePointAlias.objects.get(label=normalise("小数的加减法")).text == "小数的加减法"


def test_a_second_file_with_the_same_labels_goes_through_without_questions(personas: Personas) -> None:
    first = _grade4(personas)
    batch = _upload(personas, first)
    batch_confirm(user=personas.users["wang"], batch=batch_resolve(
        user=personas.users["wang"], batch=batch,
        answers={normalise("统计"): [_kp("M4A13").pk], normalise("小数的加减法"): [_kp("M4B11").pk]}))
    second = _grade4(personas, "四年级期中")
    rows = [["1", "", 5, "", "小数的加减法", "", ""], ["2", "", 5, "", "统计、角的度量", "", ""]]
    assert _upload(personas, second, rows).summary["open_questions"] == 0
    batch = import_file(user=personas.users["wang"], kind="blueprint", content=_file(rows), file_name="y.xlsx",
                        assessment=second)
    items = {i.label: i for i in Item.objects.filter(assessment=second)}
    assert _codes(items["1"]) == ["M4B11"] and _codes(items["2"]) == ["M4A04", "M4A05", "M4A13"]
    assert {r["label"]: r["via"] for r in batch.summary["labels"]} == {
        "小数的加减法": "本校别名", "统计": "本校别名", "角的度量": "单元名"}


def test_leaving_a_label_untagged_is_an_answer_and_is_remembered(personas: Personas) -> None:
    a = _grade4(personas)
    rows = [["1", "", 5, "", "综合能力", "", ""], ["2", "", 5, "", "综合能力、角的度量", "", ""]]
    batch = _upload(personas, a, rows)
    assert batch.summary["open_questions"] == 1
    batch = batch_resolve(user=personas.users["wang"], batch=batch, answers={normalise("综合能力"): []})
    batch_confirm(user=personas.users["wang"], batch=batch)
    items = {i.label: i for i in Item.objects.filter(assessment=a)}
    assert _codes(items["1"]) == [] and _codes(items["2"]) == ["M4A04", "M4A05"]
    assert not KnowledgePointAlias.objects.get(label="综合能力").knowledge_points.exists()
    again = _grade4(personas, "再测")
    import_file(user=personas.users["wang"], kind="blueprint", content=_file(rows[:1]), file_name="z.xlsx",
                assessment=again)
    assert _codes(Item.objects.get(assessment=again)) == []


def test_another_schools_alias_does_not_apply(personas: Personas) -> None:
    other = School.objects.create(name="别的小学", code="OTHER")
    kp_alias_save(school=other, subject=Subject.objects.get(code="math"), text="统计", kp_ids=[_kp("M6A15").pk])
    a = _grade4(personas)
    with pytest.raises(ImportRefused) as exc:
        import_file(user=personas.users["wang"], kind="blueprint", content=_file(ROWS[3:]), file_name="x.xlsx",
                    assessment=a)
    assert "未知知识点：统计" in str(exc.value)
    kp_alias_save(school=personas.school, subject=Subject.objects.get(code="math"), text="统计",
                  kp_ids=[_kp("M4A13").pk])
    import_file(user=personas.users["wang"], kind="blueprint", content=_file(ROWS[3:]), file_name="x.xlsx",
                assessment=a)
    assert _codes(Item.objects.get(assessment=a)) == ["M4A13"]


def test_answers_are_checked(personas: Personas) -> None:
    a = _grade4(personas)
    batch = _upload(personas, a)
    chinese = KnowledgePoint.objects.create(subject=Subject.objects.get(code="chinese"), code="C1", name="拼音",
                                            grade_level=1, semester="上")
    for answers, expected in [({normalise("统计"): [chinese.pk]}, "不属于数学的知识点体系"),
                              ({"不在文件里": []}, "不在本次导入的待确认列表中"),
                              ({normalise("统计"): [_kp("U4A-角的度量").pk]}, "不属于数学的知识点体系")]:
        with pytest.raises(ImportRefused) as exc:
            batch_resolve(user=personas.users["wang"], batch=batch, answers=answers)
        assert expected in str(exc.value)
    batch.refresh_from_db()
    assert batch.resolutions == {}
    with pytest.raises(ImportRefused) as exc:
        batch_resolve(user=personas.users["ma"], batch=batch, answers={normalise("统计"): []})
    assert "无权" in str(exc.value)


def test_a_committed_batch_takes_no_more_answers(personas: Personas) -> None:
    a = _grade4(personas)
    batch = _upload(personas, a, ROWS[:1])
    batch = batch_confirm(user=personas.users["wang"], batch=batch)
    with pytest.raises(ImportRefused) as exc:
        batch_resolve(user=personas.users["wang"], batch=batch, answers={"统计": []})
    assert "只有待确认的试卷结构导入可以选择知识点" in str(exc.value)


def test_a_file_with_problems_lists_its_unknown_labels_too_and_keeps_nothing(personas: Personas) -> None:
    a = _grade4(personas)
    rows = [["1", "", 4, "", "统计", "想象力", ""], ["2", "", 5, "", "角的度量", "", ""]]
    with pytest.raises(ImportRefused) as exc:
        import_file(user=personas.users["wang"], kind="blueprint", content=_file(rows), file_name="x.xlsx",
                    assessment=a)
    assert [p.message.split("（")[0] for p in exc.value.problems] == ["未知能力维度「想象力」", "未知知识点：统计"]
    assert exc.value.problems[1].row == 2
    batch = _upload(personas, a, rows)
    assert batch.status == "refused" and not batch.content, "a file with problems cannot be resolved into shape"
