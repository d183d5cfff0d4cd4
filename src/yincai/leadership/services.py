"""Writes of 教导处's tools: monthly routine checks (pre-filled from what the system records), teachers'
growth records, and the work plan. Each write is one transaction and audited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

from yincai.leadership.models import (
    CHECK_ITEMS,
    MAX_ITEM_SCORE,
    GrowthRecord,
    RoutineCheck,
    RoutineCheckItem,
    WorkGroup,
    WorkGroupMember,
    WorkTask,
)
from yincai.oversight.services import audit_record
from yincai.school.models import Staff, Term
from yincai.support.models import PlanReview, SupportPlan, TutoringSession


class LeadershipError(Exception):
    """Refused input; the message is shown as is (Chinese)."""


@dataclass(frozen=True)
class Prefill:
    item: str
    evidence: str
    suggested: int | None  # None: the system records nothing for this item; the checker decides


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    nxt = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, nxt - datetime.timedelta(days=1)


def check_prefill(*, teacher: Staff, term: Term, month: datetime.date) -> dict[str, Prefill]:
    """What the system already knows of a teacher's month: tutoring sessions logged, plan reviews done on
    time for the plans they are responsible for (包人头). Suggested scores are starting points."""
    first, last = month_bounds(month)
    sessions = TutoringSession.objects.filter(teacher=teacher, term=term, date__range=(first, last))
    n_sessions = sessions.count()
    minutes = sum(sessions.values_list("minutes", flat=True))
    plans = SupportPlan.objects.filter(responsible=teacher, term=term)
    active = plans.filter(status__in=["active", "adjusted"]).count()
    reviews = PlanReview.objects.filter(plan__in=plans, date__range=(first, last)).count()
    overdue = plans.filter(status__in=["active", "adjusted"], next_review__lt=min(last, datetime.date.today())).count()
    due = reviews + overdue
    result = {
        "tutoring_records": Prefill("tutoring_records", f"本月记录辅导 {n_sessions} 次，共 {minutes} 分钟",
                                    min(MAX_ITEM_SCORE, 2 * n_sessions)),
        "struggling_files": Prefill(
            "struggling_files",
            f"负责计划 {active} 份；本月复查 {reviews} 次，逾期未复查 {overdue} 份",
            round(MAX_ITEM_SCORE * reviews / due) if due else (MAX_ITEM_SCORE if active else None)),
    }
    for code, _label in CHECK_ITEMS:
        result.setdefault(code, Prefill(code, "系统暂无该项记录，请据实检查", None))
    return result


@transaction.atomic
def routine_check_save(*, term: Term, teacher: Staff, month: datetime.date, checker: Staff,
                       scores: dict[str, str], notes: dict[str, str], note: str = "") -> RoutineCheck:
    """Create or replace the month's check of a teacher; every item needs a score from 0 to 10."""
    month = month.replace(day=1)
    if not (term.start_date.replace(day=1) <= month <= term.end_date):
        raise LeadershipError(f"{month:%Y年%m月} 不在本学期（{term.name}）内")
    parsed: dict[str, int] = {}
    for code, label in CHECK_ITEMS:
        raw = (scores.get(code) or "").strip()
        if not raw.isdigit() or int(raw) > MAX_ITEM_SCORE:
            raise LeadershipError(f"「{label}」请填写 0 到 {MAX_ITEM_SCORE} 的整数分")
        parsed[code] = int(raw)
    prefill = check_prefill(teacher=teacher, term=term, month=month)
    check, created = RoutineCheck.objects.update_or_create(
        teacher=teacher, month=month, defaults={"term": term, "checked_by": checker, "note": note.strip()})
    check.items.all().delete()
    RoutineCheckItem.objects.bulk_create([
        RoutineCheckItem(routine_check=check, item=code, score=parsed[code], evidence=prefill[code].evidence[:300],
                         note=(notes.get(code) or "").strip()[:300]) for code, _ in CHECK_ITEMS])
    audit_record(action="create" if created else "update", model="常规检查", object_id=check.pk,
                 detail=f"{teacher.name} {month:%Y-%m} 合计 {sum(parsed.values())} 分")
    return check


