"""Writes of the support workflow: keyword-only, one transaction each, validated, audited, and logged in
the student's 转化记载簿 (ProgressEntry) where it concerns a student. Errors are ValidationError in Chinese.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from yincai.accounts.roles import Role
from yincai.curriculum.models import KnowledgePoint
from yincai.engine.grouping import balance_report, group_students, pair_students, snake_grouping
from yincai.oversight.concurrency import bump_version, check_version
from yincai.oversight.services import audit_record
from yincai.school.models import MentorAssignment, SchoolClass, Staff, StaffRole, Student, Subject, Term
from yincai.support import diagnosis
from yincai.support.models import (
    CAUSE_LABELS,
    ActionItem,
    Award,
    Grouping,
    GroupMember,
    LearningProfile,
    Meeting,
    Observation,
    PairPreference,
    PeerPair,
    PlanGoal,
    PlanReview,
    PointsEntry,
    Program,
    ProgramEvent,
    ProgressEntry,
    Redemption,
    Reward,
    SelfGoal,
    SupportPlan,
    TutoringSession,
)
from yincai.support.selectors import (
    class_ability,
    class_mastery_matrix,
    class_students,
    goal_progress,
    kp_rates,
    points_balance,
)

GOAL_POINTS = 10  # points when a plan goal is reached (automatic)


# --------------------------------------------------------------------------------------------- plans


@dataclass
class GoalSpec:
    description: str
    due: datetime.date
    knowledge_point: KnowledgePoint | None = None
    target_rate: int | None = None
    baseline_rate: float | None = None
    evidence: str = ""


@dataclass
class PlanDraft:
    """The pre-filled template: the student's weakest KPs (by score rate) as suggested goals."""

    subject: Subject
    kind: str
    causes: list[str]
    measures: str
    goals: list[GoalSpec] = field(default_factory=list)


def plan_template(*, student: Student, subject: Subject, term: Term, n_goals: int = 3) -> PlanDraft:
    """Goals for the weakest KPs. With a diagnosis (insight recompute) the diagnosed weak KPs come first, each
    preceded by its root cause (deepest weak prerequisite); otherwise the lowest KP score rates. Only KPs with
    a measured score rate become goals, so progress can fill in from later assessments."""
    rates = kp_rates(student, term, subject)
    by_kp = {r.kp_id: r for r in rates}
    chosen: list[tuple[int, str]] = []  # (kp id, extra evidence)
    for w in diagnosis.weak_kps_for(student, term, subject):
        steps = [(w.kp_id, f"诊断掌握概率 {w.prob:.2f}")]
        if w.root_id != w.kp_id:
            steps.insert(0, (w.root_id, f"诊断根源知识点{('（' + w.path + '）') if w.path else ''}"))
        for kp_id, note in steps:
            if kp_id in by_kp and kp_id not in {c[0] for c in chosen}:
                chosen.append((kp_id, note))
    for r in rates:
        if r.rate < 85 and r.kp_id not in {c[0] for c in chosen}:
            chosen.append((r.kp_id, ""))
    chosen = chosen[:n_goals]
    kps = KnowledgePoint.objects.in_bulk([c[0] for c in chosen])
    due = min(term.end_date, timezone.localdate() + datetime.timedelta(days=42))
    goals = []
    for kp_id, note in chosen:
        r = by_kp[kp_id]
        goals.append(GoalSpec(
            description=f"{r.name}得分率达到 {_target(r.rate)}%",
            due=due,
            knowledge_point=kps[kp_id],
            target_rate=_target(r.rate),
            baseline_rate=r.rate,
            evidence=f"当前得分率 {r.rate:g}%（{r.evidence}）" + (f"；{note}" if note else ""),
        ))
    tier = diagnosis.tiers_for([student.pk], term, subject).get(student.pk)
    overall = float(np.mean([r.rate for r in rates])) if rates else None
    kind = "enrich" if tier == "advanced" or (tier is None and overall is not None and overall >= 85) else "catch_up"
    causes = ["student_foundation"] if goals and (goals[0].baseline_rate or 0) < 60 else []
    measures = (
        "1. 课堂上优先提问、板演，及时表扬；\n2. 针对薄弱知识点每周两次课后辅导（堂堂清、日日清）；\n"
        "3. 建立错题本，变式练习直到掌握；\n4. 与家长沟通，每周反馈一次。"
        if kind == "catch_up" else "1. 提供拓展资源包与挑战题；\n2. 参加数学思维俱乐部；\n3. 担任小老师（一帮一）。"
    )
    return PlanDraft(subject=subject, kind=kind, causes=causes, measures=measures, goals=goals)


