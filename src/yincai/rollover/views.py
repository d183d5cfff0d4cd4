"""学年升级 page (school admin only): form → preview (with the 分班 Excel round trip) → confirm."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yincai.accounts.access import role_required
from yincai.accounts.roles import Role
from yincai.imports.exports import XLSX_TYPE, download
from yincai.rollover.selectors import graduates_visible_to
from yincai.rollover.services import (
    RolloverError,
    RolloverPlan,
    RolloverRefused,
    adjustment_workbook,
    apply_rollover,
    parse_adjustment,
    plan_rollover,
    starts_school_year,
)
from yincai.school.models import Term

SESSION_KEY = "yincai_rollover_plan"


def _plan_from(params: dict[str, Any]) -> RolloverPlan:
    adjustments = {no: (tuple(v) if v else None) for no, v in params.get("adjustments", {}).items()}
    return plan_rollover(
        from_term=Term.objects.filter(pk=params["from_term"]).first(), to_name=params["to_name"],
        start=datetime.date.fromisoformat(params["start"]), end=datetime.date.fromisoformat(params["end"]),
        promote=params["promote"], carry_teachers=params["carry_teachers"], carry_mentors=params["carry_mentors"],
        adjustments=adjustments,  # type: ignore[arg-type]
    )


def _suggested(term: Term | None) -> dict[str, Any]:
    """Sensible defaults for the form: the half-year after the current term."""
    if term is None:
        return {}
    start = term.end_date + datetime.timedelta(days=40)
    autumn = starts_school_year(start)
    year = start.year
    name = f"{year}-{year + 1}学年第一学期" if autumn else f"{year - 1}-{year}学年第二学期"
    return {"to_name": name, "start": start.isoformat(), "end": (start + datetime.timedelta(days=140)).isoformat()}


def _render(request: HttpRequest, status: int = 200, **ctx: Any) -> HttpResponse:
    term = Term.current()
    params = request.session.get(SESSION_KEY)
    plan = ctx.pop("plan", None)
    if plan is None and params:
        try:
            plan = _plan_from(params)
        except RolloverError as exc:
            request.session.pop(SESSION_KEY, None)
            ctx.setdefault("error", str(exc))
    form = ctx.pop("form", None) or params or _suggested(term)
    return render(request, "rollover/index.html", {
        "term": term, "plan": plan, "form": form, "graduates": graduates_visible_to(request.user)[:200],
        **ctx,
    }, status=status)


@role_required(Role.ADMIN)
def index(request: HttpRequest) -> HttpResponse:
    return _render(request)


@role_required(Role.ADMIN)
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    post = request.POST
    promote = {"yes": True, "no": False}.get(post.get("promote", ""))
    term = Term.current()
    params: dict[str, Any] = {
        "from_term": term.pk if term else None, "to_name": post.get("to_name", "").strip(),
        "start": post.get("start", ""), "end": post.get("end", ""), "promote": promote,
        "carry_teachers": post.get("carry_teachers") == "on", "carry_mentors": post.get("carry_mentors") == "on",
        "adjustments": {},
    }
    try:
        datetime.date.fromisoformat(params["start"])
        datetime.date.fromisoformat(params["end"])
    except ValueError:
        return _render(request, 400, form=params, error="请填写新学期的开始和结束日期（YYYY-MM-DD）")
    upload = request.FILES.get("file")
    try:
        plan = _plan_from(params)
        if upload is not None:
            adjustments = parse_adjustment(plan=plan, content=upload.read(), file_name=upload.name)
            params["adjustments"] = {no: list(k) if k else None for no, k in adjustments.items()}
            plan = _plan_from(params)
    except RolloverRefused as exc:
        return _render(request, 400, form=params, problems=exc.problems, error="分班调整表有问题，未做任何修改")
    except RolloverError as exc:
        return _render(request, 400, form=params, error=str(exc))
    request.session[SESSION_KEY] = params
    return _render(request, plan=plan)


@role_required(Role.ADMIN)
def plan_xlsx(request: HttpRequest) -> HttpResponse:
    """The planned list of the previewed rollover (or, before any preview, of the suggested next term)."""
    term = Term.current()
    params = request.session.get(SESSION_KEY) or {
        "from_term": term.pk if term else None, "promote": None, "carry_teachers": True, "carry_mentors": False,
        **_suggested(term),
    }
    try:
        plan = _plan_from(params)
    except (RolloverError, KeyError) as exc:
        return _render(request, 400, error=str(exc) if isinstance(exc, RolloverError) else "请先填写新学期并预览")
    return download(adjustment_workbook(plan), f"分班名单-{plan.to_name}.xlsx", XLSX_TYPE)


@role_required(Role.ADMIN)
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    params = request.session.get(SESSION_KEY)
    if not params:
        messages.error(request, "没有待确认的学年升级：请先预览")
        return redirect("rollover:index")
    try:
        result = apply_rollover(plan=_plan_from(params))
    except RolloverError as exc:
        request.session.pop(SESSION_KEY, None)
        return _render(request, 400, error=str(exc))
    request.session.pop(SESSION_KEY, None)
    messages.success(request, f"学年升级完成：新学期「{result.term.name}」，{result.classes} 个班，"
                              f"{result.enrolments} 名学生，毕业归档 {result.graduates} 人，"
                              f"延续教职工角色 {result.staff_roles} 条")
    return redirect("rollover:index")


@role_required(Role.ADMIN)
@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("rollover:index")
