"""Writes of 每日五分钟口算: start a drill, record each answer (server-timed, checked with the generator — the
client's idea of correctness is never read), finish it and award streak / personal-best points once.

Keyword-only arguments, one transaction each; a refused operation raises PracticeError (a Chinese message)
and writes nothing.
"""

from __future__ import annotations

import datetime
import random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from yincai.engine.generators import GENERATORS, GeneratedItem, format_answer, parse_answer
from yincai.practice.models import DRILL_SECONDS, DrillAnswer, DrillSession, PracticeAward
from yincai.school.models import Student, Term
from yincai.support.models import PointsEntry

GRACE_SECONDS = 5  # network slack after the five minutes; later answers are refused
MIN_ITEMS_FOR_RECORD = 10  # a personal best needs a real sitting, not one lucky item
STREAK_POINTS_MAX = 5  # day n of a streak earns min(n, 5) points
PERSONAL_BEST_POINTS = 3
RESPONSE_MAX = 40


class PracticeError(ValidationError):
    """A refused practice operation (the message is shown to the user; nothing was written)."""


def generator_for(grade_level: int) -> str:
    """The 口算 kind of a grade: 20以内加减 (1), 表内乘除 (2–4), 分数加减 (5–6)."""
    if grade_level <= 1:
        return "add_sub_20"
    if grade_level <= 4:
        return "times_table"
    return "fraction_add_sub"


def level_for(student: Student, generator: str, *, before: datetime.date) -> int:
    """Difficulty from the student's recent drills of this kind: up after an accurate, quick sitting,
    down after an inaccurate one, else the same; level 1 for a first drill."""
    gen = GENERATORS[generator]
    last = (DrillSession.objects.filter(student=student, generator=generator, ended_at__isnull=False,
                                        date__lte=before, items__gt=0).order_by("-date", "-started_at").first())
    if last is None:
        return 1
    level = last.difficulty
    accuracy, speed = last.accuracy or 0.0, last.speed or 0.0
    if accuracy >= 0.9 and speed >= 8:
        level += 1
    elif accuracy < 0.7:
        level -= 1
    return max(1, min(gen.levels, level))


def _new_item(session: DrillSession, index: int, now: datetime.datetime) -> DrillAnswer:
    rng = random.Random(f"drill-{session.pk}-{index}")
    item = GENERATORS[session.generator].generate(rng, session.difficulty)
    return DrillAnswer.objects.create(session=session, index=index, stem=item.stem, answer=format_answer(item.answer),
                                      params=item.params, shown_at=now)


def deadline(session: DrillSession) -> datetime.datetime:
    return session.started_at + datetime.timedelta(seconds=DRILL_SECONDS)


def pending_item(session: DrillSession) -> DrillAnswer | None:
    return session.answers.filter(answered_at__isnull=True).order_by("-index").first()


@transaction.atomic
def start_drill(*, student: Student, grade_level: int, today: datetime.date, now: datetime.datetime) -> DrillSession:
    """Today's running drill if one is still open, else a new one with its first item."""
    running = DrillSession.objects.select_for_update().filter(student=student, ended_at__isnull=True).first()
    if running is not None:
        if now <= deadline(running) and running.date == today:
            return running
        _close(running, now)
    generator = generator_for(grade_level)
    session = DrillSession.objects.create(student=student, date=today, generator=generator,
                                          difficulty=level_for(student, generator, before=today), started_at=now)
    _new_item(session, 1, now)
    return session


def check(session: DrillSession, answer: DrillAnswer, response: str) -> bool:
    """The generator's verdict on a typed answer (exact arithmetic, accepted equivalent forms)."""
    gen = GENERATORS[session.generator]
    value = parse_answer(answer.answer)
    if value is None:
        return False
    return gen.check(GeneratedItem(session.generator, answer.stem, value, answer.params, session.difficulty),
                     response)


def answer_item(*, session: DrillSession, answer_id: int, response: str,
                now: datetime.datetime) -> tuple[DrillAnswer, DrillAnswer | None]:
    """Record the answer to the item on screen and show the next one; after the five minutes (plus a few
    seconds' grace) the answer is refused (not recorded) and the drill closes."""
    with transaction.atomic():
        locked = DrillSession.objects.select_for_update().get(pk=session.pk)
        expired = not locked.finished and now > deadline(locked) + datetime.timedelta(seconds=GRACE_SECONDS)
        if expired:
            _close(locked, now)
    if expired:
        raise PracticeError("时间到，这次口算已经结束")
    return _answer(session=session, answer_id=answer_id, response=response, now=now)


