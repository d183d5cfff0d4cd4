"""/api/v1/support — read operations of the support workflow (plans with goal progress, points, groups)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Schema

from yincai.accounts.access import api_roles
from yincai.accounts.roles import STAFF_ROLES, TEACHING_ROLES, Role
from yincai.api.errors import responses
from yincai.school.selectors import classes_visible_to, students_visible_to
from yincai.support import selectors as sel
from yincai.support.models import Grouping, PointsEntry

TAGS = ["培优辅差"]


class GoalOut(Schema):
    description: str
    knowledge_point: str | None
    target_rate: int | None
    baseline_rate: float | None
    current_rate: float | None
    met: bool
    due: date


class PlanOut(Schema):
    id: int
    subject: str
    status: str
    responsible: str
    next_review: date
    overdue: bool
    goals: list[GoalOut]


class PointsLine(Schema):
    points: int
    reason: str
    at: date


class PointsOut(Schema):
    balance: int
    recent: list[PointsLine]


class GroupOut(Schema):
    number: int
    students: list[str]


class GroupingOut(Schema):
    id: int | None
    method: str | None
    mean_range: float | None
    sd_range: float | None
    groups: list[GroupOut]


def student_plans(request: HttpRequest, student_id: int) -> list[PlanOut]:
    """The student's 一人一案 this term with goal progress measured from item scores (no cause analysis)."""
    student = get_object_or_404(students_visible_to(request.user), pk=student_id)
    out = []
    for plan in sel.plans_visible_to(request.user).filter(student=student):
        goals = [
            GoalOut(description=g.goal.description,
                    knowledge_point=g.goal.knowledge_point.name if g.goal.knowledge_point else None,
                    target_rate=g.goal.target_rate, baseline_rate=g.goal.baseline_rate, current_rate=g.current,
                    met=g.met, due=g.goal.due)
            for g in sel.goal_progress(plan)
        ]
        out.append(PlanOut(id=plan.pk, subject=plan.subject.name, status=plan.get_status_display(),
                           responsible=plan.responsible.name, next_review=plan.next_review, overdue=plan.is_overdue,
                           goals=goals))
    return out


def student_points(request: HttpRequest, student_id: int) -> PointsOut:
    """Points balance and the latest ledger lines of one student (the student, their parent, their teachers)."""
    student = get_object_or_404(students_visible_to(request.user), pk=student_id)
    recent = [PointsLine(points=e.points, reason=e.reason, at=e.created_at.date())
              for e in PointsEntry.objects.filter(student=student)[:20]]
    return PointsOut(balance=sel.points_balance(student), recent=recent)


def class_grouping(request: HttpRequest, class_id: int) -> GroupingOut:
    """The class's current study groups (the latest saved grouping) with its balance figures."""
    klass = get_object_or_404(classes_visible_to(request.user), pk=class_id)
    grouping = Grouping.objects.filter(school_class=klass).first()
    if grouping is None:
        return GroupingOut(id=None, method=None, mean_range=None, sd_range=None, groups=[])
    members: dict[int, list[str]] = {}
    for m in grouping.members.select_related("student"):
        members.setdefault(m.group_no, []).append(m.student.name)
    return GroupingOut(id=grouping.pk, method=grouping.get_method_display(),
                       mean_range=grouping.balance.get("mean_range"), sd_range=grouping.balance.get("sd_range"),
                       groups=[GroupOut(number=k, students=v) for k, v in sorted(members.items())])


def register(api: NinjaAPI) -> None:
    """Mount the operations under /support on the project API (called once from `yincai.api.api`)."""
    api.get("/support/students/{student_id}/plans", response=responses(list[PlanOut]), tags=TAGS,
            auth=api_roles(*STAFF_ROLES))(student_plans)
    api.get("/support/students/{student_id}/points", response=responses(PointsOut), tags=TAGS,
            auth=api_roles(*(STAFF_ROLES | {Role.STUDENT, Role.PARENT})))(student_points)
    api.get("/support/classes/{class_id}/grouping", response=responses(GroupingOut), tags=TAGS,
            auth=api_roles(*(TEACHING_ROLES | {Role.COUNSELOR})))(class_grouping)
