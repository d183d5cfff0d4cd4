"""Reads for the support workflow: KP score rates, goal progress, plans visible to a user, caseloads.

KP score rate = Σ points earned / Σ points possible over the items tagged with the KP (Item.knowledge_points),
counting 未作答 as 0 and leaving 缺考/免考/作弊 out (absent ≠ 0).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from yincai.accounts.roles import Role, roles_of
from yincai.assessment.models import ItemScore
from yincai.curriculum.models import KnowledgePoint
from yincai.school.models import MentorAssignment, SchoolClass, Staff, Student, Subject, Term
from yincai.school.selectors import classes_visible_to, staff_of, students_visible_to
from yincai.support.models import (
    ActionItem,
    Award,
    Meeting,
    Observation,
    PlanGoal,
    PointsEntry,
    Program,
    ProgramEvent,
    Reward,
    SelfGoal,
    SupportPlan,
    TutoringSession,
)

EXCLUDED_STATES = ("absent", "exempt", "cheating")


@dataclass(frozen=True)
class KpRate:
    kp_id: int
    code: str
    name: str
    rate: float  # percent 0–100
    earned: float
    possible: float
    n_items: int

    @property
    def evidence(self) -> str:
        return f"{self.n_items} 题共 {self.possible:g} 分，得 {self.earned:g} 分"


def _scores(term: Term, subject: Subject | None) -> QuerySet[ItemScore]:
    qs = ItemScore.objects.filter(item__assessment__term=term).exclude(state__in=EXCLUDED_STATES)
    if subject is not None:
        qs = qs.filter(item__assessment__subject=subject)
    return qs.filter(item__knowledge_points__isnull=False)


_ZERO = Value(0, output_field=DecimalField(max_digits=7, decimal_places=1))


def kp_rates(student: Student, term: Term, subject: Subject | None = None) -> list[KpRate]:
    """The student's score rate per KP over the term, weakest first."""
    rows = (
        _scores(term, subject).filter(student=student)
        .values("item__knowledge_points")
        .annotate(earned=Sum(Coalesce("score", _ZERO)), possible=Sum("item__max_score"), n=Count("id"))
    )
    kps = KnowledgePoint.objects.in_bulk([r["item__knowledge_points"] for r in rows])
    out = []
    for r in rows:
        kp = kps[r["item__knowledge_points"]]
        possible = float(r["possible"] or 0)
        if possible <= 0:
            continue
        earned = float(r["earned"] or 0)
        out.append(KpRate(kp.pk, kp.code, kp.name, round(100 * earned / possible, 1), earned, possible, int(r["n"])))
    return sorted(out, key=lambda k: (k.rate, k.code))


@dataclass(frozen=True)
class RatePoint:
    date: str
    assessment: str
    rate: float
    assessment_id: int = 0


def kp_rate_series(student: Student, kp: KnowledgePoint, term: Term) -> list[RatePoint]:
    """The student's rate on one KP per assessment, in date order — the goal's progress line."""
    rows = (
        ItemScore.objects.filter(student=student, item__knowledge_points=kp, item__assessment__term=term)
        .exclude(state__in=EXCLUDED_STATES)
        .values("item__assessment_id", "item__assessment__date", "item__assessment__name")
        .annotate(earned=Sum(Coalesce("score", _ZERO)), possible=Sum("item__max_score"))
        .order_by("item__assessment__date", "item__assessment_id")
    )
    return [
        RatePoint(r["item__assessment__date"].isoformat(), r["item__assessment__name"],
                  round(100 * float(r["earned"] or 0) / float(r["possible"]), 1), r["item__assessment_id"])
        for r in rows if r["possible"]
    ]


@dataclass
class GoalProgress:
    goal: PlanGoal
    series: list[RatePoint] = field(default_factory=list)

    @property
    def current(self) -> float | None:
        return self.series[-1].rate if self.series else None

    @property
    def met(self) -> bool:
        return self.goal.target_rate is not None and self.current is not None and self.current >= self.goal.target_rate

    @property
    def percent(self) -> int | None:
        """How far from baseline to target the latest measurement is (0–100)."""
        g = self.goal
        if g.target_rate is None or self.current is None:
            return None
        base = g.baseline_rate if g.baseline_rate is not None else 0.0
        if g.target_rate <= base:
            return 100 if self.met else 0
        return int(max(0, min(100, round(100 * (self.current - base) / (g.target_rate - base)))))


def goal_progress(plan: SupportPlan) -> list[GoalProgress]:
    out = []
    for goal in plan.goals.select_related("knowledge_point"):
        series = kp_rate_series(plan.student, goal.knowledge_point, plan.term) if goal.knowledge_point else []
        out.append(GoalProgress(goal, series))
    return out