def _target(rate: float) -> int:
    return int(min(100, max(60, 5 * round((rate + 20) / 5))))


def _check_causes(causes: list[str]) -> list[str]:
    unknown = [c for c in causes if c not in CAUSE_LABELS]
    if unknown:
        raise ValidationError(f"未知的原因类别：{'、'.join(unknown)}")
    return list(dict.fromkeys(causes))


def _check_goal(spec: GoalSpec, term: Term) -> None:
    if not spec.description.strip():
        raise ValidationError("目标内容不能为空")
    if spec.target_rate is not None and not 0 < spec.target_rate <= 100:
        raise ValidationError("目标得分率必须在 1 到 100 之间")
    if spec.target_rate is not None and spec.knowledge_point is None:
        raise ValidationError("设定得分率目标时请选择知识点")
    if spec.due < timezone.localdate():
        raise ValidationError("达成期限不能早于今天")
    if spec.due > term.end_date + datetime.timedelta(days=60):
        raise ValidationError("达成期限超出本学期太远")


def _entry(student: Student, kind: str, text: str, *, plan: SupportPlan | None = None,
           author: Staff | None = None, date: datetime.date | None = None) -> ProgressEntry:
    return ProgressEntry.objects.create(student=student, plan=plan, kind=kind, text=text[:300], author=author,
                                        date=date or timezone.localdate())


def _baseline(student: Student, term: Term, kp: KnowledgePoint | None) -> float | None:
    if kp is None:
        return None
    return next((r.rate for r in kp_rates(student, term, kp.subject) if r.kp_id == kp.pk), None)


@transaction.atomic
def plan_create(
    *,
    student: Student,
    term: Term,
    subject: Subject,
    author: Staff,
    responsible: Staff,
    kind: str = "catch_up",
    causes: list[str] | None = None,
    cause_notes: str = "",
    measures: str = "",
    family_note: str = "",
    goals: list[GoalSpec] | None = None,
    review_every_days: int = 14,
) -> SupportPlan:
    if kind not in dict(SupportPlan.KIND_CHOICES):
        raise ValidationError("计划类型无效")
    if responsible.school_id != student.school_id:
        raise ValidationError("责任教师必须是本校教师")
    if not 7 <= review_every_days <= 62:
        raise ValidationError("复查周期应在 7 到 62 天之间（双周小结为 14 天，月度复查为 30 天）")
    if not student.enrolments.filter(term=term).exists():
        raise ValidationError("该学生本学期未在读")
    if SupportPlan.objects.filter(student=student, term=term, subject=subject, status__in=["active", "adjusted"]).exists():
        raise ValidationError(f"该生本学期已有进行中的{subject.name}帮扶计划，请在原计划上调整或先结束它")
    goals = goals or []
    for g in goals:
        _check_goal(g, term)
    plan = SupportPlan.objects.create(
        student=student, term=term, subject=subject, kind=kind, causes=_check_causes(causes or []),
        cause_notes=cause_notes.strip(), measures=measures.strip(), family_note=family_note.strip(),
        responsible=responsible, created_by=author, review_every_days=review_every_days,
        next_review=timezone.localdate() + datetime.timedelta(days=review_every_days),
    )
    for g in goals:
        PlanGoal.objects.create(
            plan=plan, knowledge_point=g.knowledge_point, description=g.description.strip()[:200],
            target_rate=g.target_rate, due=g.due,
            baseline_rate=g.baseline_rate if g.baseline_rate is not None else _baseline(student, term, g.knowledge_point),
        )
    _entry(student, "plan", f"{author.name} 制定{subject.name}帮扶计划，责任教师 {responsible.name}，目标 {len(goals)} 项",
           plan=plan, author=author)
    audit_record(action="create", model="support.SupportPlan", object_id=plan.pk, student_id=student.pk,
                 detail=f"制定帮扶计划（{subject.name}）")
    return plan


