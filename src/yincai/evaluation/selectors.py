"""Permission-filtered reads of the evaluation app: studies with their results, and growth percentiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Q, QuerySet, Sum

from yincai.accounts.roles import Role, roles_of
from yincai.assessment.models import Assessment, ItemScore
from yincai.engine.growth import GrowthPercentiles
from yincai.engine.studies import StudyResult, analyze_study
from yincai.evaluation.models import Study, TermReport
from yincai.school.models import Enrolment, SchoolClass, Student, Subject, Term
from yincai.school.selectors import classes_visible_to

#: Roles that may see studies and growth figures (teachers and 教导处; never families).
EVALUATION_ROLES = frozenset({Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER})


def studies_visible_to(user: Any, term: Term | None = None) -> QuerySet[Study]:
    """Studies of `term` the user may open: 教导处 all; teachers those touching a class they may open."""
    term = term or Term.current()
    base = Study.objects.filter(term=term).select_related("subject", "created_by", "pre_assessment", "post_assessment")
    if Role.ADMIN in roles_of(user, term):
        return base
    return base.filter(classes__in=classes_visible_to(user, term)).distinct()


def score_rates(student_ids: list[int], assessments: Q) -> dict[int, float]:
    """Score rate (0–1) per student over the items of the assessments matching ``assessments`` (a Q on
    Assessment). 缺考/免考/作弊 items count neither way; 未作答 counts as 0."""
    rows = (ItemScore.objects.filter(student_id__in=student_ids, state__in=["scored", "blank"])
            .filter(item__assessment__in=Assessment.objects.filter(assessments))
            .values("student_id").annotate(points=Sum("score"), full=Sum("item__max_score")))
    return {r["student_id"]: float(r["points"] or 0) / float(r["full"]) for r in rows if r["full"]}


@dataclass(frozen=True)
class ArmSummary:
    label: str
    strategy: str
    n: int
    pre_mean: float | None
    post_mean: float | None


@dataclass(frozen=True)
class StudyReport:
    study: Study
    arms: list[ArmSummary]
    result: StudyResult | None
    missing_outcome: int
    interval_chart: dict[str, Any] | None


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def study_report(study: Study) -> StudyReport:
    """Arms with their means and, once a post-test is named, the engine's analysis (ANCOVA when a pre-test is)."""
    participants = list(study.participants.values_list("student_id", "arm"))
    ids = [s for s, _ in participants]
    post = score_rates(ids, Q(pk=study.post_assessment_id)) if study.post_assessment_id else {}
    pre = score_rates(ids, Q(pk=study.pre_assessment_id)) if study.pre_assessment_id else {}
    arms = []
    for arm, label, strategy in ((1, "实验组", study.treatment), (0, "对照组", study.control)):
        members = [s for s, a in participants if a == arm]
        arms.append(ArmSummary(label, strategy, len(members), _mean([pre[s] for s in members if s in pre]),
                               _mean([post[s] for s in members if s in post])))
    result = None
    chart = None
    if study.post_assessment_id:
        y = np.array([post.get(s, np.nan) for s in ids])
        x = np.array([pre.get(s, np.nan) for s in ids]) if study.pre_assessment_id else None
        result = analyze_study(y, np.array([a for _, a in participants]), x)
        if not np.isnan(result.hedges_g):
            chart = {"g": round(result.hedges_g, 3), "low": round(result.g_low, 3), "high": round(result.g_high, 3)}
    missing = sum(1 for s in ids if s not in post) if study.post_assessment_id else 0
    return StudyReport(study, arms, result, missing, chart)


def outcome_choices(study: Study) -> QuerySet[Assessment]:
    grades = study.classes.values("grade")
    return Assessment.objects.filter(term__school=study.term.school, subject=study.subject,
                                     grade__in=grades).order_by("-date")


@dataclass(frozen=True)
class GrowthRow:
    student: Student
    prior: float
    current: float
    sgp: float


@dataclass(frozen=True)
class ClassGrowth:
    klass: SchoolClass
    subject: Subject
    basis: str
    rows: list[GrowthRow]
    median: float | None
    cohort_size: int
    reason: str = ""


def class_growth(klass: SchoolClass, subject: Subject) -> ClassGrowth:
    """Student growth percentiles of a class, fitted on its whole grade (the academic peers).

    Prior: the students' score rate in the previous term; without one, this term's first assessment and
    the current score is the rest of the term."""
    term = klass.term
    cohort = list(Enrolment.objects.filter(term=term, school_class__grade=klass.grade)
                  .values_list("student_id", flat=True))
    previous = term.previous()
    current_q = Q(term=term, subject=subject)
    assessments = list(Assessment.objects.filter(current_q, grade=klass.grade).order_by("date", "id"))
    prior_q: Q | None = None
    basis = ""
    if previous is not None and Assessment.objects.filter(term=previous, subject=subject).exists():
        prior_q = Q(term=previous, subject=subject)
        basis = f"上学期（{previous.name}）{subject.name}得分率 → 本学期得分率"
    elif len(assessments) >= 2:
        first = assessments[0]
        prior_q = Q(pk=first.pk)
        current_q &= ~Q(pk=first.pk)
        basis = f"{first.name} → 本学期其后各次测评得分率"
    empty = ClassGrowth(klass, subject, basis, [], None, len(cohort))
    if prior_q is None:
        return ClassGrowth(**{**empty.__dict__, "reason": "至少需要两次测评（或上学期成绩）才能计算成长百分位"})
    prior = score_rates(cohort, prior_q)
    current = score_rates(cohort, current_q)
    both = [s for s in cohort if s in prior and s in current]
    if len(both) < 20:
        return ClassGrowth(**{**empty.__dict__, "reason": f"同年级有前后两次成绩的学生仅 {len(both)} 人（至少 20 人）"})
    x = np.array([prior[s] for s in both])
    y = np.array([current[s] for s in both])
    sgp = GrowthPercentiles().fit_transform(x, y).sgp
    in_class = set(Enrolment.objects.filter(term=term, school_class=klass).values_list("student_id", flat=True))
    students = Student.objects.in_bulk([s for s in both if s in in_class])
    rows = sorted((GrowthRow(students[s], prior[s], current[s], float(g))
                   for s, g in zip(both, sgp, strict=True) if s in students), key=lambda r: r.student.student_no)
    median = float(np.median([r.sgp for r in rows])) if rows else None
    return ClassGrowth(klass, subject, basis, rows, median, len(both))


def reports_visible_to(user: Any) -> QuerySet[TermReport]:
    """Reports of every term: 教导处 all; teachers those of classes they could open in the report's term."""
    base = TermReport.objects.select_related("term", "created_by", "school_class")
    if Role.ADMIN in roles_of(user):
        return base
    return base.filter(school_class__in=classes_visible_to(user)) | base.filter(
        school_class__isnull=True, created_by__user=user)
