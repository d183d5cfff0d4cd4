"""Writes of 今日练习 (adaptive practice): the teacher's scope per class, and sessions that choose each next item
with engine.practice in the target success zone (default 70–85%) over the scope's KPs plus the KPs of the
student's due 错题本 entries and weak KPs (insight KPMastery). After each answer — checked on the server by the
generator or the item bank's auto-marking — the selector state is updated at once and the next item chosen.

Keyword-only arguments, one transaction each; refusals raise PracticeError and write nothing.
"""

from __future__ import annotations

import datetime
import math
import random
from typing import Any

import numpy as np
from django.db import transaction

from yincai.curriculum.models import KnowledgePoint
from yincai.engine.generators import GENERATORS, GeneratedItem, format_answer, parse_answer
from yincai.engine.practice import ItemPool, PracticeSelector, PracticeState
from yincai.homework.selectors import due_entries
from yincai.homework.services import is_correct
from yincai.insight.models import KPMastery
from yincai.itembank.models import BankItem
from yincai.practice.models import PracticeAttempt, PracticeScope, PracticeSession
from yincai.practice.services import PracticeError
from yincai.school.models import SchoolClass, Staff, Student, Term

MAX_MINUTES = 60
BANK_PER_KP = 20
PRIOR_MASTERY = 0.7  # a KP without measured mastery starts here (evidence 0: the first answers move it fast)
WEAK = 0.6
REASON_LABELS = {"prerequisite": "先补先修知识", "review": "间隔复习", "weak": "薄弱知识点", "stretch": "拓展挑战"}


def generators_for(kp: KnowledgePoint) -> list[str]:
    return [g.key for g in GENERATORS.values() if kp.code in g.kp_codes]


def practicable(kps: Any, school: Any) -> list[KnowledgePoint]:
    """KPs with items to practise: served by a generator or with auto-markable bank items of the school."""
    banked = set(BankItem.objects.filter(school=school, auto_markable=True, knowledge_points__in=kps)
                 .values_list("knowledge_points", flat=True))
    return [kp for kp in kps if generators_for(kp) or kp.pk in banked]


@transaction.atomic
def set_scope(*, school_class: SchoolClass, kp_ids: list[int], minutes: int, by: Staff) -> PracticeScope:
    if not 1 <= minutes <= MAX_MINUTES:
        raise PracticeError(f"每天练习分钟应在 1–{MAX_MINUTES} 之间")
    kps = list(KnowledgePoint.objects.filter(pk__in=kp_ids, is_unit=False))
    if not kps or len(kps) != len(set(kp_ids)):
        raise PracticeError("请至少选择一个有效的知识点")
    if len(practicable(kps, school_class.grade.school)) != len(kps):
        raise PracticeError("所选知识点中有的没有可自动批改的练习题")
    scope, _ = PracticeScope.objects.update_or_create(school_class=school_class, defaults={
        "minutes_per_day": minutes, "updated_by": by})
    scope.knowledge_points.set(kps)
    return scope


def _mastery(student: Student, kps: list[KnowledgePoint], term: Term | None) -> dict[int, KPMastery]:
    rows = KPMastery.objects.filter(student=student, knowledge_point__in=kps)
    if term is not None:
        rows = rows.filter(term=term)
    latest: dict[int, KPMastery] = {}
    for m in rows.order_by("id"):
        latest[m.knowledge_point_id] = m
    return latest


def _pool(kps: list[KnowledgePoint], school: Any) -> list[dict[str, Any]]:
    pool: list[dict[str, Any]] = []
    for i, kp in enumerate(kps):
        for key in generators_for(kp):
            for level in range(1, GENERATORS[key].levels + 1):
                pool.append({"kp": i, "gen": key, "level": level, "difficulty": float(level - 2)})
        bank = BankItem.objects.filter(school=school, auto_markable=True, knowledge_points=kp).order_by("id")
        for b in bank[:BANK_PER_KP]:
            pool.append({"kp": i, "bank": b.pk, "difficulty": {"basic": -0.5, "core": 0.0}.get(b.layer, 0.8)})
    return pool


def _selector(session: PracticeSession) -> PracticeSelector:
    pool = ItemPool.from_arrays([p["kp"] for p in session.pool], [p["difficulty"] for p in session.pool])
    n = len(session.kps)
    prereq = np.zeros((n, n), dtype=bool)
    index = {kp_id: i for i, kp_id in enumerate(session.kps)}
    for kp_id, pre_id in KnowledgePoint.prerequisites.through.objects.filter(
            from_knowledgepoint_id__in=session.kps, to_knowledgepoint_id__in=session.kps).values_list(
            "from_knowledgepoint_id", "to_knowledgepoint_id"):
        prereq[index[kp_id], index[pre_id]] = True
    return PracticeSelector().fit(pool, prereq if n > 1 else None)


def _dump(state: PracticeState) -> dict[str, Any]:
    return {"ability": state.ability.tolist(), "evidence": state.evidence.tolist(),
            "last_step": [None if math.isinf(x) else x for x in state.last_step.tolist()], "step": state.step,
            "recent_items": list(state.recent_items), "recent_kps": list(state.recent_kps)}


def _load(d: dict[str, Any]) -> PracticeState:
    return PracticeState(ability=np.array(d["ability"], dtype=np.float64),
                         evidence=np.array(d["evidence"], dtype=np.float64),
                         last_step=np.array([-np.inf if x is None else x for x in d["last_step"]], dtype=np.float64),
                         step=int(d["step"]), recent_items=tuple(d["recent_items"]), recent_kps=tuple(d["recent_kps"]))