@transaction.atomic
def goal_add(*, plan: SupportPlan, author: Staff, spec: GoalSpec) -> PlanGoal:
    _check_goal(spec, plan.term)
    if spec.knowledge_point is not None and spec.knowledge_point.subject_id != plan.subject_id:
        raise ValidationError("知识点与计划学科不一致")
    goal = PlanGoal.objects.create(
        plan=plan, knowledge_point=spec.knowledge_point, description=spec.description.strip()[:200],
        target_rate=spec.target_rate, due=spec.due,
        baseline_rate=_baseline(plan.student, plan.term, spec.knowledge_point),
    )
    _entry(plan.student, "goal", f"新增目标：{goal.description}（期限 {goal.due:%m-%d}）", plan=plan, author=author)
    return goal


@transaction.atomic
def goals_check(*, plan: SupportPlan, author: Staff | None) -> list[PlanGoal]:
    """Mark goals whose latest measured KP rate reached the target; each earns points once."""
    reached = []
    for progress in goal_progress(plan):
        goal = progress.goal
        if goal.achieved_at is None and progress.met:
            goal.achieved_at = timezone.localdate()
            goal.save(update_fields=["achieved_at"])
            reached.append(goal)
            _entry(plan.student, "goal_met", f"目标达成：{goal.description}（最新得分率 {progress.current:g}%）",
                   plan=plan, author=author)
            PointsEntry.objects.create(student=plan.student, term=plan.term, points=GOAL_POINTS,
                                       reason=f"目标达成：{goal.description}"[:200], source="goal", awarded_by=author)
    return reached


@transaction.atomic
def review_add(*, plan: SupportPlan, author: Staff, kind: str, content: str, status_after: str,
               date: datetime.date | None = None, version: int | None = None) -> PlanReview:
    """A review (复查小结) of the plan as the reviewer saw it: `version` is the plan version the form showed."""
    check_version(plan, version, describe=_plan_fields,
                  yours={"状态": dict(SupportPlan.STATUS_CHOICES).get(status_after, status_after)})
    date = date or timezone.localdate()
    if kind not in dict(PlanReview.KIND_CHOICES):
        raise ValidationError("复查类型无效")
    if status_after not in dict(SupportPlan.STATUS_CHOICES):
        raise ValidationError("计划状态无效")
    if not content.strip():
        raise ValidationError("请填写小结内容")
    if date > timezone.localdate():
        raise ValidationError("复查日期不能晚于今天")
    review = PlanReview.objects.create(plan=plan, author=author, date=date, kind=kind, content=content.strip(),
                                       status_after=status_after)
    plan.status = status_after
    plan.next_review = date + datetime.timedelta(days=plan.review_every_days)
    bump_version(plan)
    plan.save(update_fields=["status", "next_review", "version"])
    goals_check(plan=plan, author=author)
    _entry(plan.student, "review", f"{review.get_kind_display()}（{author.name}）：{content.strip()[:200]}",
           plan=plan, author=author, date=date)
    audit_record(action="update", model="support.SupportPlan", object_id=plan.pk, student_id=plan.student_id,
                 detail=f"复查，状态→{plan.get_status_display()}")
    return review


@transaction.atomic
def plan_share_causes(*, plan: SupportPlan, shared: bool, author: Staff) -> SupportPlan:
    plan.causes_shared = shared
    plan.save(update_fields=["causes_shared"])
    audit_record(action="update", model="support.SupportPlan", object_id=plan.pk, student_id=plan.student_id,
                 detail=("向家长公开" if shared else "不再向家长公开") + "原因分析")
    return plan


@transaction.atomic
def mentor_assign(*, student: Student, mentor: Staff, term: Term, author: Staff) -> MentorAssignment:
    """导师制: make `mentor` responsible for the student this term (and give them the mentor role)."""
    if mentor.school_id != student.school_id:
        raise ValidationError("导师必须是本校教师")
    if not student.enrolments.filter(term=term).exists():
        raise ValidationError("该学生本学期未在读")
    StaffRole.objects.get_or_create(staff=mentor, term=term, role=Role.MENTOR, grade=None, school_class=None,
                                    subject=None)
    assignment, created = MentorAssignment.objects.get_or_create(term=term, mentor=mentor, student=student)
    if created:
        _entry(student, "mentor", f"{author.name} 指派 {mentor.name} 为导师", author=author)
    return assignment


# ------------------------------------------------------------------------------------------ sessions


