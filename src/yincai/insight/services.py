"""Writes of the diagnosis app: the recompute pipeline, tier rules & decisions, alert rules & alert handling.

The recompute pulls a grade's item scores in bulk into numpy (absent = nan, never 0), runs the engine
(item analysis, DINA KP mastery with intervals, mastery tracking over time, root causes, Rasch ability,
tier proposals, early-warning episodes) and writes all results in one transaction at the end, so a
failure leaves the previous results intact.
"""

from __future__ import annotations

import logging
import math
import os
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from django.apps import apps
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.curriculum.models import Ability, KnowledgePoint
from yincai.engine.ability import RaschEAP
from yincai.engine.alerts import detect_episodes, flag_indicators, score_drop
from yincai.engine.cdm import DINA
from yincai.engine.irt import GPCM
from yincai.engine.itemstats import item_analysis, kp_score_rates
from yincai.engine.rootcause import find_root_causes
from yincai.engine.tiering import achievement_share, propose_tiers
from yincai.engine.tracking import Events, MasteryTracker
from yincai.insight.models import (
    CONFIRMABLE_AS_PROPOSED,
    ROUND_ORDER,
    TIER_LABELS,
    AbilityEstimate,
    Alert,
    AlertRule,
    ItemStatistic,
    KPMastery,
    RecomputeJob,
    TierDecision,
    TierProposal,
    TierRule,
    WeakKP,
)
from yincai.insight.snapshots import write_snapshots
from yincai.oversight.concurrency import Difference, OtherChange, StaleEdit
from yincai.oversight.services import audit_record
from yincai.school.models import Grade, School, Staff, Student, Subject, Term

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=30)
_STEP_DELAY = float(os.environ.get("YINCAI_JOB_STEP_DELAY", "0") or 0)
INDICATORS = [("score_drop", "成绩较本人以往下滑(标准分)"), ("mastery_drop", "知识点掌握较以往下滑"), ("absence", "缺考"),
              ("focus", "课堂专注(观察均分)"), ("homework", "作业习惯(观察均分)"), ("homework_completion", "作业完成率")]
OBSERVATION_WINDOW_DAYS = 30  # observations before the first paper count towards it within this window
MIN_STUDENTS_CDM = 5
MAX_KPS_CDM = 14
GPCM_MAX_POINTS = 10
GPCM_MIN_STUDENTS = 30


class InsightError(ValueError):
    """A refusal with a Chinese message for the user."""


# ------------------------------------------------------------------------------------------------
# rules


def tier_rule_for(*, school: School, grade: Grade, subject: Subject) -> TierRule:
    """The latest rule for the grade & subject, else for all grades, else the defaults (unsaved)."""
    rule = (TierRule.objects.filter(Q(grade=grade) | Q(grade__isnull=True), school=school, subject=subject)
            .order_by(F("grade").asc(nulls_last=True), "-created_at", "-id").first())  # the grade's own rule first
    return rule or TierRule(school=school, subject=subject)


def alert_rule_for(*, school: School) -> AlertRule:
    rule = AlertRule.objects.filter(school=school).first()
    if rule is None:
        rule = AlertRule.objects.create(school=school)
    return rule


