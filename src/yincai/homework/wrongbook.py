"""Writes of the 错题本: wrong items from homework and assessments become entries; a variant comes back on a
spaced schedule (1, 3, 7 days) until answered right three times in a row, then the entry is 已掌握.

Schedule: a new entry is due the next day. A right answer moves it 3 days (after the first) or 7 days (after
the second) ahead; the third right answer in a row masters it. A wrong answer resets the streak and brings it
back the next day. Every attempt gets a fresh variant: another member of the item's variant family not yet
used, else a new item from the same generator, else another bank item of the same KP (a generator serving the
KP first), else the original item again (重做原题). "Today" is a parameter (see ``clock``).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yincai.assessment.models import Assessment, ItemScore
from yincai.engine.generators import GENERATORS
from yincai.homework.models import HomeworkAnswer, HomeworkItem, WrongBookEntry, WrongBookReview
from yincai.homework.services import HomeworkError, generated_bank_item, is_correct
from yincai.itembank.models import BankItem, VariantFamily
from yincai.oversight.services import audit_record

SPACING = {0: 1, 1: 3, 2: 7}  # streak after the attempt → days until the next one
MASTERY_STREAK = 3
ASSESSMENT_WRONG_BELOW = Decimal("0.6")  # an assessment item scored below 60% of its maximum is a wrong item


def _used(entry: WrongBookEntry) -> set[int]:
    used = set(entry.reviews.exclude(variant__isnull=True).values_list("variant_id", flat=True))
    if entry.bank_item_id:
        used.add(entry.bank_item_id)
        if entry.bank_item.family_id:  # members set to the student in homework are no fresh variants
            family = entry.bank_item.family_id
            used |= set(HomeworkItem.objects.filter(homework__assignments__student_id=entry.student_id,
                                                    bank_item__family_id=family).values_list("bank_item_id", flat=True))
            used |= set(HomeworkAnswer.objects.filter(assignment__student_id=entry.student_id, bank_item__family_id=family)
                        .values_list("bank_item_id", flat=True))
    return used


def pick_variant(entry: WrongBookEntry) -> BankItem | None:
    """The next variant of an entry (order in the module docstring)."""
    used = _used(entry)
    original = entry.bank_item
    if original is not None and original.family_id:
        member = original.family.items.exclude(pk__in=used).order_by("id").first()
        if member is not None:
            return member
    school = entry.student.school
    gen_key = (original.generator or (original.family.generator if original.family_id else "")) if original else ""
    kp = entry.knowledge_point
    if not gen_key and kp is not None:
        gen_key = next((g.key for g in GENERATORS.values() if kp.code in g.kp_codes), "")
    if gen_key in GENERATORS:
        gen = GENERATORS[gen_key]
        level = int((original.params or {}).get("difficulty", 1)) if original else 1
        family = original.family if original is not None and original.family_id else None
        if family is None:
            family = VariantFamily.objects.create(school=school, name=f"{gen.name}·错题变式", generator=gen.key)
            if original is not None and original.generator == gen.key:
                BankItem.objects.filter(pk=original.pk).update(family=family)
        stems = set(family.items.values_list("stem", flat=True))
        rng = random.Random(f"{entry.pk}-{len(used)}")
        for _ in range(50):
            g = gen.generate(rng, min(max(level, 1), gen.levels))
            if g.stem not in stems:
                break
        grade = original.grade_level if original else (kp.grade_level if kp else 1)
        return generated_bank_item(school=school, subject=entry.subject, grade_level=grade, generated=g,
                                   family=family, author=None)
    if kp is not None:
        other = (BankItem.objects.filter(school=school, subject=entry.subject, knowledge_points=kp)
                 .exclude(pk__in=used).order_by("-auto_markable", "id").first())
        if other is not None:
            return other
    return original


def entry_add(*, student: object, subject: object, today: datetime.date, reason: str = "",
              bank_item: BankItem | None = None, item_score: ItemScore | None = None, source_text: str = "",
              knowledge_point: object = None) -> WrongBookEntry:
    """Add (or refresh) a wrong item; an open entry for the same item is reused, not duplicated."""
    existing = WrongBookEntry.objects.filter(student=student, status="open")
    existing = existing.filter(bank_item=bank_item) if bank_item is not None else existing.filter(item_score=item_score)
    entry = existing.first()
    if entry is not None:
        if reason and entry.reason != reason:
            entry.reason = reason
            entry.save(update_fields=["reason"])
        return entry
    if knowledge_point is None and bank_item is not None:
        knowledge_point = bank_item.knowledge_points.order_by("id").first()
    entry = WrongBookEntry.objects.create(
        student=student, subject=subject, knowledge_point=knowledge_point, bank_item=bank_item, item_score=item_score,
        source_text=(source_text or (bank_item.stem if bank_item else ""))[:300], reason=reason,
        next_due=today + datetime.timedelta(days=SPACING[0]))
    entry.pending_variant = pick_variant(entry)
    entry.save(update_fields=["pending_variant"])
    return entry


def _review(entry: WrongBookEntry, *, correct: bool, response: str, today: datetime.date,
            now: datetime.datetime) -> WrongBookReview:
    review = WrongBookReview.objects.create(entry=entry, variant=entry.pending_variant, response=response[:200],
                                            correct=correct, reviewed_at=now)
    entry.streak = entry.streak + 1 if correct else 0
    if entry.streak >= MASTERY_STREAK:
        entry.status, entry.mastered_at, entry.pending_variant = "mastered", now, None
    else:
        entry.next_due = today + datetime.timedelta(days=SPACING[entry.streak])
        entry.pending_variant = pick_variant(entry)
    entry.save(update_fields=["streak", "status", "mastered_at", "next_due", "pending_variant"])
    return review


def _check_due(entry: WrongBookEntry, today: datetime.date) -> None:
    if entry.status != "open":
        raise HomeworkError("这道错题已经掌握了")
    if entry.next_due > today:
        raise HomeworkError(f"还没到复习时间（{entry.next_due:%m-%d} 再做）")
    if entry.pending_variant is None:
        raise HomeworkError("这道错题暂无变式题，请请老师批改原题重做")


def review_answer(*, entry: WrongBookEntry, response: str, today: datetime.date,
                  now: datetime.datetime | None = None) -> WrongBookReview:
    """The student answers the due variant online (auto-marked)."""
    _check_due(entry, today)
    if not entry.pending_variant.auto_markable:
        raise HomeworkError("这道变式题需要老师批改")
    if not response.strip():
        raise HomeworkError("请填写答案")
    with transaction.atomic():
        return _review(entry, correct=is_correct(entry.pending_variant, response), response=response.strip(),
                       today=today, now=now or timezone.now())


def review_mark(*, entry: WrongBookEntry, correct: bool, by: object, today: datetime.date,
                now: datetime.datetime | None = None) -> WrongBookReview:
    """A teacher marks a paper redo of the due variant."""
    _check_due(entry, today)
    with transaction.atomic():
        review = _review(entry, correct=correct, response="(教师批改)", today=today, now=now or timezone.now())
        audit_record(action="update", model="homework.wrongbookentry", object_id=entry.pk, student_id=entry.student_id,
                     detail=f"{getattr(by, 'name', by)} 批改错题重做：{'对' if correct else '错'}")
    return review


def after_homework_answer(*, answer: HomeworkAnswer, today: datetime.date) -> None:
    """A marked homework answer: a due variant counts as a review; a wrong or half-right one is collected."""
    a = answer.assignment
    due = WrongBookEntry.objects.filter(student_id=a.student_id, status="open", pending_variant_id=answer.bank_item_id,
                                        next_due__lte=today).first()
    if due is not None:
        _review(due, correct=answer.mark == "right", response=answer.response or f"(作业{answer.get_mark_display()})",
                today=today, now=answer.answered_at)
        return
    if answer.mark in ("wrong", "half"):
        entry_add(student=a.student, subject=a.homework.subject, today=today, reason=answer.reason,
                  bank_item=answer.bank_item)


def collect_assessment(*, assessment: Assessment, today: datetime.date, by: object = None,
                       student_ids: list[int] | None = None) -> int:
    """Every scored item below 60% of its maximum becomes a wrong-book entry (idempotent). Returns new entries."""
    known = set(WrongBookEntry.objects.filter(item_score__item__assessment=assessment).values_list("item_score_id",
                                                                                               flat=True))
    scores = ItemScore.objects.filter(item__assessment=assessment, state="scored")
    if student_ids is not None:
        scores = scores.filter(student_id__in=student_ids)
    created = 0
    with transaction.atomic():
        for s in scores.select_related("item", "student").prefetch_related("item__knowledge_points"):
            if s.pk in known or s.score >= s.item.max_score * ASSESSMENT_WRONG_BELOW:
                continue
            kp = next(iter(s.item.knowledge_points.all()), None)
            entry_add(student=s.student, subject=assessment.subject, today=today, item_score=s, knowledge_point=kp,
                      source_text=f"{assessment.name} 第{s.item.label}题（{s.score:g}/{s.item.max_score:g} 分）"
                                  + (f" · {kp.name}" if kp else ""))
            created += 1
        audit_record(action="bulk", model="homework.wrongbookentry", object_id=assessment.pk,
                     detail=f"{getattr(by, 'name', '系统')} 从 {assessment.name} 收集错题 {created} 道")
    return created
