"""Permission-filtered reads of diagnosis results. Tier labels are read only through the functions here that
audit the read, and only staff relationships reach them (students and parents never do).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from yincai.accounts.roles import Role, roles_of
from yincai.assessment.models import Assessment
from yincai.assessment.selectors import student_totals
from yincai.insight.models import (
    ROUND_ORDER,
    TIER_LABELS,
    AbilityEstimate,
    Alert,
    ItemStatistic,
    KPMastery,
    RecomputeJob,
    TierDecision,
    TierProposal,
    WeakKP,
)
from yincai.oversight.services import audit_record, audit_sensitive_read
from yincai.school.models import Grade, SchoolClass, StaffRole, Student, Subject, Term
from yincai.school.selectors import classes_visible_to

BROAD_ROLES = frozenset({Role.ADMIN, Role.COUNSELOR, Role.GRADE_LEAD, Role.HEAD_TEACHER})
TIER_READERS = frozenset({Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER, Role.MENTOR,
                          Role.COUNSELOR})
ALERT_ROLES = frozenset({Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER})
FLAG_LABELS = {"too_hard": "偏难", "too_easy": "偏易", "low_discrimination": "区分度低",
               "negative_discrimination": "区分度为负（请检查答案）"}


def may_read_tiers(user: Any, term: Term | None = None) -> bool:
    return bool(roles_of(user, term) & TIER_READERS)


def assessments_visible_to(user: Any, term: Term | None = None) -> QuerySet[Assessment]:
    """This term's assessments of classes/grades the user may open; a subject teacher only their subjects."""
    term = term or Term.current()
    roles = roles_of(user, term)
    base = Assessment.objects.filter(term=term).select_related("subject", "grade", "school_class")
    if roles & {Role.ADMIN, Role.COUNSELOR}:
        return base
    classes = classes_visible_to(user, term)
    visible = base.filter(Q(school_class__in=classes) | Q(school_class__isnull=True, grade__in=classes.values("grade")))
    if roles & BROAD_ROLES:
        return visible
    pairs = StaffRole.objects.filter(staff__user=user, term=term, role=Role.SUBJECT_TEACHER).values_list(
        "school_class__grade_id", "school_class_id", "subject_id")
    cond = Q(pk__in=[])
    for grade_id, class_id, subject_id in pairs:
        cond |= Q(subject_id=subject_id) & (Q(school_class_id=class_id) | Q(school_class__isnull=True, grade_id=grade_id))
    return visible.filter(cond)


def grades_visible_to(user: Any, term: Term | None = None) -> QuerySet[Grade]:
    """Grades whose grade portrait the user may open: all for admin, own grade for a grade lead."""
    term = term or Term.current()
    roles = roles_of(user, term)
    if Role.ADMIN in roles:
        return Grade.objects.filter(classes__term=term).distinct()
    if Role.GRADE_LEAD in roles:
        return Grade.objects.filter(pk__in=StaffRole.objects.filter(
            staff__user=user, term=term, role=Role.GRADE_LEAD).values("grade"))
    return Grade.objects.none()


def last_job(term: Term, grade: Grade) -> RecomputeJob | None:
    return RecomputeJob.objects.filter(term=term, grade=grade).first()


def last_finished_job(term: Term, grade: Grade) -> RecomputeJob | None:
    return RecomputeJob.objects.filter(term=term, grade=grade, status="done").order_by("-finished_at").first()


# ------------------------------------------------------------------------------------------------ portrait


@dataclass(frozen=True)
class KPRow:
    kp_id: int
    code: str
    name: str
    prob: float
    lower: float
    upper: float
    score_rate: float | None
    assessment: str
    tracked: float | None
    tracked_lower: float | None
    tracked_upper: float | None

    @property
    def width(self) -> float:
        """Interval width, for drawing the interval bar."""
        return max(self.upper - self.lower, 0.0)

    @property
    def level(self) -> str:
        """Colour class: mastered only when the whole interval is above 0.5, weak when it is below."""
        if self.lower >= 0.5:
            return "good"
        if self.upper < 0.5:
            return "weak"
        return "unsure"


@dataclass
class SubjectPortrait:
    subject: Subject
    abilities: list[dict[str, Any]] = field(default_factory=list)  # radar: label, value (0..1)
    overall: AbilityEstimate | None = None
    kps: list[KPRow] = field(default_factory=list)
    weak: list[WeakKP] = field(default_factory=list)
    tier: dict[str, Any] | None = None
    tier_history: list[TierDecision] = field(default_factory=list)


