from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from tests.personas import Personas
from yincai.engine.generators import GENERATORS, parse_answer
from yincai.practice import services as svc
from yincai.practice.models import DrillAnswer, DrillSession, PracticeAward
from yincai.support.models import PointsEntry

pytestmark = pytest.mark.django_db


def day(p: Personas, offset: int = 5) -> datetime.date:
    return p.term.start_date + datetime.timedelta(days=offset)


def at(d: datetime.date, seconds: float = 0) -> datetime.datetime:
    base = timezone.make_aware(datetime.datetime.combine(d, datetime.time(18, 0)))
    return base + datetime.timedelta(seconds=seconds)


def wrong(answer: str) -> str:
    return str(int(parse_answer(answer)) + 1) if "/" not in answer else "999"  # type: ignore[arg-type]


def run(p: Personas, d: datetime.date, *, right: int, wrong_n: int = 0, step: float = 3.0,
        student: Any = None) -> DrillSession:
    """A drill on day `d`: `right` correct then `wrong_n` wrong answers, `step` seconds apart, then finished."""
    s = svc.start_drill(student=student or p.alice, grade_level=3, today=d, now=at(d))
    t = 0.0
    for k in range(right + wrong_n):
        t += step
        item = svc.pending_item(s)
        assert item is not None
        svc.answer_item(session=s, answer_id=item.pk, response=item.answer if k < right else wrong(item.answer),
                        now=at(d, t))
    svc.finish_drill(session=s, now=at(d, t + 1))
    s.refresh_from_db()
    return s


def test_start_makes_one_item_of_the_grade_generator(personas: Personas) -> None:
    s = svc.start_drill(student=personas.alice, grade_level=3, today=day(personas), now=at(day(personas)))
    assert s.generator == "times_table" and s.difficulty == 1
    assert list(s.answers.values_list("index", flat=True)) == [1]
    again = svc.start_drill(student=personas.alice, grade_level=3, today=day(personas), now=at(day(personas), 10))
    assert again.pk == s.pk  # the open drill is resumed, not duplicated
    assert svc.generator_for(1) == "add_sub_20" and svc.generator_for(6) == "fraction_add_sub"


def test_answers_are_checked_by_the_generator(personas: Personas) -> None:
    d = day(personas)
    s = svc.start_drill(student=personas.alice, grade_level=3, today=d, now=at(d))
    first = svc.pending_item(s)
    assert first is not None
    # the stored answer is what the generator computes from the stored parameters
    a, b = first.params["a"], first.params["b"]
    assert first.answer == str(b if first.params["op"] == "÷" else a * b)
    item, nxt = svc.answer_item(session=s, answer_id=first.pk, response=first.answer, now=at(d, 4))
    assert item.correct is True and item.seconds == pytest.approx(4.0) and nxt is not None
    item2, _ = svc.answer_item(session=s, answer_id=nxt.pk, response=wrong(nxt.answer), now=at(d, 7))
    assert item2.correct is False
    s.refresh_from_db()
    assert (s.items, s.correct, s.seconds) == (2, 1, 7)
    gen = GENERATORS["times_table"]
    assert gen.check(gen.generate(__import__("random").Random(1), 1), "x") is False


def test_refusals_write_nothing(personas: Personas) -> None:
    d = day(personas)
    s = svc.start_drill(student=personas.alice, grade_level=3, today=d, now=at(d))
    first = svc.pending_item(s)
    assert first is not None
    with pytest.raises(svc.PracticeError, match="请先填写答案"):
        svc.answer_item(session=s, answer_id=first.pk, response="  ", now=at(d, 2))
    with pytest.raises(svc.PracticeError, match="已经答过"):
        svc.answer_item(session=s, answer_id=first.pk + 999, response="3", now=at(d, 2))
    assert DrillAnswer.objects.filter(session=s).count() == 1 and DrillAnswer.objects.get(session=s).response == ""
    s.refresh_from_db()
    assert s.items == 0


