"""错题本: spaced schedule 1/3/7 days with "today" moved, mastery after three right in a row, a wrong answer
resets, variants from the family/generator, assessment items below 60% collected."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from yincai.engine.generators import GENERATORS, parse_answer
from yincai.homework import services as svc
from yincai.homework import wrongbook
from yincai.homework.models import WrongBookEntry
from yincai.homework.tests.conftest import day, homework, staff

pytestmark = pytest.mark.django_db


def _generated_entry(p, math, start):
    hw = homework(p, math)
    item = svc.generate_items(homework=hw, generator_key="times_table", level=2, count=1, layer="basic",
                              author=staff("ma"), seed=3)[0].bank_item
    return wrongbook.entry_add(student=p.alice, subject=math, today=start, bank_item=item, reason="calculation")


def _right(entry) -> str:
    return entry.pending_variant.answer


def test_three_right_spaced_answers_master_the_entry(personas, math) -> None:
    start = day(personas, 10)
    entry = _generated_entry(personas, math, start)
    first_variant = entry.pending_variant
    assert entry.next_due == start + datetime.timedelta(days=1)
    assert first_variant.generator == "times_table" and first_variant.pk != entry.bank_item_id
    assert first_variant.family_id == entry.bank_item.family_id
    with pytest.raises(svc.HomeworkError, match="还没到复习时间"):
        wrongbook.review_answer(entry=entry, response=_right(entry), today=start)
    today = start + datetime.timedelta(days=1)
    expected_gaps = [3, 7]
    for n in range(3):
        variant = entry.pending_variant
        review = wrongbook.review_answer(entry=entry, response=_right(entry), today=today)
        entry.refresh_from_db()
        assert review.correct and review.variant == variant and entry.streak == n + 1
        if n < 2:
            assert entry.status == "open" and entry.next_due == today + datetime.timedelta(days=expected_gaps[n])
            assert entry.pending_variant != variant  # a fresh variant each time
            today = entry.next_due
    assert entry.status == "mastered" and entry.mastered_at is not None and entry.pending_variant is None


def test_a_wrong_answer_resets_the_streak(personas, math) -> None:
    start = day(personas, 10)
    entry = _generated_entry(personas, math, start)
    today = start + datetime.timedelta(days=1)
    wrongbook.review_answer(entry=entry, response=_right(entry), today=today)
    entry.refresh_from_db()
    today = entry.next_due
    wrong = str(parse_answer(_right(entry)) + 1)
    review = wrongbook.review_answer(entry=entry, response=wrong, today=today)
    entry.refresh_from_db()
    assert not review.correct and entry.streak == 0 and entry.next_due == today + datetime.timedelta(days=1)
    assert entry.status == "open"


def test_variants_are_checked_by_their_generator(personas, math) -> None:
    entry = _generated_entry(personas, math, day(personas, 10))
    v = entry.pending_variant
    gen = GENERATORS[v.generator]
    assert gen.kp_codes and v.auto_markable and parse_answer(v.answer) is not None


def test_assessment_items_below_60_percent_are_collected_once(personas, math) -> None:
    from yincai.assessment.models import ItemScore

    a = personas.math_assessment
    expected = ItemScore.objects.filter(item__assessment=a, state="scored",
                                        score__lt=Decimal("3.0")).count()  # max 5 → below 3 points
    assert expected > 0
    n = wrongbook.collect_assessment(assessment=a, today=day(personas, 10))
    assert n == expected
    assert wrongbook.collect_assessment(assessment=a, today=day(personas, 10)) == 0
    e = WrongBookEntry.objects.filter(item_score__item__assessment=a).first()
    assert e.knowledge_point is not None and "三年级数学单元测试" in e.source_text


def test_a_teacher_marks_a_paper_redo(personas, math) -> None:
    entry = _generated_entry(personas, math, day(personas, 10))
    wrongbook.review_mark(entry=entry, correct=True, by=staff("ma"), today=day(personas, 11))
    entry.refresh_from_db()
    assert entry.streak == 1 and entry.next_due == day(personas, 14)


def test_a_due_variant_answered_in_homework_counts_as_a_review(personas, math) -> None:
    start = day(personas, 10)
    entry = _generated_entry(personas, math, start)
    variant = entry.pending_variant
    hw = homework(personas, math, date=start + datetime.timedelta(days=1), title="次日作业")
    svc.item_add(homework=hw, bank_item=svc.bank_item_create(
        school=personas.school, subject=math, grade_level=3, stem="口算", answer="", item_type="oral",
        minutes=Decimal(2), author=staff("ma")), layer="basic")
    svc.homework_publish(homework=hw, by=staff("ma"))
    a = hw.assignments.get(student=personas.alice)
    assert variant in a.extra_items.all()
    now = datetime.datetime.combine(start + datetime.timedelta(days=1), datetime.time(19, 0),
                                    tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    svc.answer_online(assignment=a, bank_item=variant, response=variant.answer, now=now)
    entry.refresh_from_db()
    assert entry.streak == 1 and entry.reviews.count() == 1


def test_the_variant_is_not_an_item_of_the_same_homework(personas, math) -> None:
    hw = homework(personas, math)
    items = [i.bank_item for i in svc.generate_items(homework=hw, generator_key="times_table", level=2, count=5,
                                                     layer="basic", author=staff("ma"), seed=4)]
    svc.homework_publish(homework=hw, by=staff("ma"))
    a = hw.assignments.get(student=personas.alice)
    svc.answers_submit(assignment=a, responses={items[0].pk: "0", items[1].pk: items[1].answer})
    entry = WrongBookEntry.objects.get(student=personas.alice, bank_item=items[0])
    assert entry.pending_variant not in items and entry.pending_variant.family_id == items[0].family_id