def tier_state(student: Student, term: Term, subject: Subject) -> dict[str, Any]:
    """Latest proposal and decision per round (no audit here: callers audit)."""
    state: dict[str, Any] = {}
    for round_code in ROUND_ORDER:
        p = TierProposal.objects.filter(student=student, term=term, subject=subject, round=round_code).first()
        d = TierDecision.objects.filter(student=student, term=term, subject=subject, round=round_code).select_related(
            "decided_by").first()
        if p or d:
            state[round_code] = {"proposal": p, "decision": d}
    return state


def tier_history(student: Student, term: Term, subject: Subject) -> list[TierDecision]:
    """Every confirmation and override of the term, newest first (who, when, why)."""
    return list(TierDecision.objects.filter(student=student, term=term, subject=subject)
                .select_related("decided_by", "proposal").order_by("-decided_at", "-id"))


def student_portrait(user: Any, student: Student, subjects: QuerySet[Subject], term: Term) -> list[SubjectPortrait]:
    """Diagnosis of one student per visible subject; tier information only for staff readers (audited)."""
    show_tiers = may_read_tiers(user, term)
    result: list[SubjectPortrait] = []
    for subject in subjects:
        sp = SubjectPortrait(subject=subject)
        for a in AbilityEstimate.objects.filter(student=student, term=term, subject=subject).order_by("id"):
            if a.dimension == "overall":
                sp.overall = a
            else:
                sp.abilities.append({"label": a.label, "value": round(a.value, 3)})
        latest: dict[int, KPMastery] = {}
        for m in (KPMastery.objects.filter(student=student, knowledge_point__subject=subject, method="cdm")
                  .select_related("knowledge_point", "assessment").order_by("assessment__date", "assessment_id")):
            latest[m.knowledge_point_id] = m  # later assessments override earlier ones
        tracked = {m.knowledge_point_id: m for m in KPMastery.objects.filter(
            student=student, term=term, knowledge_point__subject=subject, method="tracker")}
        this_term = [m for m in latest.values() if m.term_id == term.pk]
        for m in sorted(this_term, key=lambda m: m.knowledge_point.order):
            t = tracked.get(m.knowledge_point_id)
            sp.kps.append(KPRow(m.knowledge_point_id, m.knowledge_point.code, m.knowledge_point.name, m.prob, m.lower,
                                m.upper, m.score_rate, m.assessment.name if m.assessment else "",
                                t.prob if t else None, t.lower if t else None, t.upper if t else None))
        sp.weak = list(WeakKP.objects.filter(student=student, term=term, subject=subject)
                       .select_related("knowledge_point", "root").order_by("prob"))
        if show_tiers:
            state = tier_state(student, term, subject)
            if state:
                sp.tier = state
                sp.tier_history = tier_history(student, term, subject)
        if sp.abilities or sp.kps or sp.overall or sp.tier:
            result.append(sp)
    if show_tiers and any(sp.tier for sp in result):
        audit_sensitive_read(student_id=student.pk, what="分层")
    return result


# ------------------------------------------------------------------------------------------------ class / grade


@dataclass
class GroupPortrait:
    title: str
    students: list[Student]
    subject: Subject | None
    common_weak: list[dict[str, Any]]
    heatmap: dict[str, Any]
    distribution: dict[str, Any]
    tier_counts: list[dict[str, Any]]
    assessments: list[Assessment]
    latest: Assessment | None


def _students_of(klass: SchoolClass | None, grade: Grade | None, term: Term) -> list[Student]:
    qs = Student.objects.filter(enrolments__term=term)
    qs = qs.filter(enrolments__school_class=klass) if klass else qs.filter(enrolments__school_class__grade=grade)
    return list(qs.order_by("student_no").distinct())