@transaction.atomic
def session_log(*, teacher: Staff, term: Term, kind: str, date: datetime.date, minutes: int,
                students: list[Student], content: str, outcome: str = "",
                knowledge_points: list[KnowledgePoint] | None = None) -> TutoringSession:
    if kind not in dict(TutoringSession.KIND_CHOICES):
        raise ValidationError("辅导形式无效")
    if not students:
        raise ValidationError("请至少选择一名学生")
    if not 0 < minutes <= 480:
        raise ValidationError("时长应在 1 到 480 分钟之间")
    if date > timezone.localdate():
        raise ValidationError("辅导日期不能晚于今天")
    if not content.strip():
        raise ValidationError("请填写辅导内容")
    if kind == "one_on_one" and len(students) != 1:
        raise ValidationError("一对一辅导只能选择一名学生")
    session = TutoringSession.objects.create(term=term, teacher=teacher, kind=kind, date=date, minutes=minutes,
                                             content=content.strip(), outcome=outcome.strip())
    session.students.set(students)
    session.knowledge_points.set(knowledge_points or [])
    kp_text = "、".join(k.name for k in knowledge_points or [])
    for s in students:
        _entry(s, "session", f"{session.get_kind_display()} {minutes} 分钟（{teacher.name}）"
               + (f"，知识点：{kp_text}" if kp_text else "") + f"：{content.strip()[:120]}", author=teacher, date=date)
    return session


# ---------------------------------------------------------------------------------- pairs and groups


@dataclass
class GroupingProposal:
    students: list[Student]
    scores: list[float]
    imputed: list[bool]
    cpsat: Any
    snake: Any
    tiers_used: bool = False
    tiers: dict[int, str] = field(default_factory=dict)


def grouping_propose(*, school_class: SchoolClass, subject: Subject, n_groups: int,
                     must_together: list[tuple[int, int]] | None = None,
                     cannot_together: list[tuple[int, int]] | None = None,
                     mix_gender: bool = True) -> GroupingProposal:
    """Compute a CP-SAT grouping and the snake-draft baseline (nothing is saved). Pairs are student ids."""
    ability = class_ability(school_class, subject)
    students = class_students(school_class)
    if len(students) < 2:
        raise ValidationError("班级学生太少，无法分组")
    if not 2 <= n_groups <= len(students) // 2:
        raise ValidationError(f"组数应在 2 到 {len(students) // 2} 之间")
    known = [v for v in ability.values() if v is not None]
    fill = float(np.median(known)) if known else 60.0
    scores = [float(v) if (v := ability[s.pk]) is not None else fill for s in students]
    index = {s.pk: i for i, s in enumerate(students)}
    try:
        must = [(index[a], index[b]) for a, b in must_together or []]
        cannot = [(index[a], index[b]) for a, b in cannot_together or []]
    except KeyError as exc:
        raise ValidationError("同组/不同组条件中的学生不在本班") from exc
    girls = np.array([s.gender == "F" for s in students]) if mix_gender else None
    bands, tiers = _tier_bands(students, school_class.term, subject)
    try:
        cp = group_students(np.array(scores), n_groups, bands=bands, girls=girls, must_together=must,
                            cannot_together=cannot, time_limit=10)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    snake = snake_grouping(np.array(scores), n_groups, bands=bands, girls=girls)
    return GroupingProposal(students, scores, [ability[s.pk] is None for s in students], cp, snake,
                            tiers_used=bands is not None, tiers=tiers)