def plans_visible_to(user: Any, term: Term | None = None) -> QuerySet[SupportPlan]:
    """Plans of the students the user may see (staff only: the family reads through `family_plan_view`)."""
    term = term or Term.current()
    if not (roles_of(user, term) - {Role.STUDENT, Role.PARENT}):
        return SupportPlan.objects.none()
    return SupportPlan.objects.filter(term=term, student__in=students_visible_to(user, term)).select_related(
        "student", "subject", "responsible"
    )


def family_plan_view(plan: SupportPlan) -> dict[str, Any]:
    """What a parent or the student sees of a plan: goals, measures, the note to the family — and the
    cause analysis only when the school chose to share it. No tier, no kind label."""
    return {
        "subject": plan.subject.name,
        "status": plan.get_status_display(),
        "measures": plan.measures,
        "family_note": plan.family_note,
        "causes": plan.cause_labels if plan.causes_shared else None,
        "cause_notes": plan.cause_notes if plan.causes_shared else None,
        "goals": goal_progress(plan),
        "responsible": plan.responsible.name,
    }


def overdue_plans(user: Any, term: Term | None = None, *, plans: QuerySet[SupportPlan] | None = None) -> QuerySet[SupportPlan]:
    """Open plans past their review date; `plans`: the user's visible plans when the caller has them already."""
    plans = plans_visible_to(user, term) if plans is None else plans
    return plans.filter(status__in=["active", "adjusted"], next_review__lt=timezone.localdate())


@dataclass(frozen=True)
class CaseloadRow:
    staff: Staff
    mentees: list[Student]
    active_plans: int
    overdue: int
    sessions_30d: int
    minutes_30d: int


def mentor_caseload(user: Any, term: Term | None = None) -> list[CaseloadRow]:
    """Per teacher: mentees (包人头), active plans they are responsible for, overdue reviews, recent sessions.
    School-wide roles see every teacher; a grade lead the teachers with mentees in the grade; others themselves."""
    term = term or Term.current()
    roles = roles_of(user, term)
    me = staff_of(user)
    visible = students_visible_to(user, term)
    assignments = MentorAssignment.objects.filter(term=term).select_related("mentor", "student")
    plans = SupportPlan.objects.filter(term=term, status__in=["active", "adjusted"])
    if roles & {Role.ADMIN, Role.COUNSELOR}:
        staff_ids = set(assignments.values_list("mentor_id", flat=True)) | set(plans.values_list("responsible_id", flat=True))
    elif Role.GRADE_LEAD in roles:
        staff_ids = set(assignments.filter(student__in=visible).values_list("mentor_id", flat=True))
        staff_ids |= set(plans.filter(student__in=visible).values_list("responsible_id", flat=True))
    else:
        staff_ids = set()
    if me is not None:
        staff_ids.add(me.pk)
    since = timezone.localdate() - datetime.timedelta(days=30)
    today = timezone.localdate()
    counts = {r: (n, late) for r, n, late in plans.filter(responsible_id__in=staff_ids).values("responsible_id")
              .annotate(n=Count("id"), late=Count("id", filter=Q(next_review__lt=today)))
              .values_list("responsible_id", "n", "late")}
    recent = {r["teacher_id"]: (r["n"], r["m"]) for r in TutoringSession.objects.filter(
        term=term, teacher_id__in=staff_ids, date__gte=since).values("teacher_id").annotate(n=Count("id"), m=Sum("minutes"))}
    mentees: dict[int, list[Student]] = defaultdict(list)
    for a in assignments.filter(mentor_id__in=staff_ids):
        mentees[a.mentor_id].append(a.student)
    rows = []
    for staff in Staff.objects.filter(pk__in=staff_ids).order_by("name"):
        n, m = recent.get(staff.pk, (0, 0))
        active, overdue = counts.get(staff.pk, (0, 0))
        rows.append(CaseloadRow(staff=staff, mentees=mentees.get(staff.pk, []), active_plans=active,
                                overdue=overdue, sessions_30d=n, minutes_30d=int(m or 0)))
    return rows