def group_portrait(user: Any, *, term: Term, subject: Subject | None, klass: SchoolClass | None = None,
                   grade: Grade | None = None) -> GroupPortrait:
    """Class (or grade) portrait: common weak KPs, KP × student heat map, score distribution, tier counts."""
    students = _students_of(klass, grade, term)
    ids = [s.pk for s in students]
    grade = grade or (klass.grade if klass else None)
    title = klass.name if klass else str(grade)
    assessments = list(assessments_visible_to(user, term).filter(subject=subject, grade=grade).order_by("date", "id")) \
        if subject else []
    if klass is not None:
        assessments = [a for a in assessments if a.school_class_id in (None, klass.pk)]
    latest = assessments[-1] if assessments else None
    weak_counts: Counter[int] = Counter()
    root_counts: dict[int, Counter[int]] = defaultdict(Counter)
    kp_names: dict[int, str] = {}
    for w in WeakKP.objects.filter(student_id__in=ids, term=term, subject=subject).select_related("knowledge_point", "root"):
        weak_counts[w.knowledge_point_id] += 1
        root_counts[w.knowledge_point_id][w.root_id] += 1
        kp_names[w.knowledge_point_id] = w.knowledge_point.name
        kp_names[w.root_id] = w.root.name
    common = [{"kp": kp_names[k], "count": c, "share": c / max(len(ids), 1),
               "root": kp_names[root_counts[k].most_common(1)[0][0]]} for k, c in weak_counts.most_common(10)]
    # heat map: latest CDM mastery per (student, KP) of this term
    cells: dict[tuple[int, int], float] = {}
    kps: dict[int, tuple[int, str]] = {}
    for m in (KPMastery.objects.filter(student_id__in=ids, term=term, method="cdm", knowledge_point__subject=subject)
              .select_related("knowledge_point").order_by("assessment__date")):
        cells[m.student_id, m.knowledge_point_id] = round(m.prob, 2)
        kps[m.knowledge_point_id] = (m.knowledge_point.order, m.knowledge_point.name)
    kp_order = sorted(kps, key=lambda k: kps[k][0])
    heat = {
        "students": [s.name for s in students],
        "kps": [kps[k][1] for k in kp_order],
        "cells": [[xi, yi, cells[(s.pk, k)]] for yi, s in enumerate(students) for xi, k in enumerate(kp_order)
                  if (s.pk, k) in cells],
    }
    dist: dict[str, Any] = {"bins": [], "counts": []}
    if latest is not None:
        totals = student_totals(latest, ids)
        full = float(latest.max_total) or 1.0
        bins = ["<60%", "60–69%", "70–79%", "80–89%", "≥90%"]
        counts = [0] * 5
        absent = 0
        for t in totals.values():
            if t.total is None:
                absent += 1
                continue
            r = float(t.total) / full
            counts[0 if r < 0.6 else min(4, int((r - 0.5) * 10))] += 1
        dist = {"bins": bins + ["缺考"], "counts": counts + [absent], "assessment": latest.name}
    tier_counts: list[dict[str, Any]] = []
    if subject is not None and may_read_tiers(user, term):
        tiers = current_tiers(ids, term, subject)
        c = Counter(t["tier"] for t in tiers.values())
        tier_counts = [{"tier": code, "label": TIER_LABELS[code], "count": c.get(code, 0)}
                       for code in ("advanced", "core", "borderline", "struggling")]
        tier_counts.append({"tier": "talent", "label": "特长生", "count": sum(1 for t in tiers.values() if t["talent"])})
        audit_record(action="read_sensitive", model="分层", object_id=klass.pk if klass else (grade.pk if grade else ""),
                     detail=f"查看 {title} 分层人数")
    return GroupPortrait(title, students, subject, common, heat, dist, tier_counts, assessments, latest)


def current_tiers(student_ids: list[int], term: Term, subject: Subject, round: str | None = None) -> dict[int, dict[str, Any]]:
    """Effective tier per student: the latest decision of the latest round, else the latest proposal."""
    result: dict[int, dict[str, Any]] = {}
    order = [round] if round else list(ROUND_ORDER)
    for rnd in order:
        props = {}
        for p in TierProposal.objects.filter(student_id__in=student_ids, term=term, subject=subject, round=rnd).order_by(
                "created_at", "id"):
            props[p.student_id] = p
        decs = {}
        for d in TierDecision.objects.filter(student_id__in=student_ids, term=term, subject=subject, round=rnd).order_by(
                "decided_at", "id").select_related("decided_by"):
            decs[d.student_id] = d
        for sid in set(props) | set(decs):
            d, p = decs.get(sid), props.get(sid)
            result[sid] = {
                "round": rnd, "proposal": p, "decision": d,
                "tier": d.tier if d else (p.tier if p else "insufficient"), "talent": d.talent if d else bool(p and p.talent),
                "confirmed": d is not None,
            }
    return result


@dataclass(frozen=True)
class TierRow:
    student: Student
    proposal: TierProposal | None
    decision: TierDecision | None
    initial_tier: str | None  # effective tier of the initial round (for movers)

    @property
    def initial_label(self) -> str:
        return TIER_LABELS.get(self.initial_tier or "", "—")

    @property
    def current_label(self) -> str:
        tier = self.decision.tier if self.decision else (self.proposal.tier if self.proposal else "")
        return TIER_LABELS.get(tier, "—")