def _tier_bands(students: list[Student], term: Term, subject: Subject) -> tuple[np.ndarray | None, dict[int, str]]:
    """Bands from the diagnosed tiers (培优/中等/边缘/学困) when most of the class has one, else None (tertiles)."""
    tiers = diagnosis.tiers_for([s.pk for s in students], term, subject)
    known = [s for s in students if tiers.get(s.pk) in diagnosis.TIER_ORDER]
    if len(known) < max(2, len(students) // 2):
        return None, tiers
    present = sorted({diagnosis.TIER_ORDER.index(tiers[s.pk]) for s in known})
    core = diagnosis.TIER_ORDER.index("core")
    raw = [diagnosis.TIER_ORDER.index(tiers[s.pk]) if s in known else core for s in students]
    dense = {b: i for i, b in enumerate(sorted(set(raw) | set(present)))}
    return np.array([dense[b] for b in raw], dtype=np.int64), tiers


def _balance_dict(bal: Any) -> dict[str, Any]:
    return {
        "sizes": list(bal.sizes), "means": list(bal.means), "sds": list(bal.sds),
        "mean_range": round(bal.mean_range, 2), "sd_range": round(bal.sd_range, 2),
        "bands": [list(b) for b in bal.bands_per_group],
        "girls": list(bal.girls_per_group) if bal.girls_per_group is not None else None,
        "missing_band": bal.groups_missing_a_band,
    }


@transaction.atomic
def grouping_save(*, school_class: SchoolClass, subject: Subject, assignment: dict[int, int], method: str,
                  author: Staff, rule: str = "", extra: dict[str, Any] | None = None) -> Grouping:
    """Save a partition (student id → group number 1…k). Every student of the class exactly once."""
    students = class_students(school_class)
    ids = {s.pk for s in students}
    if set(assignment) != ids:
        raise ValidationError("每位学生都必须分到一个小组（且只能是本班学生）")
    k = max(assignment.values()) if assignment else 0
    if min(assignment.values()) < 1 or set(assignment.values()) != set(range(1, k + 1)):
        raise ValidationError("组号必须从 1 开始连续编号，且每组至少一人")
    if method not in dict(Grouping.METHOD_CHOICES):
        raise ValidationError("分组方法无效")
    ability = class_ability(school_class, subject)
    known = [v for v in ability.values() if v is not None]
    fill = float(np.median(known)) if known else 60.0
    scores = np.array([ability[s.pk] if ability[s.pk] is not None else fill for s in students])
    labels = np.array([assignment[s.pk] - 1 for s in students])
    girls = np.array([s.gender == "F" for s in students])
    bands, _ = _tier_bands(students, school_class.term, subject)
    balance = _balance_dict(balance_report(scores, labels, bands=bands, girls=girls))
    balance.update(extra or {})
    grouping = Grouping.objects.create(school_class=school_class, subject=subject, n_groups=k, method=method,
                                       balance=balance, rule=rule[:300], created_by=author)
    GroupMember.objects.bulk_create(
        GroupMember(grouping=grouping, student_id=sid, group_no=g) for sid, g in assignment.items()
    )
    audit_record(action="create", model="support.Grouping", object_id=grouping.pk,
                 detail=f"{school_class} 分为 {k} 组（{grouping.get_method_display()}）")
    return grouping


@dataclass
class PairProposal:
    pairs: list[tuple[Student, Student, float, bool, str]]  # tutor, tutee, benefit, preferred, focus KPs
    unmatched: list[Student]
    refused: list[Student]


def pairs_propose(*, school_class: SchoolClass, subject: Subject, preferences: dict[int, int] | None = None,
                  capacity: int = 1) -> PairProposal:
    """一帮一: the stronger half tutors the weaker half, matched by complementary KP mastery."""
    students, kps, m = class_mastery_matrix(school_class, subject)
    if len(students) < 2 or not kps:
        raise ValidationError("本学期该学科还没有带知识点的成绩，无法结对")
    overall = m.mean(axis=1)
    order = list(np.argsort(-overall, kind="stable"))
    n_tutors = max(1, -(-len(students) // (1 + capacity)))
    tutors, tutees = order[:n_tutors], order[n_tutors:]
    index = {s.pk: i for i, s in enumerate(students)}
    prefs = {index[a]: index[b] for a, b in (preferences or {}).items() if a in index and b in index}
    result = pair_students(m, tutors, tutees, capacity=capacity, preferences=prefs)
    pairs = []
    for p in result.pairs:
        gaps = m[p.tutor] - m[p.tutee]
        focus = "、".join(kps[j].name for j in np.argsort(-gaps)[:3] if gaps[j] > 0)
        pairs.append((students[p.tutor], students[p.tutee], round(p.benefit, 2), p.preferred, focus))
    return PairProposal(pairs, [students[i] for i in result.unmatched_tutees],
                        [students[i] for i in result.preferences_refused])


@transaction.atomic
def pairs_save(*, school_class: SchoolClass, subject: Subject, proposal: PairProposal, author: Staff) -> list[PeerPair]:
    """Replace the class's active pairs of the subject (old ones stay as history, inactive)."""
    PeerPair.objects.filter(school_class=school_class, subject=subject, active=True).update(active=False)
    saved = [
        PeerPair.objects.create(school_class=school_class, subject=subject, tutor=t, tutee=u, benefit=b,
                                preferred=pref, focus=focus[:300], created_by=author)
        for t, u, b, pref, focus in proposal.pairs
    ]
    audit_record(action="create", model="support.PeerPair", detail=f"{school_class} 一帮一结对 {len(saved)} 对")
    return saved


# ---------------------------------------------------------------------------------------- incentives


@transaction.atomic
def points_award(*, students: list[Student], points: int, reason: str, author: Staff, term: Term) -> list[PointsEntry]:
    if not students:
        raise ValidationError("请至少选择一名学生")
    if points == 0 or not -50 <= points <= 50:
        raise ValidationError("积分应在 -50 到 50 之间且不为 0")
    if not reason.strip():
        raise ValidationError("请填写奖励原因")
    return [
        PointsEntry.objects.create(student=s, term=term, points=points, reason=reason.strip()[:200],
                                   source="teacher", awarded_by=author)
        for s in students
    ]


@transaction.atomic
def reward_create(*, school_id: int, name: str, cost: int, stock: int, description: str = "") -> Reward:
    if not name.strip():
        raise ValidationError("请填写奖励名称")
    if cost <= 0:
        raise ValidationError("所需积分必须大于 0")
    if stock < 0:
        raise ValidationError("库存不能为负数")
    return Reward.objects.create(school_id=school_id, name=name.strip(), cost=cost, stock=stock,
                                 description=description.strip())


@transaction.atomic
def reward_redeem(*, student: Student, reward: Reward, term: Term) -> Redemption:
    """The student spends points on a reward; stock and balance are checked under a row lock."""
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if not reward.active or reward.school_id != student.school_id:
        raise ValidationError("该奖励暂不可兑换")
    if reward.stock <= 0:
        raise ValidationError(f"“{reward.name}”已兑完")
    balance = points_balance(student)
    if balance < reward.cost:
        raise ValidationError(f"积分不足：需要 {reward.cost} 分，当前 {balance} 分")
    Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
    PointsEntry.objects.create(student=student, term=term, points=-reward.cost, reason=f"兑换：{reward.name}",
                               source="redeem")
    return Redemption.objects.create(reward=reward, student=student, points=reward.cost)


@transaction.atomic
def award_grant(*, student: Student, kind: str, citation: str, author: Staff, term: Term, evidence: str = "",
                points: int = 0) -> Award:
    if kind not in dict(Award.KIND_CHOICES):
        raise ValidationError("表彰类型无效")
    if not citation.strip():
        raise ValidationError("请填写表彰事迹")
    if kind in ("most_improved", "progress") and not evidence.strip():
        raise ValidationError("学业类表彰必须依据测得的进步（请从建议名单中颁发）")
    award = Award.objects.create(student=student, term=term, kind=kind, citation=citation.strip()[:200],
                                 evidence=evidence.strip()[:200], awarded_by=author)
    if points:
        PointsEntry.objects.create(student=student, term=term, points=points, reason=f"表彰：{award.get_kind_display()}",
                                   source="award", awarded_by=author)
    _entry(student, "award", f"获得“{award.get_kind_display()}”：{citation.strip()[:150]}", author=author)
    return award


@transaction.atomic
def self_goal_add(*, student: Student, term: Term, text: str, due: datetime.date, points: int = 5) -> SelfGoal:
    if not text.strip():
        raise ValidationError("请写下你的目标")
    if due < timezone.localdate():
        raise ValidationError("期限不能早于今天")
    if not 1 <= points <= 20:
        raise ValidationError("奖励积分应在 1 到 20 之间")
    if SelfGoal.objects.filter(student=student, term=term, status="open").count() >= 5:
        raise ValidationError("同时进行的目标最多 5 个，先完成已有的目标吧")
    return SelfGoal.objects.create(student=student, term=term, text=text.strip()[:120], due=due, points=points)


@transaction.atomic
def self_goal_confirm(*, goal: SelfGoal, author: Staff) -> SelfGoal:
    goal = SelfGoal.objects.select_for_update().get(pk=goal.pk)
    if goal.status != "open":
        raise ValidationError("该目标已确认过")
    goal.status = "met"
    goal.confirmed_by = author
    goal.save(update_fields=["status", "confirmed_by"])
    PointsEntry.objects.create(student=goal.student, term=goal.term, points=goal.points,
                               reason=f"自定目标达成：{goal.text}"[:200], source="self_goal", awarded_by=author)
    return goal


def points_earned_in_term(student: Student, term: Term) -> int:
    return int(PointsEntry.objects.filter(student=student, term=term, points__gt=0).aggregate(s=Sum("points"))["s"] or 0)


# ------------------------------------------------------------------------------ meetings & programs


@dataclass
class ActionSpec:
    text: str
    owner: Staff
    due: datetime.date


@transaction.atomic
def meeting_create(*, term: Term, author: Staff, kind: str, title: str, date: datetime.date, minutes: str = "",
                   decisions: str = "", school_class: SchoolClass | None = None,
                   actions: list[ActionSpec] | None = None, students: list[Student] | None = None) -> Meeting:
    if kind not in dict(Meeting.KIND_CHOICES):
        raise ValidationError("会议类型无效")
    if not title.strip():
        raise ValidationError("请填写会议主题")
    for a in actions or []:
        if not a.text.strip():
            raise ValidationError("待办事项内容不能为空")
        if a.owner.school_id != author.school_id:
            raise ValidationError("待办负责人必须是本校教师")
        if a.due < date:
            raise ValidationError("待办期限不能早于会议日期")
    meeting = Meeting.objects.create(term=term, kind=kind, title=title.strip()[:100], date=date,
                                     minutes=minutes.strip(), decisions=decisions.strip(),
                                     school_class=school_class, created_by=author)
    for a in actions or []:
        ActionItem.objects.create(meeting=meeting, text=a.text.strip()[:200], owner=a.owner, due=a.due)
    meeting.students.set(students or [])
    for s in students or []:
        _entry(s, "note", f"{meeting.get_kind_display()}“{meeting.title}”讨论了该生"
               + (f"：{meeting.decisions.strip()[:120]}" if meeting.decisions.strip() else ""), author=author, date=date)
    audit_record(action="create", model="support.Meeting", object_id=meeting.pk, detail=meeting.title)
    return meeting


@transaction.atomic
def action_done(*, item: ActionItem, by: Staff, follow_up: str) -> ActionItem:
    if item.done_at is not None:
        raise ValidationError("该待办已完成")
    if not follow_up.strip():
        raise ValidationError("请填写落实情况")
    item.done_at = timezone.localdate()
    item.follow_up = follow_up.strip()[:200]
    item.save(update_fields=["done_at", "follow_up"])
    audit_record(action="update", model="support.ActionItem", object_id=item.pk, detail=f"{by.name} 完成：{item.text}")
    return item


@transaction.atomic
def program_create(*, term: Term, leader: Staff, name: str, description: str = "") -> Program:
    if not name.strip():
        raise ValidationError("请填写项目名称")
    if Program.objects.filter(term=term, name=name.strip(), leader__school=leader.school).exists():
        raise ValidationError(f"本学期已有“{name.strip()}”")
    return Program.objects.create(term=term, leader=leader, name=name.strip()[:50], description=description.strip())


@transaction.atomic
def program_add_members(*, program: Program, students: list[Student]) -> int:
    if not students:
        raise ValidationError("请选择学生")
    before = program.members.count()
    program.members.add(*students)
    return program.members.count() - before


@transaction.atomic
def program_event_add(*, program: Program, date: datetime.date, title: str, outcome: str,
                      present: list[Student]) -> ProgramEvent:
    if not title.strip():
        raise ValidationError("请填写活动名称")
    members = set(program.members.values_list("pk", flat=True))
    if any(s.pk not in members for s in present):
        raise ValidationError("出勤名单中有非本项目成员")
    event = ProgramEvent.objects.create(program=program, date=date, title=title.strip()[:100], outcome=outcome.strip())
    event.present.set(present)
    return event


# -------------------------------------------------------------------------------------- observations

OBSERVATION_FIELDS = ("hand_raising", "speech", "collaboration", "focus", "homework")


@transaction.atomic
def observations_record(*, observer: Staff, date: datetime.date, rows: dict[Student, dict[str, int]]) -> list[Observation]:
    """Whole-class quick entry: one Observation per student whose five ratings (1–5) are all given."""
    if date > timezone.localdate():
        raise ValidationError("观察日期不能晚于今天")
    saved = []
    for student, values in rows.items():
        given = {k: v for k, v in values.items() if v is not None}
        if not given:
            continue
        if set(given) != set(OBSERVATION_FIELDS):
            raise ValidationError(f"{student.name}：五项观察需全部评分（或全部留空）")
        if any(not 1 <= v <= 5 for v in given.values()):
            raise ValidationError(f"{student.name}：评分应为 1 到 5")
        saved.append(Observation.objects.create(student=student, observer=observer, date=date, **given))
    if not saved:
        raise ValidationError("没有填写任何学生的观察")
    return saved


@transaction.atomic
def learning_profile_save(*, student: Student, style: str, interests: str) -> LearningProfile:
    if style and style not in dict(LearningProfile.STYLE_CHOICES):
        raise ValidationError("学习风格无效")
    profile, _ = LearningProfile.objects.update_or_create(
        student=student, defaults={"style": style, "interests": interests.strip()[:200]})
    return profile


@transaction.atomic
def pair_preference_set(*, student: Student, preferred: Student | None, term: Term) -> PairPreference | None:
    """The student names a classmate they would like as tutor (or clears the wish)."""
    if preferred is None:
        PairPreference.objects.filter(student=student, term=term).delete()
        return None
    if preferred.pk == student.pk:
        raise ValidationError("不能选择自己")
    klass = student.class_in(term)
    if klass is None or not preferred.enrolments.filter(term=term, school_class=klass).exists():
        raise ValidationError("只能选择本班同学")
    pref, _ = PairPreference.objects.update_or_create(student=student, term=term, defaults={"preferred": preferred})
    return pref


# rewards the seed plans name (表扬信、奖品、作业减量) plus the common 免作业券 — a starting catalogue
DEFAULT_REWARDS: list[tuple[str, str, int, int]] = [
    ("表扬信", "寄给家长的表扬信", 10, 100),
    ("小奖品", "文具等小奖品", 15, 50),
    ("作业减量券", "某天作业减量一半", 20, 30),
    ("免作业券", "免一次书面作业（不含订正）", 30, 20),
    ("当一天小组长", "带领学习小组一天", 25, 20),
]


@transaction.atomic
def reward_defaults(*, school_id: int) -> list[Reward]:
    """Add the starting catalogue; rewards the school already has (by name) are left as they are."""
    have = set(Reward.objects.filter(school_id=school_id).values_list("name", flat=True))
    return [Reward.objects.create(school_id=school_id, name=n, description=d, cost=c, stock=s)
            for n, d, c, s in DEFAULT_REWARDS if n not in have]


@transaction.atomic
def plan_update(*, plan: SupportPlan, author: Staff, causes: list[str], cause_notes: str, measures: str,
                family_note: str, responsible: Staff, review_every_days: int,
                version: int | None = None) -> SupportPlan:
    """Adjust a plan's analysis and measures (调整); what changed is written to the 转化记载簿.
    `version`: the plan version the form was based on — a stale one is refused (StaleEdit), nothing written."""
    check_version(plan, version, describe=_plan_fields, yours={
        "原因分析": [CAUSE_LABELS.get(c, c) for c in causes], "原因补充说明": cause_notes, "帮扶措施": measures,
        "给家长的话": family_note, "责任教师": responsible.name, "复查周期(天)": review_every_days})
    if responsible.school_id != plan.student.school_id:
        raise ValidationError("责任教师必须是本校教师")
    if not 7 <= review_every_days <= 62:
        raise ValidationError("复查周期应在 7 到 62 天之间")
    causes = _check_causes(causes)
    changed = []
    if causes != plan.causes or cause_notes.strip() != plan.cause_notes:
        changed.append("原因分析")
    if measures.strip() != plan.measures:
        changed.append("帮扶措施")
    if family_note.strip() != plan.family_note:
        changed.append("给家长的话")
    if responsible.pk != plan.responsible_id:
        changed.append(f"责任教师→{responsible.name}")
    if review_every_days != plan.review_every_days:
        changed.append(f"复查周期→{review_every_days}天")
    if not changed:
        raise ValidationError("没有修改任何内容")
    plan.causes, plan.cause_notes, plan.measures = causes, cause_notes.strip(), measures.strip()
    plan.family_note, plan.responsible, plan.review_every_days = family_note.strip(), responsible, review_every_days
    bump_version(plan)
    plan.save()
    _entry(plan.student, "note", f"{author.name} 调整计划：{'、'.join(changed)}", plan=plan, author=author)
    audit_record(action="update", model="support.SupportPlan", object_id=plan.pk, student_id=plan.student_id,
                 detail="调整：" + "、".join(changed))
    return plan


def _plan_fields(plan: SupportPlan) -> dict[str, Any]:
    """The editable fields of a plan as people read them (for 已被他人修改: current next to yours)."""
    return {"原因分析": plan.cause_labels, "原因补充说明": plan.cause_notes, "帮扶措施": plan.measures,
            "给家长的话": plan.family_note, "责任教师": plan.responsible.name,
            "复查周期(天)": plan.review_every_days, "状态": plan.get_status_display()}