def mastery_of(session: PracticeSession) -> dict[int, float]:
    """KP id → current estimated success on a typical item (after the answers so far)."""
    if not session.state:
        return {}
    return dict(zip(session.kps, _load(session.state).mastery.tolist(), strict=True))


def _next(session: PracticeSession, selector: PracticeSelector, state: PracticeState, index: int,
          now: datetime.datetime) -> PracticeAttempt:
    choice = selector.select(state, scope=list(range(len(session.kps))))
    entry = session.pool[choice.item]
    kp_id = session.kps[choice.kp]
    if "gen" in entry:
        item = GENERATORS[entry["gen"]].generate(random.Random(f"practice-{session.pk}-{index}"), entry["level"])
        stem, answer, params, gen, bank = item.stem, format_answer(item.answer), item.params, entry["gen"], None
    else:
        b = BankItem.objects.get(pk=entry["bank"])
        stem, answer, params, gen, bank = b.stem, b.answer, {}, "", b
    return PracticeAttempt.objects.create(session=session, index=index, pool_index=choice.item, knowledge_point_id=kp_id,
                                          reason=choice.reason, predicted=choice.predicted, stem=stem, answer=answer,
                                          params=params, generator=gen, bank_item=bank, shown_at=now)


def pending(session: PracticeSession) -> PracticeAttempt | None:
    return session.attempts.filter(answered_at__isnull=True).order_by("-index").first()


@transaction.atomic
def start_practice(*, student: Student, school_class: SchoolClass, today: datetime.date,
                   now: datetime.datetime) -> PracticeSession:
    """Today's open session, else a new one over the class scope + due 错题本 KPs + weak KPs."""
    open_ = PracticeSession.objects.select_for_update().filter(student=student, ended_at__isnull=True).first()
    if open_ is not None:
        if open_.date == today:
            return open_
        _close(open_, now)
    scope = PracticeScope.objects.filter(school_class=school_class).first()
    if scope is None or not scope.knowledge_points.exists():
        raise PracticeError("老师还没有设置练习范围")
    school = school_class.grade.school
    kps = list(scope.knowledge_points.order_by("code"))
    extra = {e.knowledge_point for e in due_entries(student, today) if e.knowledge_point_id}
    term = school_class.term
    extra |= {m.knowledge_point for m in KPMastery.objects.filter(student=student, term=term, prob__lt=WEAK)
              .select_related("knowledge_point") if m.knowledge_point.subject_id == kps[0].subject_id}
    kps += [kp for kp in practicable(sorted(extra - set(kps), key=lambda k: k.code), school)]
    known = _mastery(student, kps, term)
    mean = [known[kp.pk].prob if kp.pk in known else PRIOR_MASTERY for kp in kps]
    evidence = [min(float(known[kp.pk].n_items), 10.0) if kp.pk in known else 0.0 for kp in kps]
    session = PracticeSession.objects.create(student=student, school_class=school_class, date=today, started_at=now,
                                             kps=[kp.pk for kp in kps], pool=_pool(kps, school))
    if not session.pool:
        raise PracticeError("练习范围内没有可以自动批改的题目")
    selector = _selector(session)
    state = selector.start(np.clip(mean, 0.01, 0.99), evidence)
    session.state = _dump(state)
    session.save(update_fields=["state"])
    _next(session, selector, state, 1, now)
    return session


def check(attempt: PracticeAttempt, response: str) -> bool:
    if attempt.generator:
        value = parse_answer(attempt.answer)
        return value is not None and GENERATORS[attempt.generator].check(
            GeneratedItem(attempt.generator, attempt.stem, value, attempt.params), response)
    return attempt.bank_item is not None and is_correct(attempt.bank_item, response)


@transaction.atomic
def answer_practice(*, session: PracticeSession, attempt_id: int, response: str,
                    now: datetime.datetime) -> tuple[PracticeAttempt, PracticeAttempt]:
    """Check the answer, update the state at once, choose and show the next item."""
    session = PracticeSession.objects.select_for_update().get(pk=session.pk)
    if session.ended_at is not None:
        raise PracticeError("这次练习已经结束了")
    response = (response or "").strip()
    if not response:
        raise PracticeError("请先填写答案")
    if len(response) > 200:
        raise PracticeError("答案太长了")
    attempt = pending(session)
    if attempt is None or attempt.pk != attempt_id:
        raise PracticeError("这道题已经答过了，请看下一题")
    attempt.response, attempt.correct, attempt.answered_at = response, check(attempt, response), now
    attempt.save(update_fields=["response", "correct", "answered_at"])
    selector = _selector(session)
    state = selector.update(_load(session.state), attempt.pool_index, float(attempt.correct))
    session.state = _dump(state)
    session.items += 1
    session.correct += int(attempt.correct)
    session.seconds = int(max(0, (now - session.started_at).total_seconds()))
    session.save(update_fields=["state", "items", "correct", "seconds"])
    return attempt, _next(session, selector, state, attempt.index + 1, now)


def _close(session: PracticeSession, now: datetime.datetime) -> None:
    last = session.attempts.filter(answered_at__isnull=False).order_by("-answered_at").first()
    end = last.answered_at if last and last.answered_at else session.started_at
    session.ended_at = max(now, session.started_at)
    session.seconds = int(max(0, (end - session.started_at).total_seconds()))
    session.save(update_fields=["ended_at", "seconds"])
    session.attempts.filter(answered_at__isnull=True).delete()


@transaction.atomic
def finish_practice(*, session: PracticeSession, now: datetime.datetime) -> None:
    session = PracticeSession.objects.select_for_update().get(pk=session.pk)
    if session.ended_at is not None:
        raise PracticeError("这次练习已经结束了")
    _close(session, now)