def week_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def week_view(user: Any, day: datetime.date, term: Term | None = None) -> dict[str, Any]:
    """A teacher's week: own sessions per weekday and plan reviews falling due that week."""
    term = term or Term.current()
    monday, sunday = week_bounds(day)
    me = staff_of(user)
    sessions = TutoringSession.objects.filter(term=term, date__range=(monday, sunday)).prefetch_related("students")
    sessions = sessions.filter(teacher=me) if me else sessions.none()
    days: list[dict[str, Any]] = []
    names = "一二三四五六日"
    for i in range(7):
        d = monday + datetime.timedelta(days=i)
        days.append({"date": d, "label": f"周{names[i]}", "sessions": [s for s in sessions if s.date == d]})
    due = plans_visible_to(user, term).filter(status__in=["active", "adjusted"]).filter(
        Q(next_review__range=(monday, sunday)) | Q(next_review__lt=monday)
    )
    if me is not None:
        due = due.filter(Q(responsible=me) | Q(student__mentors__mentor=me, student__mentors__term=term)).distinct()
    events = ProgramEvent.objects.filter(program__leader=me, date__range=(monday, sunday)).select_related("program") \
        if me else ProgramEvent.objects.none()
    actions = ActionItem.objects.filter(owner=me, done_at__isnull=True, due__lte=sunday).select_related("meeting") \
        if me else ActionItem.objects.none()
    for row in days:
        row["events"] = [e for e in events if e.date == row["date"]]
    return {
        "monday": monday,
        "sunday": sunday,
        "days": days,
        "actions": actions,
        "due": due.order_by("next_review"),
        "total_minutes": sum(s.minutes for s in sessions),
        "prev": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7),
    }


def class_of_visible(user: Any, class_id: int, term: Term | None = None) -> SchoolClass | None:
    """A class the user may open, or the class of a student they may see (mentors, parents, students)."""
    term = term or Term.current()
    klass = classes_visible_to(user, term).filter(pk=class_id).first()
    if klass is not None:
        return klass
    visible = students_visible_to(user, term)
    return SchoolClass.objects.filter(pk=class_id, term=term, enrolments__student__in=visible).distinct().first()


def class_students(klass: SchoolClass) -> list[Student]:
    return list(Student.objects.filter(enrolments__school_class=klass).order_by("student_no"))


def class_ability(klass: SchoolClass, subject: Subject) -> dict[int, float | None]:
    """Each student's score rate (0–100) over the term's assessments of the subject; None without data."""
    rows = (
        ItemScore.objects.filter(item__assessment__term=klass.term, item__assessment__subject=subject,
                                 student__enrolments__school_class=klass)
        .exclude(state__in=EXCLUDED_STATES)
        .values("student_id")
        .annotate(earned=Sum(Coalesce("score", _ZERO)), possible=Sum(F("item__max_score")))
    )
    result: dict[int, float | None] = {s.pk: None for s in class_students(klass)}
    for r in rows:
        if r["possible"]:
            result[r["student_id"]] = round(100 * float(r["earned"] or 0) / float(r["possible"]), 1)
    return result


def class_mastery_matrix(klass: SchoolClass, subject: Subject) -> tuple[list[Student], list[KnowledgePoint], np.ndarray]:
    """Students × KPs score-rate matrix in [0, 1]; a missing cell takes the KP's class mean (0.5 if none)."""
    students = class_students(klass)
    rows = (
        _scores(klass.term, subject).filter(student__in=students)
        .values("student_id", "item__knowledge_points")
        .annotate(earned=Sum(Coalesce("score", _ZERO)), possible=Sum("item__max_score"))
    )
    cells: dict[tuple[int, int], float] = {}
    kp_ids: set[int] = set()
    for r in rows:
        if r["possible"]:
            cells[(r["student_id"], r["item__knowledge_points"])] = float(r["earned"] or 0) / float(r["possible"])
            kp_ids.add(r["item__knowledge_points"])
    kps = list(KnowledgePoint.objects.filter(pk__in=kp_ids).order_by("order", "code"))
    m = np.full((len(students), len(kps)), np.nan)
    for i, s in enumerate(students):
        for j, kp in enumerate(kps):
            m[i, j] = cells.get((s.pk, kp.pk), np.nan)
    if m.size:
        col_mean = np.nanmean(np.where(np.isnan(m).all(axis=0), 0.5, m), axis=0)
        nan = np.isnan(m)
        m[nan] = np.take(col_mean, np.nonzero(nan)[1])
    return students, kps, np.clip(m, 0.0, 1.0)


def points_balance(student: Student) -> int:
    return int(PointsEntry.objects.filter(student=student).aggregate(s=Sum("points"))["s"] or 0)


def points_balances(students: list[Student]) -> dict[int, int]:
    rows = PointsEntry.objects.filter(student__in=students).values("student_id").annotate(s=Sum("points"))
    out = {s.pk: 0 for s in students}
    out.update({r["student_id"]: int(r["s"]) for r in rows})
    return out


