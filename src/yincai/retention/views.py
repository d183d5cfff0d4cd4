from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yincai.accounts.access import role_required
from yincai.accounts.roles import Role
from yincai.imports.exports import Table, table_response
from yincai.oversight.models import AuditLog
from yincai.oversight.services import audit_record
from yincai.retention.services import retention_purge


@role_required(Role.ADMIN)
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "retention/overview.html", {"report": retention_purge(dry_run=True)})


@role_required(Role.ADMIN)
@require_POST
def purge(request: HttpRequest) -> HttpResponse:
    report = retention_purge(dry_run=False)
    if report.candidates:
        messages.success(request, f"已删除 {len(report.candidates)} 名毕业生的敏感记录：家庭情况 {report.family_profiles} 条，"
                                  f"心理辅导记录 {report.psych_notes} 条。")
    else:
        messages.info(request, "没有到期的记录。")
    return redirect("retention:overview")


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@role_required(Role.ADMIN)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The audit log as .xlsx (default) or ``?format=csv``, filtered like the audit page (+ from/to dates)."""
    qs = AuditLog.objects.select_related("actor").order_by("at", "id")
    action = request.GET.get("action")
    if action:
        qs = qs.filter(action=action)
    student = request.GET.get("student", "")
    if student.isdigit():
        qs = qs.filter(student_id=int(student))
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if start:
        qs = qs.filter(at__date__gte=start)
    if end:
        qs = qs.filter(at__date__lte=end)
    labels = dict(AuditLog.ACTION_CHOICES)
    table = Table(title="审计日志", headers=["时间", "操作人", "动作", "对象类型", "对象ID", "涉及学生ID", "说明", "来源IP", "页面"])
    for a in qs.iterator(chunk_size=2000):
        table.rows.append([timezone.localtime(a.at).strftime("%Y-%m-%d %H:%M:%S"), a.actor.get_username() if a.actor else "系统",
                           labels.get(a.action, a.action), a.model, a.object_id, a.student_id, a.detail, a.ip or "",
                           a.path])
    audit_record(action="export", model="审计日志", detail=f"导出审计日志 {len(table.rows)} 条")
    return table_response([table], f"审计日志-{timezone.localdate():%Y%m%d}", request.GET.get("format", "xlsx"))