def tier_rows(user: Any, klass: SchoolClass, subject: Subject, term: Term) -> tuple[str, list[TierRow], list[TierRow]]:
    """Proposals of the latest round with decisions, and the movers between the initial and the latest round."""
    students = _students_of(klass, None, term)
    ids = [s.pk for s in students]
    present = set(TierProposal.objects.filter(student_id__in=ids, term=term, subject=subject)
                  .values_list("round", flat=True).distinct())
    rnd = next((r for r in reversed(ROUND_ORDER) if r in present), "initial")
    has_mid = rnd != "initial"
    now = current_tiers(ids, term, subject, rnd)
    before = current_tiers(ids, term, subject, "initial") if has_mid else {}
    rows = []
    for s in students:
        cur = now.get(s.pk)
        rows.append(TierRow(s, cur["proposal"] if cur else None, cur["decision"] if cur else None,
                            before[s.pk]["tier"] if s.pk in before else None))
    movers = [r for r in rows if has_mid and r.initial_tier and r.proposal and r.initial_tier != (
        r.decision.tier if r.decision else r.proposal.tier)]
    audit_record(action="read_sensitive", model="分层", object_id=klass.pk, detail=f"查看 {klass.name} {subject.name} 分层名单")
    return rnd, rows, movers


# ------------------------------------------------------------------------------------------------ item analysis


def item_rows(assessment: Assessment) -> list[dict[str, Any]]:
    rows = []
    stats = {s.item_id: s for s in ItemStatistic.objects.filter(item__assessment=assessment)}
    for item in assessment.items.prefetch_related("knowledge_points").select_related("ability").order_by("order"):
        st = stats.get(item.pk)
        rows.append({"item": item, "stat": st, "kps": [k.name for k in item.knowledge_points.all()],
                     "flags": [FLAG_LABELS.get(f, f) for f in (st.flags if st else [])]})
    return rows


def kp_coverage_rows(assessment: Assessment) -> list[dict[str, Any]]:
    from yincai.engine.itemstats import kp_coverage

    items = list(assessment.items.prefetch_related("knowledge_points").order_by("order"))
    kps: dict[int, str] = {}
    for it in items:
        for k in it.knowledge_points.all():
            kps.setdefault(k.pk, f"{k.code} {k.name}")
    if not items:
        return []
    kp_ids = list(kps)
    q = [[1 if k in {x.pk for x in it.knowledge_points.all()} else 0 for k in kp_ids] for it in items]
    if not kp_ids:
        return [{"kp": "（未标注知识点）", "items": len(items), "points": float(sum(i.max_score for i in items)), "share": 1.0}]
    cov = kp_coverage(q, [float(i.max_score) for i in items])
    rows = [{"kp": kps[k], "items": int(cov.n_items[i]), "points": float(cov.points[i]), "share": float(cov.share[i])}
            for i, k in enumerate(kp_ids)]
    if cov.untagged_items.size:
        rows.append({"kp": "（未标注知识点）", "items": int(cov.untagged_items.size),
                     "points": float(sum(float(items[j].max_score) for j in cov.untagged_items)),
                     "share": float(sum(float(items[j].max_score) for j in cov.untagged_items)) / float(sum(float(i.max_score) for i in items))})
    return rows


# ------------------------------------------------------------------------------------------------ alerts


def alerts_visible_to(user: Any, term: Term | None = None) -> QuerySet[Alert]:
    """Alerts the user receives: head teacher (own class), subject teachers (own class × subject), grade lead, admin."""
    term = term or Term.current()
    roles = roles_of(user, term)
    base = Alert.objects.filter(term=term).select_related("student", "subject", "episode_start", "last_assessment",
                                                          "assignee", "rule", "acknowledged_by", "resolved_by")
    if Role.ADMIN in roles:
        return base
    cond = Q(pk__in=[])
    if roles & {Role.GRADE_LEAD, Role.HEAD_TEACHER}:
        broad_classes = SchoolClass.objects.filter(
            Q(pk__in=StaffRole.objects.filter(staff__user=user, term=term, role=Role.HEAD_TEACHER).values("school_class"))
            | Q(grade__in=StaffRole.objects.filter(staff__user=user, term=term, role=Role.GRADE_LEAD).values("grade")),
            term=term)
        cond |= Q(student__enrolments__term=term, student__enrolments__school_class__in=broad_classes)
    for class_id, subject_id in StaffRole.objects.filter(staff__user=user, term=term, role=Role.SUBJECT_TEACHER).values_list(
            "school_class_id", "subject_id"):
        cond |= Q(student__enrolments__term=term, student__enrolments__school_class_id=class_id, subject_id=subject_id)
    return base.filter(cond).distinct()