@dataclass(frozen=True)
class AwardSuggestion:
    student: Student
    kind: str
    gain: float
    first: float
    last: float
    evidence: str


def progress_award_suggestions(klass: SchoolClass, subject: Subject, *, top: int = 3, threshold: float = 10.0) -> list[AwardSuggestion]:
    """Awards from measured progress (never raw rank): the gain in score rate from a student's first to
    latest assessment of the term. 进步最快奖 for the largest gains, 学业进步生 for gains ≥ `threshold` points."""
    students = class_students(klass)
    rows = (
        ItemScore.objects.filter(item__assessment__term=klass.term, item__assessment__subject=subject,
                                 student__in=students)
        .exclude(state__in=EXCLUDED_STATES)
        .values("student_id", "item__assessment_id", "item__assessment__date")
        .annotate(earned=Sum(Coalesce("score", _ZERO)), possible=Sum("item__max_score"))
        .order_by("item__assessment__date", "item__assessment_id")
    )
    series: dict[int, list[float]] = defaultdict(list)
    for r in rows:
        if r["possible"]:
            series[r["student_id"]].append(100 * float(r["earned"] or 0) / float(r["possible"]))
    by_id = {s.pk: s for s in students}
    gains = [(sid, v[-1] - v[0], v[0], v[-1]) for sid, v in series.items() if len(v) >= 2]
    gains.sort(key=lambda g: -g[1])
    out: list[AwardSuggestion] = []
    for sid, gain, first, last in gains:
        if gain <= 0:
            break
        ev = f"得分率 {first:.0f}% → {last:.0f}%（+{gain:.0f}）"
        if len([o for o in out if o.kind == "most_improved"]) < top:
            out.append(AwardSuggestion(by_id[sid], "most_improved", round(gain, 1), first, last, ev))
        elif gain >= threshold:
            out.append(AwardSuggestion(by_id[sid], "progress", round(gain, 1), first, last, ev))
    return out


def honor_wall(klass: SchoolClass) -> QuerySet[Award]:
    ids = Student.objects.filter(enrolments__school_class=klass).values("pk")
    return Award.objects.filter(term=klass.term, student__in=ids).select_related("student", "awarded_by")


def rewards_for(student_or_school: Any) -> QuerySet[Reward]:
    school = getattr(student_or_school, "school", student_or_school)
    return Reward.objects.filter(school=school, active=True)


def open_self_goals(students: QuerySet[Student] | list[Student], term: Term) -> QuerySet[SelfGoal]:
    return SelfGoal.objects.filter(student__in=students, term=term, status="open").select_related("student")


def meetings_visible_to(user: Any, term: Term | None = None) -> QuerySet[Meeting]:
    """School-wide meetings, meetings of classes the user may open, and meetings assigning the user work."""
    term = term or Term.current()
    me = staff_of(user)
    cond = Q(school_class__isnull=True) | Q(school_class__in=classes_visible_to(user, term))
    if me is not None:
        cond |= Q(actions__owner=me) | Q(created_by=me)
    qs = Meeting.objects.filter(term=term).filter(cond)
    if me is not None:
        qs = qs.filter(created_by__school=me.school)
    return qs.distinct().select_related("school_class", "created_by").prefetch_related("actions__owner")


def open_actions_of(user: Any) -> QuerySet[ActionItem]:
    me = staff_of(user)
    if me is None:
        return ActionItem.objects.none()
    return ActionItem.objects.filter(owner=me, done_at__isnull=True).select_related("meeting")


def programs_visible_to(user: Any, term: Term | None = None) -> QuerySet[Program]:
    """Programs the user leads or that have a member the user may see."""
    term = term or Term.current()
    me = staff_of(user)
    cond = Q(members__in=students_visible_to(user, term))
    if me is not None:
        cond |= Q(leader=me)
    return Program.objects.filter(term=term).filter(cond).distinct().select_related("leader")


@dataclass(frozen=True)
class ObservationSummary:
    n: int
    means: dict[str, float]  # field label → mean over the last observations
    latest: datetime.date | None


def observation_summary(student: Student, *, last: int = 10) -> ObservationSummary:
    """Mean of the student's last `last` classroom observations per behaviour (for the portrait and alerts)."""
    rows = list(Observation.objects.filter(student=student).order_by("-date", "-id")[:last])
    labels = {f.name: str(f.verbose_name) for f in Observation._meta.fields}
    fields = ("hand_raising", "speech", "collaboration", "focus", "homework")
    means = {labels[f]: round(sum(getattr(o, f) for o in rows) / len(rows), 1) for f in fields} if rows else {}
    return ObservationSummary(len(rows), means, rows[0].date if rows else None)