def tier_rule_set(
    *, school: School, grade: Grade | None, subject: Subject, struggling_share: float, advanced_share: float,
    level: float, talent_share: float, note: str, user: Any,
) -> TierRule:
    """Save a new rule (the old ones stay as history)."""
    if not (0 <= struggling_share < 0.5 and 0 <= advanced_share < 0.5):
        raise InsightError("学困与培优比例须在 0%～50% 之间")
    if not 0.5 <= level < 1:
        raise InsightError("区间置信水平须在 50%～99% 之间")
    if not 0 < talent_share <= 0.5:
        raise InsightError("特长生比例须在 1%～50% 之间")
    with transaction.atomic():
        rule = TierRule.objects.create(
            school=school, grade=grade, subject=subject, struggling_share=struggling_share,
            advanced_share=advanced_share, level=level, talent_share=talent_share, note=note[:200],
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
    return rule


def alert_rule_set(*, school: School, score_drop: float, mastery_drop: float, absences: int, k: int, n: int,
                   user: Any, observation: float = 2.0) -> AlertRule:
    max_k = min(len(INDICATORS), 5)  # AlertRule's check constraint allows k ≤ 5
    if not 1 <= k <= max_k:
        raise InsightError(f"k 须在 1～{max_k} 之间")
    if not 1 <= n <= 6:
        raise InsightError("连续次数 n 须在 1～6 之间")
    if score_drop >= 0 or mastery_drop >= 0:
        raise InsightError("下滑阈值须为负数（低于本人以往水平多少）")
    if absences < 1:
        raise InsightError("缺考阈值至少为 1 次")
    if not 1 <= observation <= 5:
        raise InsightError("观察均分阈值须在 1～5 之间")
    with transaction.atomic():
        return AlertRule.objects.create(school=school, score_drop=score_drop, mastery_drop=mastery_drop,
                                        absences=absences, observation=observation, k=k, n=n,
                                        created_by=user if getattr(user, "is_authenticated", False) else None)


# ------------------------------------------------------------------------------------------------
# recompute: data pulled in bulk


@dataclass
class _Paper:
    assessment: Assessment
    cols: np.ndarray  # column indices into the subject matrix
    item_ids: list[int]
    max_scores: np.ndarray
    kp_ids: list[int]  # KPs tagged on the paper, in first-seen order
    q: np.ndarray  # (items, kps)
    ability_ids: list[int | None]


@dataclass
class _Results:
    mastery: list[KPMastery] = field(default_factory=list)
    abilities: list[AbilityEstimate] = field(default_factory=list)
    weak: list[WeakKP] = field(default_factory=list)
    item_stats: list[ItemStatistic] = field(default_factory=list)
    proposals: list[TierProposal] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    item_ids: list[int] = field(default_factory=list)
    subjects: list[int] = field(default_factory=list)


def _f(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _subject_data(student_ids: list[int], subject: Subject, terms: list[Term]) -> tuple[np.ndarray, np.ndarray, list[_Paper]]:
    """Scores (students × items, nan = missing), absent flags (students × items) and the papers."""
    assessments = list(
        Assessment.objects.filter(subject=subject, term__in=terms, items__scores__student_id__in=student_ids)
        .distinct().select_related("term").order_by("date", "id")
    )
    items = list(
        Item.objects.filter(assessment__in=assessments).order_by("assessment__date", "assessment_id", "order")
        .values_list("id", "assessment_id", "max_score", "ability_id")
    )
    col_of = {iid: c for c, (iid, *_rest) in enumerate(items)}
    kp_tags: dict[int, list[int]] = defaultdict(list)
    for item_id, kp_id in Item.knowledge_points.through.objects.filter(item_id__in=col_of).values_list(
        "item_id", "knowledgepoint_id"
    ).order_by("item_id", "knowledgepoint_id"):
        kp_tags[item_id].append(kp_id)
    row_of = {sid: r for r, sid in enumerate(student_ids)}
    scores = np.full((len(student_ids), len(items)), np.nan)
    absent = np.zeros((len(student_ids), len(items)), dtype=bool)
    rows = ItemScore.objects.filter(item_id__in=list(col_of), student_id__in=student_ids).values_list(
        "student_id", "item_id", "score", "state"
    )
    for sid, iid, score, state in rows.iterator(chunk_size=20000):
        r, c = row_of[sid], col_of[iid]
        if state == "scored":
            scores[r, c] = float(score)
        elif state == "absent":
            absent[r, c] = True
    papers: list[_Paper] = []
    by_assessment: dict[int, list[int]] = defaultdict(list)
    for c, (_iid, aid, _m, _a) in enumerate(items):
        by_assessment[aid].append(c)
    for a in assessments:
        cols = np.array(by_assessment[a.pk], dtype=np.int64)
        ids = [items[c][0] for c in cols]
        kp_ids: list[int] = []
        for iid in ids:
            for k in kp_tags[iid]:
                if k not in kp_ids:
                    kp_ids.append(k)
        q = np.zeros((len(ids), len(kp_ids)), dtype=np.int64)
        for j, iid in enumerate(ids):
            for k in kp_tags[iid]:
                q[j, kp_ids.index(k)] = 1
        papers.append(_Paper(a, cols, ids, np.array([float(items[c][2]) for c in cols]), kp_ids, q,
                             [items[c][3] for c in cols]))
    return scores, absent, papers


def _progress(job: RecomputeJob | None, pct: int, message: str) -> None:
    if job is None:
        return
    RecomputeJob.objects.filter(pk=job.pk).update(progress=max(0, min(100, pct)), message=message[:200])
    if _STEP_DELAY:  # the worker-restart test slows the steps down so it can stop the worker mid-job
        time.sleep(_STEP_DELAY)


def _dimension_scores(x: np.ndarray, papers: list[_Paper], dims: list[int]) -> np.ndarray:
    """Score rate per ability dimension over the given papers (students × dims)."""
    cols = np.concatenate([p.cols for p in papers]) if papers else np.zeros(0, dtype=np.int64)
    if not dims or cols.size == 0:
        return np.zeros((x.shape[0], 0))
    ability = [a for p in papers for a in p.ability_ids]
    q = np.array([[1 if a == d else 0 for d in dims] for a in ability], dtype=np.float64)
    m = np.concatenate([p.max_scores for p in papers])
    return kp_score_rates(x[:, cols], m, q)


Scorer = Callable[[list[_Paper]], tuple[np.ndarray, np.ndarray, np.ndarray]]


def _ability_scorer(x: np.ndarray, papers: list[_Paper], level: float) -> Scorer | None:
    """Calibrate one ability scale on ``papers``; the scorer gives EAP ability with interval from any subset.

    Item-level partial-credit papers use the GPCM of engine.irt (Muraki 1992); section totals (30–40
    points) and small cohorts the quasi-binomial Rasch model of engine.ability. A subset (the papers before
    the midterm) is scored on the same calibrated scale with the other papers' items treated as missing.
    """
    if not papers:
        return None
    cols = np.concatenate([p.cols for p in papers])
    m = np.concatenate([p.max_scores for p in papers])
    d = x[:, cols] / m[None, :]  # score rates: partial credit kept, nan stays nan
    keep = ~np.isnan(d).all(axis=0)
    takers = ~np.isnan(d).all(axis=1)
    if keep.sum() < 1 or takers.sum() < 3:
        return None
    xs, ms, kept_cols = x[:, cols][:, keep], m[keep], cols[keep]

    def masked(values: np.ndarray, subset: list[_Paper]) -> np.ndarray:
        inside = np.isin(kept_cols, np.concatenate([p.cols for p in subset]))
        out = values.copy()
        out[:, ~inside] = np.nan
        return out

    seen = ~np.isnan(xs)
    integral = bool((xs[seen] == np.round(xs[seen])).all()) and (ms == np.round(ms)).all()
    varied = bool((np.nanmax(np.where(seen, xs, -1), axis=0) >= 1).all())
    if integral and varied and ms.max() <= GPCM_MAX_POINTS and takers.sum() >= GPCM_MIN_STUDENTS:
        try:
            gpcm = GPCM().fit(xs, max_scores=ms)

            def score_gpcm(subset: list[_Paper]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
                est = gpcm.eap(masked(xs, subset), level=level)
                return est.theta, est.lower, est.upper

            return score_gpcm
        except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:  # pragma: no cover - data-dependent
            log.warning("GPCM failed, falling back to the quasi-binomial Rasch model: %s", exc)
    rates = d[:, keep]
    rasch = RaschEAP().fit(rates, trials=ms)

    def score_rasch(subset: list[_Paper]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        est = rasch.transform(masked(rates, subset), level=level)
        return est.theta, est.lower, est.upper

    return score_rasch


def _analyse_subject(
    *, job: RecomputeJob | None, term: Term, grade: Grade, subject: Subject, students: list[int],
    terms: list[Term], out: _Results, report: Callable[[str], None],
) -> None:
    x, absent, papers = _subject_data(students, subject, terms)
    if not papers:
        return
    out.subjects.append(subject.pk)
    n = len(students)
    kp_index: dict[int, int] = {}
    for p in papers:
        for k in p.kp_ids:
            kp_index.setdefault(k, len(kp_index))
    n_kps = len(kp_index)
    latest_prob = np.full((n, n_kps), np.nan)  # latest CDM mastery per KP
    latest_in_term = np.zeros(n_kps, dtype=bool)
    paper_mastery = np.full((n, len(papers)), np.nan)  # mean CDM mastery over each paper's KPs
    cell_prob: dict[int, np.ndarray] = {}  # paper index → CDM mastery (n, paper KPs), nan for non-takers
    ev_s: list[np.ndarray] = []
    ev_k: list[np.ndarray] = []
    ev_t: list[np.ndarray] = []
    ev_c: list[np.ndarray] = []
    ev_w: list[np.ndarray] = []
    t0 = papers[0].assessment.date

    for pi, p in enumerate(papers):
        report(f"{subject.name}：分析「{p.assessment.name}」")
        xs = x[:, p.cols]
        takers = np.flatnonzero(~np.isnan(xs).all(axis=1))
        out.item_ids.extend(p.item_ids)
        if takers.size >= 2:
            ia = item_analysis(xs[takers], p.max_scores)
            for j, iid in enumerate(p.item_ids):
                out.item_stats.append(ItemStatistic(
                    item_id=iid, n_responses=int(ia.n_responses[j]), mean_score=_f(ia.mean_score[j]),
                    difficulty=_f(ia.difficulty[j]), point_biserial=_f(ia.point_biserial[j]),
                    corrected_point_biserial=_f(ia.corrected_point_biserial[j]), upper_lower=_f(ia.upper_lower[j]),
                    upper_mean=_f(ia.upper_mean[j]), lower_mean=_f(ia.lower_mean[j]),
                    distribution=[[float(v), int(c)] for v, c in zip(ia.score_values[j], ia.score_counts[j], strict=True)],
                    flags=list(ia.flags[j]), job=job))
        if not p.kp_ids or takers.size == 0:
            continue
        tagged = p.q.sum(axis=1) > 0
        rates = kp_score_rates(xs[:, tagged], p.max_scores[tagged], p.q[tagged])
        n_items_kp = (~np.isnan(xs[:, tagged])).astype(np.float64) @ p.q[tagged]
        days = float((p.assessment.date - t0).days)
        for kk, k in enumerate(p.kp_ids):
            have = np.flatnonzero(~np.isnan(rates[:, kk]))
            ev_s.append(have)
            ev_k.append(np.full(have.size, kp_index[k]))
            ev_t.append(np.full(have.size, days))
            ev_c.append(np.clip(rates[have, kk], 0.0, 1.0))
            ev_w.append(np.maximum(n_items_kp[have, kk], 1.0))
        cdm = None
        if takers.size >= MIN_STUDENTS_CDM and len(p.kp_ids) <= MAX_KPS_CDM:
            xt = xs[np.ix_(takers, np.flatnonzero(tagged))]
            observed_items = ~np.isnan(xt).all(axis=0)
            if observed_items.all():
                try:
                    model = DINA(class_prior=1.0, max_iter=300, tol=1e-4).fit(xt, p.q[tagged], max_scores=p.max_scores[tagged])
                    cdm = model.mastery(xt, max_scores=p.max_scores[tagged], n_draws=20, level=0.9, seed=pi)
                except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:  # pragma: no cover - data-dependent
                    log.warning("DINA failed on %s: %s", p.assessment, exc)
        # without a model (too few students or KPs) the KP score rates reach the page through the tracker
        for kk, k in enumerate(p.kp_ids):
            for ti, r in enumerate(takers):
                if cdm is None:
                    break
                out.mastery.append(KPMastery(
                    student_id=students[r], knowledge_point_id=k, term_id=p.assessment.term_id,
                    assessment=p.assessment, method="cdm", prob=float(cdm.prob[ti, kk]),
                    lower=float(cdm.lower[ti, kk]), upper=float(cdm.upper[ti, kk]),
                    score_rate=_f(rates[r, kk]), n_items=int(n_items_kp[r, kk]), job=job))
        if cdm is not None:
            cols_k = [kp_index[k] for k in p.kp_ids]
            latest_prob[np.ix_(takers, np.array(cols_k, dtype=np.int64))] = cdm.prob
            latest_in_term[cols_k] |= p.assessment.term_id == term.pk
            paper_mastery[takers, pi] = cdm.prob.mean(axis=1)
            cell_prob[pi] = np.full((n, len(p.kp_ids)), np.nan)
            cell_prob[pi][takers] = cdm.prob

    # mastery over time (tracker), as of the latest paper
    if ev_s:
        report(f"{subject.name}：追踪知识点掌握变化")
        events = Events.from_arrays(student=np.concatenate(ev_s), kp=np.concatenate(ev_k), time=np.concatenate(ev_t),
                                    correct=np.concatenate(ev_c), weight=np.concatenate(ev_w))
        try:
            tracker = MasteryTracker(half_life_grid=(60.0, 180.0, math.inf), ability_half_life_grid=(90.0, math.inf),
                                     max_iter=50).fit(events)
            est = tracker.mastery(n_students=n, level=0.9)
            kp_of = {v: k for k, v in kp_index.items()}
            rows, cols = np.nonzero(est.n_evidence > 0)
            for r, c in zip(rows, cols, strict=True):
                out.mastery.append(KPMastery(
                    student_id=students[r], knowledge_point_id=kp_of[int(c)], term=term, assessment=None,
                    method="tracker", prob=float(est.mean[r, c]), lower=float(est.lower[r, c]),
                    upper=float(est.upper[r, c]), n_items=int(est.n_evidence[r, c]), job=job))
        except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:  # pragma: no cover
            log.warning("tracker failed for %s %s: %s", grade, subject, exc)

    # weak KPs of this term and their root causes along the prerequisite graph
    if n_kps:
        kp_ids = list(kp_index)
        pre = np.zeros((n_kps, n_kps), dtype=bool)
        for a, b in KnowledgePoint.prerequisites.through.objects.filter(
            from_knowledgepoint_id__in=kp_ids, to_knowledgepoint_id__in=kp_ids
        ).values_list("from_knowledgepoint_id", "to_knowledgepoint_id"):
            pre[kp_index[a], kp_index[b]] = True
        names = dict(KnowledgePoint.objects.filter(pk__in=kp_ids).values_list("pk", "name"))
        found = find_root_causes(latest_prob, pre, threshold=0.5, criterion="mean")
        deepest: dict[tuple[int, int], Any] = {}
        for i in range(len(found)):
            rc = found.record(i)
            if not latest_in_term[rc.kp]:
                continue
            key = (rc.student, rc.kp)
            best = deepest.get(key)
            if best is None or (rc.depth, -rc.path_mean[-1]) > (best.depth, -best.path_mean[-1]):
                deepest[key] = rc
        for rc in deepest.values():
            out.weak.append(WeakKP(
                student_id=students[rc.student], term=term, subject=subject, knowledge_point_id=kp_ids[rc.kp],
                prob=float(latest_prob[rc.student, rc.kp]), root_id=kp_ids[rc.root],
                path=" ← ".join(names[kp_ids[i]] for i in rc.path)[:300], job=job))

    # abilities and tiers from this term's papers
    current = [p for p in papers if p.assessment.term_id == term.pk]
    rule = tier_rule_for(school=term.school, grade=grade, subject=subject)
    dims = sorted({a for p in current for a in p.ability_ids if a is not None})
    dim_labels = dict(Ability.objects.filter(pk__in=dims).values_list("pk", "name"))
    dim_codes = dict(Ability.objects.filter(pk__in=dims).values_list("pk", "code"))
    report(f"{subject.name}：估计能力与分层建议")
    scorer = _ability_scorer(x, current, rule.level)
    overall = scorer(current) if scorer else None
    if overall is not None:
        theta, lo, hi = overall
        for r in np.flatnonzero(~np.isnan(theta)):
            out.abilities.append(AbilityEstimate(student_id=students[r], term=term, subject=subject, dimension="overall",
                                                 label="综合能力", value=float(theta[r]), lower=float(lo[r]),
                                                 upper=float(hi[r]), job=job))
    dim_rates = _dimension_scores(x, current, dims)
    for d, dim in enumerate(dims):
        for r in np.flatnonzero(~np.isnan(dim_rates[:, d])):
            out.abilities.append(AbilityEstimate(student_id=students[r], term=term, subject=subject,
                                                 dimension=dim_codes[dim], label=dim_labels[dim],
                                                 value=float(dim_rates[r, d]), job=job))
    rounds = _tier_rounds(current)
    saved_rule = rule if rule.pk else None
    for round_code, subset in rounds:
        estimate = _tier_estimate(subset, papers, cell_prob, scorer, overall if subset is current else None)
        if estimate is None:
            continue
        value, lo, hi, bounds = estimate
        tiers = propose_tiers(value, lo, hi, struggling_share=rule.struggling_share,
                              advanced_share=rule.advanced_share, bounds=bounds,
                              dimension_scores=_dimension_scores(x, subset, dims), talent_share=rule.talent_share)
        basis = "、".join(p.assessment.name for p in subset)[:300]
        for si in range(n):
            talent = [dim_labels[dims[d]] for d in np.flatnonzero(tiers.talent[si])] if tiers.talent.size else []
            out.proposals.append(TierProposal(
                job=job, student_id=students[si], term=term, subject=subject, round=round_code,
                tier=str(tiers.tier[si]), point_tier=str(tiers.point_tier[si]), talent=talent,
                estimate=_f(value[si]), lower=_f(lo[si]), upper=_f(hi[si]), percentile=_f(tiers.percentile[si]),
                low_cut=float(tiers.low_cut),
                high_cut=float(tiers.high_cut), basis=basis, rule=saved_rule))

    # early warning over all papers in time order
    report(f"{subject.name}：检查学业预警指标")
    _alerts(term=term, subject=subject, students=students, x=x, absent=absent, papers=papers,
            paper_mastery=paper_mastery, out=out)


def _tier_rounds(current: list[_Paper]) -> list[tuple[str, list[_Paper]]]:
    """期初 / 期中 / 期末 rounds of the term's papers: initial = papers before the first midterm (or final);
    midterm = papers up to the last midterm (all of them while no final exists); final = all papers."""
    midterms = [p.assessment.date for p in current if p.assessment.kind == "midterm"]
    finals = [p.assessment.date for p in current if p.assessment.kind == "final"]
    if not midterms and not finals:
        return [("initial", current)]
    first_marker = min(midterms + finals)
    rounds: list[tuple[str, list[_Paper]]] = []
    before = [p for p in current if p.assessment.date < first_marker]
    if before:
        rounds.append(("initial", before))
    if midterms:
        upto = current if not finals else [p for p in current if p.assessment.date <= max(midterms)]
        rounds.append(("midterm", upto))
    if finals:
        rounds.append(("final", current))
    return rounds


def _tier_estimate(
    subset: list[_Paper], papers: list[_Paper], cell_prob: dict[int, np.ndarray], scorer: Any, overall: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, float] | None] | None:
    """What tiers are cut on: the share of the round's (paper, KP) cells mastered (DINA posteriors, every
    paper of the round weighed), with its 95 % interval; without a CDM (too few students or KPs) the
    ability estimate θ of the same papers. Validated against the demo's truth (tier = achievement)."""
    chosen = {id(p) for p in subset}
    cells = [cell_prob[i] for i, p in enumerate(papers) if id(p) in chosen and i in cell_prob]
    if cells:
        share, lo, hi = achievement_share(np.hstack(cells), level=0.95)
        if (~np.isnan(share)).sum() >= 3:
            return share, lo, hi, (0.0, 1.0)
    if scorer is None:
        return None
    theta, lo, hi = overall if overall is not None else scorer(subset)
    if (~np.isnan(theta)).sum() < 3:
        return None
    return theta, lo, hi, None


def _alerts(*, term: Term, subject: Subject, students: list[int], x: np.ndarray, absent: np.ndarray,
            papers: list[_Paper], paper_mastery: np.ndarray, out: _Results) -> None:
    rule = alert_rule_for(school=term.school)
    n, n_p = len(students), len(papers)
    rate = np.full((n, n_p), np.nan)
    miss = np.zeros((n, n_p))
    for pi, p in enumerate(papers):
        xs = x[:, p.cols]
        seen = ~np.isnan(xs)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate[:, pi] = np.where(seen.any(axis=1), np.where(seen, xs, 0).sum(axis=1) / (seen * p.max_scores).sum(axis=1), np.nan)
        miss[:, pi] = absent[:, p.cols].all(axis=1)
    with np.errstate(invalid="ignore"):
        mu, sd = np.nanmean(rate, axis=0), np.nanstd(rate, axis=0)
        z = (rate - mu) / np.where(sd > 0, sd, np.nan)
    focus, homework = _observations(students, papers)
    completion, completion_cut = _homework_completion(students, subject, papers)
    values = np.stack([score_drop(z), score_drop(paper_mastery), miss, focus, homework, completion], axis=2)
    thresholds = [rule.score_drop, rule.mastery_drop, float(rule.absences), rule.observation, rule.observation,
                  completion_cut]
    flags = flag_indicators(values, thresholds, ["below", "below", "above", "below", "below", "below"])
    for ep in detect_episodes(flags, k=rule.k, n=rule.n):
        fired = papers[ep.fired].assessment
        if fired.term_id != term.pk:
            continue  # an episode that fired in an earlier term is not raised now
        evidence = []
        for t in range(ep.start, ep.end + 1):
            a = papers[t].assessment
            evidence.append({
                "assessment": a.name, "date": a.date.isoformat(),
                "indicators": [
                    {"name": INDICATORS[i][1], "value": None if np.isnan(values[ep.student, t, i]) else round(float(values[ep.student, t, i]), 2),
                     "threshold": thresholds[i], "flagged": bool(flags[ep.student, t, i])}
                    for i in range(len(INDICATORS))
                ],
            })
        out.alerts.append({"rule": rule, "student_id": students[ep.student], "subject": subject,
                           "episode_start": papers[ep.start].assessment, "last_assessment": papers[ep.end].assessment,
                           "evidence": evidence})


def _homework_completion(students: list[int], subject: Subject, papers: list[_Paper]) -> tuple[np.ndarray, float]:
    """Share of the subject's homework done in each paper's period (after the previous paper, up to this one;
    the first period reaches OBSERVATION_WINDOW_DAYS back), with its threshold; nan without homework.
    TODO: the threshold lives in homework.selectors until AlertRule gets a field for it (insight migration)."""
    if not papers or not apps.is_installed("yincai.homework"):
        return np.full((len(students), len(papers)), np.nan), 0.0
    from yincai.homework.selectors import HOMEWORK_COMPLETION_THRESHOLD, homework_completion

    dates = [p.assessment.date for p in papers]
    starts = [dates[0] - timedelta(days=OBSERVATION_WINDOW_DAYS), *dates[:-1]]
    return homework_completion(students, subject, list(zip(starts, dates, strict=True))), HOMEWORK_COMPLETION_THRESHOLD


def _observations(students: list[int], papers: list[_Paper]) -> tuple[np.ndarray, np.ndarray]:
    """Mean 专注 and 作业习惯 observation (1–5) per student in each paper's period (after the previous paper,
    up to this one); nan where the student was not observed. Empty when the support app is not installed."""
    n, n_p = len(students), len(papers)
    focus_sum, hw_sum, count = np.zeros((n, n_p)), np.zeros((n, n_p)), np.zeros((n, n_p))
    if papers and apps.is_installed("yincai.support"):
        from yincai.support.models import Observation

        dates = np.array([p.assessment.date.toordinal() for p in papers])
        row_of = {sid: r for r, sid in enumerate(students)}
        start = papers[0].assessment.date - timedelta(days=OBSERVATION_WINDOW_DAYS)
        for sid, day, focus, homework in Observation.objects.filter(
                student_id__in=students, date__gte=start, date__lte=papers[-1].assessment.date).values_list(
                "student_id", "date", "focus", "homework"):
            t = int(np.searchsorted(dates, day.toordinal(), side="left"))  # previous paper < day <= this paper
            focus_sum[row_of[sid], t] += focus
            hw_sum[row_of[sid], t] += homework
            count[row_of[sid], t] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, focus_sum / count, np.nan), np.where(count > 0, hw_sum / count, np.nan)


def _write(*, term: Term, grade: Grade, students: list[int], out: _Results, job: RecomputeJob | None) -> None:
    with transaction.atomic():
        # derived rows without dependents: raw deletes (no per-row signals); the bulk audit record below covers them
        for qs in (KPMastery.objects.filter(student_id__in=students, knowledge_point__subject_id__in=out.subjects),
                   AbilityEstimate.objects.filter(student_id__in=students, term=term, subject_id__in=out.subjects),
                   WeakKP.objects.filter(student_id__in=students, term=term, subject_id__in=out.subjects),
                   ItemStatistic.objects.filter(item_id__in=out.item_ids)):
            ids = list(qs.values_list("pk", flat=True))
            for start in range(0, len(ids), 5000):
                qs.model.objects.filter(pk__in=ids[start:start + 5000])._raw_delete(qs.db)
        KPMastery.objects.bulk_create(out.mastery, batch_size=5000)
        AbilityEstimate.objects.bulk_create(out.abilities, batch_size=5000)
        WeakKP.objects.bulk_create(out.weak, batch_size=5000)
        ItemStatistic.objects.bulk_create(out.item_stats, batch_size=5000)
        TierProposal.objects.bulk_create(out.proposals, batch_size=5000)
        write_snapshots(term=term, grade=grade, students=students, subject_ids=out.subjects, job=job)
        new_alerts = 0
        for a in out.alerts:
            alert, created = Alert.objects.get_or_create(
                student_id=a["student_id"], subject=a["subject"], episode_start=a["episode_start"],
                defaults={"rule": a["rule"], "term": term, "last_assessment": a["last_assessment"],
                          "evidence": a["evidence"]},
            )
            if created:
                new_alerts += 1
            elif alert.last_assessment_id != a["last_assessment"].pk or alert.evidence != a["evidence"]:
                Alert.objects.filter(pk=alert.pk).update(last_assessment=a["last_assessment"], evidence=a["evidence"])
        audit_record(action="bulk", model="insight.recompute", object_id=job.pk if job else "",
                     detail=f"诊断计算：{len(students)} 名学生，{len(out.mastery)} 条掌握度，"
                            f"{len(out.proposals)} 条分层建议，新增预警 {new_alerts} 条")


def recompute_grade(*, term: Term, grade: Grade, job: RecomputeJob | None = None) -> RecomputeJob:
    """Run the whole diagnosis for one grade of a term and store the results; returns the finished job.

    The job row records status, progress and errors; on failure the previous results stay.
    """
    if job is None:
        job = RecomputeJob.objects.create(term=term, grade=grade)
    RecomputeJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now(), progress=1,
                                                  message="读取成绩", error="")
    try:
        students = list(
            Student.objects.filter(enrolments__term=term, enrolments__school_class__grade=grade)
            .order_by("pk").values_list("pk", flat=True).distinct()
        )
        if not students:
            raise InsightError(f"{term} {grade} 没有在籍学生")
        terms = [t for t in (term.previous(), term) if t is not None]
        subjects = list(Subject.objects.filter(
            pk__in=Assessment.objects.filter(term__in=terms, items__scores__student_id__in=students).values("subject")
        ))
        out = _Results()
        for si, subject in enumerate(subjects):
            base = 5 + int(85 * si / max(len(subjects), 1))
            span = int(85 / max(len(subjects), 1))
            steps = iter(range(1000))

            def report(msg: str, base: int = base, span: int = span, steps: Any = steps) -> None:
                _progress(job, base + min(span - 1, next(steps) * span // 12), msg)

            _analyse_subject(job=job, term=term, grade=grade, subject=subject, students=students, terms=terms,
                             out=out, report=report)
        _progress(job, 92, "保存结果")
        _write(term=term, grade=grade, students=students, out=out, job=job)
    except Exception as exc:
        log.exception("recompute failed")
        message = str(exc) if isinstance(exc, InsightError) else f"计算失败：{type(exc).__name__}: {exc}"
        RecomputeJob.objects.filter(pk=job.pk).update(status="failed", finished_at=timezone.now(),
                                                      error=message + "\n" + traceback.format_exc()[-2000:],
                                                      message="计算失败")
        job.refresh_from_db()
        return job
    RecomputeJob.objects.filter(pk=job.pk).update(status="done", progress=100, finished_at=timezone.now(),
                                                  message="已完成")
    job.refresh_from_db()
    return job


def recompute_school(*, term: Term | None = None, progress: Callable[[str], None] | None = None) -> list[RecomputeJob]:
    """Recompute every grade of the term (default: the current one), synchronously."""
    term = term or Term.current()
    if term is None:
        raise InsightError("尚未设置学期")
    jobs = []
    for grade in Grade.objects.filter(classes__term=term).distinct().order_by("level"):
        if progress:
            progress(f"正在诊断 {grade} ……")
        jobs.append(recompute_grade(term=term, grade=grade))
    return jobs


def active_job(*, term: Term, grade: Grade) -> RecomputeJob | None:
    return RecomputeJob.objects.filter(
        term=term, grade=grade, status__in=["queued", "running"], created_at__gte=timezone.now() - STALE_AFTER
    ).first()


def run_job(job_id: int) -> str:
    """Run a queued job (called by the background task). A job already finished is left alone; one that was
    interrupted (its worker died) starts again from the beginning — results are written in one transaction."""
    job = RecomputeJob.objects.select_related("term", "grade").filter(pk=job_id).first()
    if job is None or job.status in ("done", "failed"):
        return job.status if job else "missing"
    return recompute_grade(term=job.term, grade=job.grade, job=job).status


def job_abandoned(*, job_id: int, reason: str) -> None:
    """The background task gave up (worker lost too often, or it crashed): the page shows the failure."""
    RecomputeJob.objects.filter(pk=job_id, status__in=["queued", "running"]).update(
        status="failed", finished_at=timezone.now(), message="计算失败", error=reason[:2000])


def recompute_start(*, term: Term, grade: Grade, user: Any) -> RecomputeJob:
    """Queue a recompute for the grade; the task worker (`yincai worker`) runs it after the request commits.

    A grade with a job already queued or running gets that job back (no second run).
    """
    from yincai.insight.tasks import recompute_task
    from yincai.jobs.api import enqueue

    existing = active_job(term=term, grade=grade)
    if existing is not None:
        return existing
    with transaction.atomic():
        job = RecomputeJob.objects.create(term=term, grade=grade, status="queued", message="排队中",
                                          created_by=user if getattr(user, "is_authenticated", False) else None)
        enqueue(recompute_task, job.pk)
    return job


# ------------------------------------------------------------------------------------------------
# tiers and alerts: teacher actions


def tier_decide(*, student: Student, term: Term, subject: Subject, round: str, tier: str, talent: bool, reason: str,
                user: Any, proposal_id: int | None = None, version: int | None = None) -> TierDecision:
    """Confirm the latest proposal or override it; an override needs a reason. Appends to the history.

    From a form, `proposal_id` and `version` are the proposal and the decision version (0: none yet) the teacher
    saw; a decision based on a stale proposal or decision is refused with StaleEdit (已被他人修改)."""
    if tier not in ("advanced", "core", "borderline", "struggling"):
        raise InsightError("请选择有效的层级")
    if round not in ROUND_ORDER:
        raise InsightError("请选择有效的轮次")
    proposal = TierProposal.objects.filter(student=student, term=term, subject=subject, round=round).first()
    if proposal is None:
        raise InsightError("该学生还没有分层建议，请先运行诊断计算")
    proposed_talent = bool(proposal.talent)
    is_override = tier != proposal.tier or talent != proposed_talent
    reason = reason.strip()
    if is_override and not reason:
        raise InsightError(f"改动系统建议（{TIER_LABELS[proposal.tier]}）时请填写理由")
    with transaction.atomic():
        latest = (TierDecision.objects.select_for_update()
                  .filter(student=student, term=term, subject=subject, round=round).order_by("-version", "-id").first())
        current = latest.version if latest else 0
        stale_proposal = proposal_id is not None and proposal_id != proposal.pk
        if (version is not None and version != current) or stale_proposal:
            _refuse_stale_tier(latest, proposal, current, tier=tier, talent=talent, stale_proposal=stale_proposal)
        decision = TierDecision.objects.create(
            proposal=proposal, student=student, term=term, subject=subject, round=round, tier=tier, talent=talent,
            is_override=is_override, reason=reason[:300], decided_by=user, version=current + 1,
        )
    return decision


def tier_confirm_as_proposed(*, student_ids: list[int], term: Term, subject: Subject, round: str, user: Any,
                             seen: dict[int, int]) -> tuple[int, int, int]:
    """「全部按建议确认」: confirms, unchanged, the latest proposal of each student the page showed unconfirmed
    (`seen`: student → the proposal id shown). 边缘 and 数据不足 proposals are left for the teacher; a student whose
    proposal was replaced since (a recompute) or who was decided meanwhile is skipped. One transaction.

    Returns (confirmed, changed since the page was opened, left for review)."""
    from yincai.insight.selectors import latest_proposals

    if round not in ROUND_ORDER:
        raise InsightError("请选择有效的轮次")
    ids = [sid for sid in student_ids if sid in seen]
    with transaction.atomic():
        decided = set(TierDecision.objects.select_for_update().filter(
            student_id__in=ids, term=term, subject=subject, round=round).values_list("student_id", flat=True))
        current = [p for p in latest_proposals(ids, term, subject).filter(round=round)
                   if p.student_id not in decided and seen[p.student_id] == p.pk]
        todo = [p for p in current if p.tier in CONFIRMABLE_AS_PROPOSED]
        TierDecision.objects.bulk_create([
            TierDecision(proposal=p, student_id=p.student_id, term=term, subject=subject, round=round, tier=p.tier,
                         talent=bool(p.talent), is_override=False, reason="", decided_by=user, version=1)
            for p in todo])
    return len(todo), len(ids) - len(current), len(current) - len(todo)


def _refuse_stale_tier(latest: TierDecision | None, proposal: TierProposal, current: int, *, tier: str, talent: bool,
                       stale_proposal: bool) -> None:
    yours = {"层级": TIER_LABELS.get(tier, tier), "特长生": "是" if talent else "否"}
    if latest is not None and not stale_proposal:
        by = getattr(getattr(latest.decided_by, "staff", None), "name", "") or latest.decided_by.get_username()
        now = {"层级": TIER_LABELS.get(latest.tier, latest.tier), "特长生": "是" if latest.talent else "否"}
        at = latest.decided_at
    else:  # a recompute produced a new proposal since the page was opened
        by, at = "诊断计算（新的分层建议）", proposal.created_at
        now = {"层级": TIER_LABELS.get(proposal.tier, proposal.tier), "特长生": "是" if proposal.talent else "否"}
    raise StaleEdit(OtherChange(version=current, by=by, at=at, differences=[
        Difference(k, now[k], v) for k, v in yours.items() if now[k] != v]))


def alert_act(*, alert: Alert, action: str, user: Any, note: str = "", assignee: Staff | None = None) -> Alert:
    """acknowledge → follow up (assignee + measures) → resolve (with a note). Each step is recorded."""
    now = timezone.now()
    note = note.strip()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == "resolved":
            raise InsightError("该预警已解除")
        if action == "acknowledge":
            alert.status = "acknowledged" if alert.status == "open" else alert.status
            alert.acknowledged_by, alert.acknowledged_at = user, now
        elif action == "follow":
            if assignee is None or not note:
                raise InsightError("跟进需要指定跟进人并填写措施")
            alert.status = "following"
            alert.assignee = assignee
            alert.followup = (alert.followup + "\n" if alert.followup else "") + f"{now:%Y-%m-%d} {note}"[:1000]
            if alert.acknowledged_at is None:
                alert.acknowledged_by, alert.acknowledged_at = user, now
        elif action == "resolve":
            if not note:
                raise InsightError("解除预警请填写说明")
            alert.status = "resolved"
            alert.resolved_by, alert.resolved_at, alert.resolution = user, now, note[:300]
        else:
            raise InsightError("未知的操作")
        alert.save()
    return alert