@transaction.atomic
def growth_record_add(*, teacher: Staff, term: Term, kind: str, title: str, date: datetime.date,
                      note: str, recorded_by: Staff) -> GrowthRecord:
    if kind not in dict(GrowthRecord.KIND_CHOICES):
        raise LeadershipError("请选择记录类型")
    if not title.strip():
        raise LeadershipError("请填写名称")
    record = GrowthRecord.objects.create(teacher=teacher, term=term, kind=kind, title=title.strip()[:200], date=date,
                                         note=note.strip()[:300], recorded_by=recorded_by)
    audit_record(action="create", model="教师成长记录", object_id=record.pk, detail=f"{teacher.name}：{title}")
    return record


DEFAULT_PLAN = [
    ("prepare", "成立培优辅差领导小组与工作小组，明确分工", 0),
    ("prepare", "开展摸底测试，建立学困生与培优生档案", 14),
    ("prepare", "制定一人一案，落实导师（包人头）", 21),
    ("implement", "分层教学与分层作业，每周辅导不少于两次", 60),
    ("implement", "月度转化会：复查计划，调整措施", 45),
    ("implement", "家校联系：每名学困生每月至少联系一次", 30),
    ("implement", "期中动态调整分层", 75),
    ("summarise", "期末评估：分层变化、转化率、策略效果", -14),
    ("summarise", "表彰进步学生，撰写学期工作总结并归档", -3),
]


@transaction.atomic
def work_plan_seed(*, term: Term, author: Staff) -> list[WorkTask]:
    """The seeds' phased plan (准备/实施/总结) as tasks owned by `author`, dated within the term."""
    if WorkTask.objects.filter(term=term).exists():
        raise LeadershipError("本学期已有工作计划，如需重建请先删除已有任务")
    group, _ = WorkGroup.objects.get_or_create(term=term, kind="leading", defaults={"name": "培优辅差工作领导小组"})
    WorkGroupMember.objects.get_or_create(group=group, staff=author, defaults={"position": "组长",
                                                                              "duty": "全面负责，统筹部署"})
    tasks = []
    for phase, title, offset in DEFAULT_PLAN:
        due = (term.start_date + datetime.timedelta(days=offset) if offset >= 0
               else term.end_date + datetime.timedelta(days=offset))
        tasks.append(WorkTask.objects.create(term=term, phase=phase, title=title, owner=author, due=due))
    audit_record(action="create", model="工作计划", detail=f"{term.name}：{len(tasks)} 项任务")
    return tasks


@transaction.atomic
def work_task_add(*, term: Term, phase: str, title: str, owner: Staff, due: datetime.date) -> WorkTask:
    if phase not in dict(WorkTask.PHASE_CHOICES):
        raise LeadershipError("请选择阶段")
    if not title.strip():
        raise LeadershipError("请填写任务内容")
    if not (term.start_date - datetime.timedelta(days=60) <= due <= term.end_date + datetime.timedelta(days=60)):
        raise LeadershipError("完成期限应在本学期前后")
    task = WorkTask.objects.create(term=term, phase=phase, title=title.strip()[:200], owner=owner, due=due)
    audit_record(action="create", model="工作任务", object_id=task.pk, detail=title[:200])
    return task


@transaction.atomic
def work_task_set_status(*, task: WorkTask, status: str) -> WorkTask:
    if status not in dict(WorkTask.STATUS_CHOICES):
        raise LeadershipError("状态无效")
    task.status = status
    task.save(update_fields=["status"])
    audit_record(action="update", model="工作任务", object_id=task.pk, detail=f"{task.title[:100]} → {status}")
    return task


@transaction.atomic
def work_member_add(*, term: Term, kind: str, staff: Staff, position: str, duty: str) -> WorkGroupMember:
    if kind not in dict(WorkGroup.KIND_CHOICES):
        raise LeadershipError("请选择领导小组或工作小组")
    group, _ = WorkGroup.objects.get_or_create(
        term=term, kind=kind, defaults={"name": "培优辅差工作领导小组" if kind == "leading" else "培优辅差工作小组"})
    member, _ = WorkGroupMember.objects.update_or_create(group=group, staff=staff,
                                                         defaults={"position": position[:30], "duty": duty[:200]})
    audit_record(action="update", model="工作组织", object_id=member.pk, detail=f"{group.name}：{staff.name}")
    return member