@transaction.atomic
def _answer(*, session: DrillSession, answer_id: int, response: str,
            now: datetime.datetime) -> tuple[DrillAnswer, DrillAnswer | None]:
    session = DrillSession.objects.select_for_update().get(pk=session.pk)
    if session.finished:
        raise PracticeError("这次口算已经结束了")
    response = (response or "").strip()
    if not response:
        raise PracticeError("请先填写答案")
    if len(response) > RESPONSE_MAX:
        raise PracticeError("答案太长了")
    item = pending_item(session)
    if item is None or item.pk != answer_id:
        raise PracticeError("这道题已经答过了，请看下一题")
    item.response = response
    item.correct = check(session, item, response)
    item.answered_at = now
    item.seconds = max(0.0, (now - item.shown_at).total_seconds())
    item.save(update_fields=["response", "correct", "answered_at", "seconds"])
    session.items += 1
    session.correct += int(item.correct)
    session.seconds = _elapsed(session, now)
    session.save(update_fields=["items", "correct", "seconds"])
    nxt = _new_item(session, item.index + 1, now) if now < deadline(session) else None
    if nxt is None:
        _close(session, now)
    return item, nxt


def _elapsed(session: DrillSession, now: datetime.datetime) -> int:
    return int(max(0, min(DRILL_SECONDS, round((now - session.started_at).total_seconds()))))


def _close(session: DrillSession, now: datetime.datetime) -> list[PracticeAward]:
    """End the drill (time counted up to the last answer when it ran out unattended) and award points."""
    if session.finished:
        return []
    last = session.answers.filter(answered_at__isnull=False).aggregate(m=Max("answered_at"))["m"]
    end = min(now, deadline(session))
    if now > deadline(session) and last is not None:
        end = max(last, session.started_at)
    session.ended_at = end
    session.seconds = _elapsed(session, end)
    session.save(update_fields=["ended_at", "seconds"])
    session.answers.filter(answered_at__isnull=True).delete()  # the item left on screen was never answered
    return _award(session)


@transaction.atomic
def finish_drill(*, session: DrillSession, now: datetime.datetime) -> list[PracticeAward]:
    """提前结束 or time up: close the drill; the awards made (streak, personal best), possibly none."""
    session = DrillSession.objects.select_for_update().get(pk=session.pk)
    if session.finished:
        raise PracticeError("这次口算已经结束了")
    return _close(session, now)


def streak(student: Student, on: datetime.date) -> int:
    """Consecutive days up to `on` (inclusive) with at least one finished drill with an answer."""
    days = set(DrillSession.objects.filter(student=student, ended_at__isnull=False, items__gt=0, date__lte=on)
               .values_list("date", flat=True))
    n, day = 0, on
    while day in days:
        n += 1
        day -= datetime.timedelta(days=1)
    return n


def best_speed(student: Student, *, before: datetime.date | None = None,
               exclude: DrillSession | None = None) -> float | None:
    qs = DrillSession.objects.filter(student=student, ended_at__isnull=False, items__gte=MIN_ITEMS_FOR_RECORD)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    speeds = [s.speed for s in qs if s.speed is not None]
    return max(speeds) if speeds else None


def _points(student: Student, day: datetime.date, points: int, reason: str, source: str) -> None:
    term = Term.current(day)
    if term is None:
        return
    PointsEntry.objects.create(student=student, term=term, points=points, reason=reason, source=source)


def _award(session: DrillSession) -> list[PracticeAward]:
    made: list[PracticeAward] = []
    student, day = session.student, session.date
    if session.items == 0:
        return made
    if not PracticeAward.objects.filter(student=student, kind="practice_streak", date=day).exists():
        days = streak(student, day)
        points = min(days, STREAK_POINTS_MAX)
        made.append(PracticeAward.objects.create(student=student, kind="practice_streak", date=day, value=days,
                                                 points=points))
        _points(student, day, points, f"口算连续 {days} 天", "practice_streak")
    speed = session.speed
    if session.items >= MIN_ITEMS_FOR_RECORD and speed is not None:
        previous = best_speed(student, exclude=session)
        already = PracticeAward.objects.filter(student=student, kind="personal_best", date=day).exists()
        if previous is not None and speed > previous and not already:
            made.append(PracticeAward.objects.create(student=student, kind="personal_best", date=day, value=speed,
                                                     points=PERSONAL_BEST_POINTS))
            _points(student, day, PERSONAL_BEST_POINTS, f"口算个人最好：每分钟答对 {speed:g} 题", "personal_best")
    return made