def test_time_bounds_are_the_servers(personas: Personas) -> None:
    d = day(personas)
    s = svc.start_drill(student=personas.alice, grade_level=3, today=d, now=at(d))
    item = svc.pending_item(s)
    assert item is not None
    svc.answer_item(session=s, answer_id=item.pk, response=item.answer, now=at(d, 100))
    late = svc.pending_item(s)
    assert late is not None
    with pytest.raises(svc.PracticeError, match="时间到"):
        svc.answer_item(session=s, answer_id=late.pk, response=late.answer, now=at(d, 400))
    s.refresh_from_db()
    # closed at the last answer (the drill ran out unattended), never more than five minutes
    assert s.finished and s.items == 1 and s.seconds == 100
    assert not s.answers.filter(answered_at__isnull=True).exists()
    # an answer in the grace seconds counts; the drill then closes at five minutes
    s2 = run(personas, day(personas, 6), right=0)
    item = svc.pending_item(svc.start_drill(student=personas.alice, grade_level=3, today=day(personas, 7),
                                            now=at(day(personas, 7))))
    assert item is not None and s2.items == 0
    _, nxt = svc.answer_item(session=item.session, answer_id=item.pk, response=item.answer,
                             now=at(day(personas, 7), 302))
    item.session.refresh_from_db()
    assert nxt is None and item.session.finished and item.session.seconds == 300


def test_streak_points_once_per_day_and_growing(personas: Personas) -> None:
    run(personas, day(personas, 5), right=3)
    run(personas, day(personas, 5), right=2)  # a second drill the same day earns nothing more
    entries = PointsEntry.objects.filter(student=personas.alice, source="practice_streak")
    assert list(entries.values_list("points", flat=True)) == [1]
    run(personas, day(personas, 6), right=2)
    assert sorted(entries.values_list("points", flat=True)) == [1, 2]
    assert svc.streak(personas.alice, day(personas, 6)) == 2
    assert svc.streak(personas.alice, day(personas, 8)) == 0  # a gap breaks the streak
    run(personas, day(personas, 8), right=1)
    assert entries.order_by("-created_at", "-id").first().points == 1  # type: ignore[union-attr]
    empty = svc.start_drill(student=personas.alice, grade_level=3, today=day(personas, 9), now=at(day(personas, 9)))
    assert svc.finish_drill(session=empty, now=at(day(personas, 9), 5)) == []  # no answer, no points


def test_personal_best_once_per_record(personas: Personas) -> None:
    first = run(personas, day(personas, 5), right=10, step=6.0)  # 10 right in 61 s
    assert not PracticeAward.objects.filter(kind="personal_best").exists()  # nothing to beat yet
    faster = run(personas, day(personas, 6), right=12, step=3.0)
    assert faster.speed is not None and first.speed is not None and faster.speed > first.speed
    pb = PointsEntry.objects.filter(student=personas.alice, source="personal_best")
    assert pb.count() == 1 and pb.get().points == svc.PERSONAL_BEST_POINTS
    run(personas, day(personas, 6), right=15, step=2.0)  # faster again the same day: one record a day
    assert pb.count() == 1
    run(personas, day(personas, 7), right=10, step=10.0)  # slower: no record
    assert pb.count() == 1
    run(personas, day(personas, 8), right=5, step=0.5)  # fast but too few items for a record
    assert pb.count() == 1


def test_level_follows_recent_accuracy_and_speed(personas: Personas) -> None:
    run(personas, day(personas, 5), right=20, step=3.0)  # 100%, 20/min
    s = svc.start_drill(student=personas.alice, grade_level=3, today=day(personas, 6), now=at(day(personas, 6)))
    assert s.difficulty == 2
    svc.finish_drill(session=s, now=at(day(personas, 6), 1))
    run(personas, day(personas, 7), right=2, wrong_n=8)
    s = svc.start_drill(student=personas.alice, grade_level=3, today=day(personas, 8), now=at(day(personas, 8)))
    assert s.difficulty == 1


def test_practice_points_are_valid_ledger_lines_with_a_chinese_source(personas: Personas) -> None:
    """The ledger's source is a choice field: the entries practice writes must be among its choices."""
    run(personas, day(personas, 5), right=10, step=6.0)
    run(personas, day(personas, 6), right=12, step=3.0)
    labels = set()
    for entry in PointsEntry.objects.filter(student=personas.alice):
        entry.full_clean()
        labels.add(entry.get_source_display())
    assert labels == {"口算连续打卡", "口算个人最好成绩"}
