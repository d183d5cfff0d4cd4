"""Thin views of 教导处's tools: parse → service/selector → render."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from yincai.accounts.access import role_required
from yincai.accounts.roles import STAFF_ROLES, Role, roles_of
from yincai.leadership.models import CHECK_ITEMS, MAX_ITEM_SCORE, GrowthRecord, WorkGroup, WorkTask
from yincai.leadership.selectors import month_overview, teacher_summary, teachers_of, work_plan
from yincai.leadership.services import (
    LeadershipError,
    check_prefill,
    growth_record_add,
    routine_check_save,
    work_member_add,
    work_plan_seed,
    work_task_add,
    work_task_set_status,
)
from yincai.school.models import Staff, Term
from yincai.school.selectors import staff_of


def _month(value: str | None) -> datetime.date:
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


@role_required(Role.ADMIN)
def checks(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    month = _month(request.GET.get("month"))
    return render(request, "leadership/checks.html", {"term": term, "month": month, "rows": month_overview(term, month),
                                                       "max_total": MAX_ITEM_SCORE * len(CHECK_ITEMS)})


@role_required(Role.ADMIN)
def check_form(request: HttpRequest, teacher_id: int) -> HttpResponse:
    term = Term.current()
    teacher = get_object_or_404(teachers_of(term), pk=teacher_id)
    month = _month(request.GET.get("month") or request.POST.get("month"))
    prefill = check_prefill(teacher=teacher, term=term, month=month)
    values = {code: (str(p.suggested) if p.suggested is not None else "") for code, p in prefill.items()}
    if request.method == "POST":
        values = {code: request.POST.get(f"score_{code}", "") for code, _ in CHECK_ITEMS}
        try:
            routine_check_save(term=term, teacher=teacher, month=month, checker=staff_of(request.user), scores=values,
                               notes={code: request.POST.get(f"note_{code}", "") for code, _ in CHECK_ITEMS},
                               note=request.POST.get("note", ""))
        except LeadershipError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已保存 {teacher.name} {month:%Y年%m月} 的常规检查。")
            return redirect(f"/leadership/checks/?month={month:%Y-%m}")
    rows = [{"code": code, "label": label, "evidence": prefill[code].evidence, "value": values.get(code, "")}
            for code, label in CHECK_ITEMS]
    return render(request, "leadership/check_form.html", {"teacher": teacher, "month": month, "rows": rows,
                                                           "max_score": MAX_ITEM_SCORE})


@role_required(Role.ADMIN)
def teacher(request: HttpRequest, teacher_id: int) -> HttpResponse:
    term = Term.current()
    person = get_object_or_404(Staff.objects.filter(school=term.school), pk=teacher_id)
    if request.method == "POST":
        try:
            growth_record_add(teacher=person, term=term, kind=request.POST.get("kind", ""),
                              title=request.POST.get("title", ""), date=_date(request.POST.get("date")) or
                              timezone.localdate(), note=request.POST.get("note", ""), recorded_by=staff_of(request.user))
        except LeadershipError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已登记成长记录。")
        return redirect("leadership:teacher", teacher_id=person.pk)
    return render(request, "leadership/teacher.html", {"s": teacher_summary(person, term), "term": term,
                                                        "kinds": GrowthRecord.KIND_CHOICES, "editable": True})


@role_required(*STAFF_ROLES)
def me(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    person = staff_of(request.user)
    return render(request, "leadership/teacher.html", {"s": teacher_summary(person, term), "term": term,
                                                        "editable": False})


@role_required(*STAFF_ROLES)
def plan(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    is_admin = Role.ADMIN in roles_of(request.user)
    if request.method == "POST":
        if not is_admin:
            messages.error(request, "工作计划由教导处维护")
            return redirect("leadership:plan")
        action = request.POST.get("action")
        author = staff_of(request.user)
        try:
            if action == "seed":
                work_plan_seed(term=term, author=author)
            elif action == "task":
                owner = get_object_or_404(Staff.objects.filter(school=term.school), pk=request.POST.get("owner") or 0)
                due = _date(request.POST.get("due"))
                if due is None:
                    raise LeadershipError("请填写完成期限（年-月-日）")
                work_task_add(term=term, phase=request.POST.get("phase", ""), title=request.POST.get("title", ""),
                              owner=owner, due=due)
            elif action == "status":
                task = get_object_or_404(WorkTask.objects.filter(term=term), pk=request.POST.get("task") or 0)
                work_task_set_status(task=task, status=request.POST.get("status", ""))
            elif action == "member":
                staff = get_object_or_404(Staff.objects.filter(school=term.school), pk=request.POST.get("staff") or 0)
                work_member_add(term=term, kind=request.POST.get("kind", ""), staff=staff,
                                position=request.POST.get("position", ""), duty=request.POST.get("duty", ""))
            else:
                raise LeadershipError("未知操作")
        except LeadershipError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已保存。")
        return redirect("leadership:plan")
    return render(request, "leadership/plan.html", {
        **work_plan(term), "term": term, "is_admin": is_admin, "staff": Staff.objects.filter(school=term.school),
        "phase_choices": WorkTask.PHASE_CHOICES, "status_choices": WorkTask.STATUS_CHOICES,
        "kind_choices": WorkGroup.KIND_CHOICES})
