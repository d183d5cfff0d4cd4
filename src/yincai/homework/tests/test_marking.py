"""Doing and marking: online answers auto-marked (generator check, normalised compare), the paper grid saved at
once with reasons, completion and accuracy per student and item, the 讲评 list, wrong items to the 错题本."""

from __future__ import annotations

import pytest

from yincai.homework import selectors as sel
from yincai.homework import services as svc
from yincai.homework.models import HomeworkAnswer, WrongBookEntry
from yincai.homework.tests.conftest import bank, homework, staff

pytestmark = pytest.mark.django_db


def _published(p, math):
    hw = homework(p, math)
    gen_items = svc.generate_items(homework=hw, generator_key="fraction_add_sub", level=1, count=3, layer="basic",
                                   author=staff("ma"), seed=7)
    paper = [bank(p, math, "应用题：买书", "", "5"), bank(p, math, "竖式计算", "", "5")]
    for b in paper:
        svc.item_add(homework=hw, bank_item=b, layer="basic")
    svc.homework_publish(homework=hw, by=staff("ma"))
    return hw, [i.bank_item for i in gen_items], paper


def test_generated_items_are_distinct_and_auto_markable(personas, math) -> None:
    hw = homework(personas, math)
    items = svc.generate_items(homework=hw, generator_key="times_table", level=2, count=10, layer="extended",
                               author=staff("ma"), seed=1)
    stems = [i.bank_item.stem for i in items]
    assert len(set(stems)) == 10 and all(i.online and i.bank_item.auto_markable for i in items)
    assert len({i.bank_item.family_id for i in items}) == 1
    with pytest.raises(svc.HomeworkError):
        svc.generate_items(homework=hw, generator_key="nope", level=1, count=1, layer="basic", author=staff("ma"))


def test_online_answers_are_marked_at_once(personas, math) -> None:
    hw, gen, _ = _published(personas, math)
    a = hw.assignments.get(student=personas.alice)
    right = gen[0].answer
    num, den = (int(x) for x in right.split("/")) if "/" in right else (int(right), 1)
    unreduced = f"{num * 2}/{den * 2}"  # 分数加减 needs lowest terms: an unreduced answer is wrong
    answers = svc.answers_submit(assignment=a, responses={gen[0].pk: right, gen[1].pk: unreduced})
    marks = {x.bank_item_id: x.mark for x in answers}
    assert marks[gen[0].pk] == "right" and marks[gen[1].pk] == "wrong"
    assert WrongBookEntry.objects.filter(student=personas.alice, bank_item=gen[1]).exists()
    with pytest.raises(svc.HomeworkError, match="已经提交"):
        svc.answer_online(assignment=a, bank_item=gen[0], response=right)


def test_a_student_cannot_answer_an_item_outside_their_homework(personas, math) -> None:
    hw, gen, paper = _published(personas, math)
    a = hw.assignments.get(student=personas.alice)
    with pytest.raises(svc.HomeworkError, match="不在你的在线作答题目中"):
        svc.answer_online(assignment=a, bank_item=paper[0], response="1")
    assert not HomeworkAnswer.objects.filter(assignment=a).exists()


def test_normalised_compare_for_typed_items(personas, math) -> None:
    item = bank(personas, math, "北京是中国的首都吗？", "是", auto=True)
    assert svc.is_correct(item, " 是。") and not svc.is_correct(item, "不是")
    number = bank(personas, math, "0.5 写成分数", "1/2", auto=True)
    assert svc.is_correct(number, "０.５") and svc.is_correct(number, "2/4") and not svc.is_correct(number, "1/3")


def test_paper_marking_stats_and_review_list(personas, math) -> None:
    hw, gen, paper = _published(personas, math)
    alice, amy = hw.assignments.get(student=personas.alice), hw.assignments.get(student=personas.amy)
    marks = [svc.MarkSpec(alice.pk, paper[0].pk, "wrong", "concept"), svc.MarkSpec(alice.pk, paper[1].pk, "right"),
             svc.MarkSpec(amy.pk, paper[0].pk, "half", "reading"), svc.MarkSpec(amy.pk, paper[1].pk, "right")]
    assert svc.mark_paper(homework=hw, marks=marks, by=staff("ma")) == 4
    svc.answers_submit(assignment=alice, responses={b.pk: b.answer for b in gen})
    stats = sel.homework_stats(hw)
    rows = {r.assignment.student_id: r for r in stats["students"]}
    assert rows[personas.alice.pk].answered == 5 and rows[personas.alice.pk].completion == 1.0
    assert rows[personas.alice.pk].accuracy == pytest.approx(4 / 5)
    assert rows[personas.amy.pk].completion == pytest.approx(2 / 5)
    assert stats["review"][0]["item"].bank_item == paper[0]
    assert dict(stats["reasons"]) == {"概念不清": 1, "审题不清": 1}
    alice.refresh_from_db()
    assert alice.completed_at is not None
    entries = WrongBookEntry.objects.filter(bank_item=paper[0])
    assert {(e.student_id, e.reason) for e in entries} == {(personas.alice.pk, "concept"), (personas.amy.pk, "reading")}


def test_bad_marks_write_nothing(personas, math) -> None:
    hw, _, paper = _published(personas, math)
    alice = hw.assignments.get(student=personas.alice)
    bad = [svc.MarkSpec(alice.pk, paper[0].pk, "wrong", "calculation"), svc.MarkSpec(alice.pk, paper[1].pk, "maybe")]
    with pytest.raises(svc.HomeworkError, match="对/半对/错"):
        svc.mark_paper(homework=hw, marks=bad, by=staff("ma"))
    with pytest.raises(svc.HomeworkError, match="不属于本次作业"):
        svc.mark_paper(homework=hw, marks=[svc.MarkSpec(alice.pk, 999999, "right")], by=staff("ma"))
    assert not HomeworkAnswer.objects.filter(assignment=alice).exists()


def test_reported_minutes_show_real_vs_estimated(personas, math) -> None:
    hw, _, _ = _published(personas, math)
    a = hw.assignments.get(student=personas.alice)
    svc.minutes_report(assignment=a, minutes=25, by=personas.users["pa"])
    stats = sel.homework_stats(hw)
    assert stats["reported_mean"] == 25 and stats["estimated_mean"] == pytest.approx(float(a.estimated_minutes))
    with pytest.raises(svc.HomeworkError):
        svc.minutes_report(assignment=a, minutes=0, by=personas.users["pa"])
