"""Permission-filtered reads of diagnosis results. Tier labels are read only through the functions here that
audit the read, and only staff relationships reach them (students and parents never do).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Q, QuerySet, Sum

from yincai.accounts.roles import Role, assignments_of, roles_of
from yincai.assessment.models import Assessment
from yincai.assessment.selectors import TrajectoryPoint, score_trajectory, student_totals, trajectory_points
from yincai.insight.models import (
    CONFIRMABLE_AS_PROPOSED,
    ROUND_ORDER,
    TIER_LABELS,
    Alert,
    ItemStatistic,
    RecomputeJob,
    TierDecision,
    TierProposal,
)
from yincai.insight.snapshots import grade_data, stored_grade_data, stored_student_data, student_data
from yincai.oversight.services import audit_record, audit_sensitive_read
from yincai.school.models import Enrolment, Grade, SchoolClass, StaffRole, Student, Subject, Term
from yincai.school.selectors import subjects_visible_for

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
    mine = assignments_of(user, term, {Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER})
    lead_grades = sorted({a.grade_id for a in mine if a.role == Role.GRADE_LEAD and a.grade_id})
    own_classes = sorted({a.class_id for a in mine if a.role != Role.GRADE_LEAD and a.class_id})
    own_grades = sorted({a.class_grade_id for a in mine if a.role != Role.GRADE_LEAD and a.class_grade_id})
    # the classes of classes_visible_to, as ids: a grade lead's whole grade, own and taught classes
    visible = base.filter(Q(grade_id__in=lead_grades) | Q(school_class_id__in=own_classes)
                          | Q(school_class__isnull=True, grade_id__in=own_grades))
    if roles & BROAD_ROLES:
        return visible
    cond = Q(pk__in=[])
    for a in assignments_of(user, term, {Role.SUBJECT_TEACHER}):
        cond |= Q(subject_id=a.subject_id) & (Q(school_class_id=a.class_id) | Q(school_class__isnull=True,
                                                                                 grade_id=a.class_grade_id))
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


@dataclass(frozen=True)
class WeakRow:
    """A weak KP and its root cause, as the 学习诊断卡 shows it."""

    knowledge_point_id: int
    root_id: int
    kp_name: str
    root_name: str
    prob: float
    path: str


@dataclass(frozen=True)
class Overall:
    """Overall ability (Rasch EAP) with its interval."""

    value: float
    lower: float | None
    upper: float | None


@dataclass
class SubjectPortrait:
    subject: Subject
    abilities: list[dict[str, Any]] = field(default_factory=list)  # radar: label, value (0..1)
    overall: Overall | None = None
    kps: list[KPRow] = field(default_factory=list)
    weak: list[WeakRow] = field(default_factory=list)
    tier: dict[str, Any] | None = None
    tier_history: list[TierDecision] = field(default_factory=list)


def tier_states(student: Student, term: Term, subjects: list[Subject]
                ) -> tuple[dict[int, dict[str, Any]], dict[int, list[TierDecision]]]:
    """subject_id → {round: {"proposal", "decision"}} with the latest of each, and subject_id → every decision,
    newest first (the portrait's 分层确认历史), in two queries."""
    ids = [s.pk for s in subjects]
    latest_p: dict[tuple[int, str], TierProposal] = {}
    for p in TierProposal.objects.filter(student=student, term=term, subject_id__in=ids).order_by("created_at", "id"):
        latest_p[p.subject_id, p.round] = p
    latest_d: dict[tuple[int, str], TierDecision] = {}
    history: dict[int, list[TierDecision]] = defaultdict(list)
    for d in (TierDecision.objects.filter(student=student, term=term, subject_id__in=ids)
              .select_related("decided_by", "proposal").order_by("decided_at", "id")):
        latest_d[d.subject_id, d.round] = d
        history[d.subject_id].insert(0, d)
    states: dict[int, dict[str, Any]] = {}
    for subject_id in ids:
        for round_code in ROUND_ORDER:
            p, d = latest_p.get((subject_id, round_code)), latest_d.get((subject_id, round_code))
            if p or d:
                states.setdefault(subject_id, {})[round_code] = {"proposal": p, "decision": d}
    return states, history


def _subject_portrait(subject: Subject, data: dict[str, Any]) -> SubjectPortrait:
    overall = data.get("overall")
    return SubjectPortrait(
        subject=subject,
        abilities=list(data["abilities"]),
        overall=Overall(**overall) if overall else None,
        kps=[KPRow(*row) for row in data["kps"]],
        weak=[WeakRow(*row) for row in data["weak"]],
    )


def student_portrait(user: Any, student: Student, subjects: QuerySet[Subject], term: Term,
                     grade: Grade | None = None) -> list[SubjectPortrait]:
    """Diagnosis of one student per visible subject; tier information only for staff readers (audited).

    Reads the recompute's snapshot of the student (``grade``: the student's grade that term, which tells
    a recomputed grade from one never recomputed); builds the same data live when there is none.
    """
    subjects = list(subjects)
    ids = [s.pk for s in subjects]
    data = stored_student_data(term, ids, student.pk, grade)
    if data is None:
        data = {subject_id: d for (_, subject_id), d in student_data(term, ids, [student.pk]).items()}
    show_tiers = may_read_tiers(user, term)
    states, history = tier_states(student, term, subjects) if show_tiers else ({}, defaultdict(list))
    result: list[SubjectPortrait] = []
    for subject in subjects:
        sp = _subject_portrait(subject, data[subject.pk]) if subject.pk in data else SubjectPortrait(subject)
        if subject.pk in states:
            sp.tier = states[subject.pk]
            sp.tier_history = history[subject.pk]
        if sp.abilities or sp.kps or sp.overall or sp.tier:
            result.append(sp)
    if show_tiers and any(sp.tier for sp in result):
        audit_sensitive_read(student_id=student.pk, what="分层")
    return result


def trajectory(user: Any, student: Student, term: Term, grade: Grade | None = None,
               subjects: list[Subject] | None = None) -> list[TrajectoryPoint]:
    """``score_trajectory`` (the student's papers against the class median) from the recompute's snapshot.

    ``grade``: the student's grade that term (looked up when not given); ``subjects``: those the user may read
    (``subjects_visible_for``, when the caller has them). Built live when the term has no snapshot of the
    student's grade, or the snapshot predates stored trajectories.
    """
    subjects = subjects if subjects is not None else list(subjects_visible_for(user, student, term))
    if grade is None:
        klass = student.class_in(term)
        grade = klass.grade if klass else None
    data = stored_student_data(term, [s.pk for s in subjects], student.pk, grade)
    if data is None or any("trajectory" not in d for d in data.values()):
        return score_trajectory(user, student, term)
    return trajectory_points(row for d in data.values() for row in d["trajectory"])


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
    return list(qs.order_by("student_no").distinct().only("id", "name", "student_no"))  # all the pages show


def _common_weak_and_heat(data: dict[str, Any], students: list[Student]) -> tuple[list[dict[str, Any]],
                                                                                  dict[str, Any]]:
    """The group's ten most common weak KPs (with the most frequent root) and its KP × student heat map."""
    ids = {s.pk for s in students}
    weak_counts: Counter[int] = Counter()
    root_counts: dict[int, Counter[int]] = defaultdict(Counter)
    for sid, kp, root in data["weak"]:
        if sid in ids:
            weak_counts[kp] += 1
            root_counts[kp][root] += 1
    names = data["names"]
    common = [{"kp": names[str(k)], "count": c, "share": c / max(len(ids), 1),
               "root": names[str(root_counts[k].most_common(1)[0][0])]} for k, c in weak_counts.most_common(10)]
    rows = [(s, data["cells"].get(str(s.pk), [])) for s in students]
    used = sorted({i for _, cells in rows for i, _ in cells})
    column = {i: x for x, i in enumerate(used)}
    heat = {
        "students": [s.name for s in students],
        "kps": [data["kps"][i][1] for i in used],
        "cells": [[column[i], yi, p] for yi, (_, cells) in enumerate(rows) for i, p in cells],
    }
    return common, heat


def group_portrait(user: Any, *, term: Term, subject: Subject | None, klass: SchoolClass | None = None,
                   grade: Grade | None = None) -> GroupPortrait:
    """Class (or grade) portrait: common weak KPs, KP × student heat map, score distribution, tier counts.

    Heat-map cells and weak KPs come from the grade's snapshot (written by the recompute), filtered to the
    group's current students; without a snapshot the same data is built live.
    """
    students = _students_of(klass, grade, term)
    ids = [s.pk for s in students]
    grade = grade or (klass.grade if klass else None)
    title = klass.name if klass else str(grade)
    assessments = list(assessments_visible_to(user, term).filter(subject=subject, grade=grade)
                       .annotate(max_total_sum=Sum("items__max_score")).order_by("date", "id")) if subject else []
    if klass is not None:
        assessments = [a for a in assessments if a.school_class_id in (None, klass.pk)]
    latest = assessments[-1] if assessments else None
    data: dict[str, Any] = {"kps": [], "cells": {}, "weak": [], "names": {}}
    if subject is not None and grade is not None:
        data = stored_grade_data(term, subject.pk, grade) or grade_data(term, subject.pk, ids)
    common, heat = _common_weak_and_heat(data, students)
    dist: dict[str, Any] = {"bins": [], "counts": []}
    if latest is not None:
        totals = student_totals(latest, ids)
        full = float(latest.max_total_sum or 0) or 1.0  # full marks, summed with the list
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
        tiers = tiers_by_student(ids, term, subject)
        c = Counter(tier for tier, _ in tiers.values())
        tier_counts = [{"tier": code, "label": TIER_LABELS[code], "count": c.get(code, 0)}
                       for code in ("advanced", "core", "borderline", "struggling")]
        tier_counts.append({"tier": "talent", "label": "特长生", "count": sum(1 for _, t in tiers.values() if t)})
        audit_record(action="read_sensitive", model="分层", object_id=klass.pk if klass else (grade.pk if grade else ""),
                     detail=f"查看 {title} 分层人数")
    return GroupPortrait(title, students, subject, common, heat, dist, tier_counts, assessments, latest)


def latest_proposals(student_ids: list[int], term: Term, subject: Subject) -> QuerySet[TierProposal]:
    """The latest proposal of each (student, round): proposals are appended by every recompute, so a
    page must not read their whole history (ids grow with creation, one recompute writes in one go)."""
    mine = TierProposal.objects.filter(student_id__in=student_ids, term=term, subject=subject)
    latest = mine.values("student_id", "round").annotate(last=Max("id")).values("last")
    return TierProposal.objects.filter(pk__in=latest).order_by("created_at", "id")


def tiers_by_student(student_ids: list[int], term: Term, subject: Subject,
                     rounds: tuple[str, ...] = ROUND_ORDER) -> dict[int, tuple[str, bool]]:
    """student_id → (tier, talent) as ``current_tiers`` decides it, from two row queries (for counting)."""
    return _effective_tiers(*_latest_tier_rows(student_ids, term, subject), rounds)


def tiers_by_round(student_ids: list[int], term: Term, subject: Subject) -> dict[str, dict[int, tuple[str, bool]]]:
    """round → student_id → (tier, talent) that counts in that round: its latest decision, else its latest
    proposal (tier transitions between rounds). Two row queries."""
    props, decs = _latest_tier_rows(student_ids, term, subject)
    return {rnd: _effective_tiers(props, decs, (rnd,)) for rnd in ROUND_ORDER}


def _latest_tier_rows(student_ids: list[int], term: Term, subject: Subject
                 ) -> tuple[dict[tuple[str, int], tuple[str, bool]], dict[tuple[str, int], tuple[str, bool]]]:
    """(round, student) → (tier, talent) of the latest proposal, and of the latest decision."""
    props: dict[tuple[str, int], tuple[str, bool]] = {}
    for sid, rnd, tier, talent in latest_proposals(student_ids, term, subject).values_list(
            "student_id", "round", "tier", "talent"):
        props[rnd, sid] = (tier, bool(talent))
    decs: dict[tuple[str, int], tuple[str, bool]] = {}
    for sid, rnd, tier, talent in (TierDecision.objects.filter(student_id__in=student_ids, term=term, subject=subject)
                                   .order_by("decided_at", "id").values_list("student_id", "round", "tier", "talent")):
        decs[rnd, sid] = (tier, talent)
    return props, decs


def _effective_tiers(props: dict[tuple[str, int], tuple[str, bool]], decs: dict[tuple[str, int], tuple[str, bool]],
                     rounds: tuple[str, ...]) -> dict[int, tuple[str, bool]]:
    """(round, student) → (tier, talent) of the latest proposal and of the latest decision, to the tier that
    counts: a round's decision, else its proposal; a later round's state replaces an earlier one's."""
    return {sid: decs.get((rnd, sid)) or props[rnd, sid]
            for sid, rnd in _counting_round(props.keys() | decs.keys(), rounds).items()}


def _counting_round(keys: Iterable[tuple[str, int]], rounds: Iterable[str]) -> dict[int, str]:
    """student → the last of `rounds` (in that order) in which the student has a proposal or a decision."""
    order = {rnd: i for i, rnd in enumerate(rounds)}
    result: dict[int, str] = {}
    for rnd, sid in keys:
        if rnd in order and (sid not in result or order[rnd] > order[result[sid]]):
            result[sid] = rnd
    return result


def current_tiers(student_ids: list[int], term: Term, subject: Subject, round: str | None = None) -> dict[int, dict[str, Any]]:
    """Effective tier per student: the latest decision of the latest round, else the latest proposal (with the
    objects behind it). Two queries; the rule of ``_effective_tiers``."""
    rounds = [round] if round else list(ROUND_ORDER)
    props = {(p.round, p.student_id): p for p in latest_proposals(student_ids, term, subject).filter(round__in=rounds)}
    decs: dict[tuple[str, int], TierDecision] = {}
    for d in (TierDecision.objects.filter(student_id__in=student_ids, term=term, subject=subject, round__in=rounds)
              .order_by("decided_at", "id").select_related("decided_by")):
        decs[d.round, d.student_id] = d
    result: dict[int, dict[str, Any]] = {}
    for sid, rnd in _counting_round(props.keys() | decs.keys(), rounds).items():
        d, p = decs.get((rnd, sid)), props.get((rnd, sid))
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
    def confirmable_as_proposed(self) -> bool:
        """Unconfirmed, and 「全部按建议确认」 may confirm its proposal (see ``tier_confirm_as_proposed``)."""
        return self.decision is None and self.proposal is not None and self.proposal.tier in CONFIRMABLE_AS_PROPOSED

    @property
    def current_label(self) -> str:
        tier = self.decision.tier if self.decision else (self.proposal.tier if self.proposal else "")
        return TIER_LABELS.get(tier, "—")

    @property
    def evidence(self) -> str:
        """「0.62（0.48～0.75） / 55」: achievement share with its interval, and the percentile."""
        p = self.proposal
        if p is None:
            return ""
        percentile = f"{p.percentile:.0f}" if p.percentile is not None else ""
        return f"{_fixed2(p.estimate)}（{_fixed2(p.lower)}～{_fixed2(p.upper)}） / {percentile}"


def _fixed2(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def tier_rows(user: Any, klass: SchoolClass, subject: Subject, term: Term) -> tuple[str, list[TierRow], list[TierRow]]:
    """Proposals of the latest round with decisions, and the movers between the initial and the latest round.

    The rule of ``current_tiers`` (a round's latest decision, else its latest proposal); objects only for
    the round the table shows, the initial round's tiers as rows."""
    students = _students_of(klass, None, term)
    ids = [s.pk for s in students]
    latest = list(latest_proposals(ids, term, subject).only(
        "id", "student_id", "round", "tier", "talent", "estimate", "lower", "upper", "percentile", "created_at"))
    present = {p.round for p in latest}
    rnd = next((r for r in reversed(ROUND_ORDER) if r in present), "initial")
    has_mid = rnd != "initial"
    proposals = {p.student_id: p for p in latest if p.round == rnd}
    decided = list(TierDecision.objects.filter(student_id__in=ids, term=term, subject=subject,
                                               round__in=sorted({rnd, "initial"})).select_related("decided_by")
                   .order_by("decided_at", "id"))
    decisions = {d.student_id: d for d in decided if d.round == rnd}
    before = _effective_tiers({(p.round, p.student_id): (p.tier, bool(p.talent)) for p in latest},
                              {(d.round, d.student_id): (d.tier, d.talent) for d in decided},
                              ("initial",)) if has_mid else {}
    rows = [TierRow(s, proposals.get(s.pk), decisions.get(s.pk), before[s.pk][0] if s.pk in before else None)
            for s in students]
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
    # acknowledged/resolved/assigned are rare: fetched apart, so the query joins few tables (PostgreSQL's
    # planner spent ~8 ms per page on the twelve-table join this replaced)
    base = (Alert.objects.filter(term=term).select_related("student", "subject", "episode_start", "last_assessment",
                                                           "rule")
            .prefetch_related("assignee", "acknowledged_by", "resolved_by"))
    if Role.ADMIN in roles:
        return base
    enrolled = Enrolment.objects.filter(term=term)
    cond = Q(pk__in=[])
    broad = assignments_of(user, term, {Role.GRADE_LEAD, Role.HEAD_TEACHER})
    if broad:
        head_classes = sorted({a.class_id for a in broad if a.role == Role.HEAD_TEACHER and a.class_id})
        lead_grades = sorted({a.grade_id for a in broad if a.role == Role.GRADE_LEAD and a.grade_id})
        cond |= Q(student_id__in=enrolled.filter(Q(school_class_id__in=head_classes)
                                                 | Q(school_class__grade_id__in=lead_grades)).values("student_id"))
    for a in assignments_of(user, term, {Role.SUBJECT_TEACHER}):
        cond |= Q(subject_id=a.subject_id, student_id__in=enrolled.filter(school_class_id=a.class_id).values("student_id"))
    return base.filter(cond)  # subqueries, not joins: no row twice, no DISTINCT

