"""Thin views of the 个性化学习手册: start a class job, follow its progress, download the result."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from yincai.accounts.access import role_required
from yincai.accounts.roles import TEACHING_ROLES
from yincai.homework.handbook import handbook_job_start
from yincai.homework.models import HandbookJob
from yincai.school.selectors import classes_visible_to, subjects_for_class


def _jobs_visible_to(user: Any) -> QuerySet[HandbookJob]:
    return HandbookJob.objects.filter(school_class__in=classes_visible_to(user)).select_related("subject")


@role_required(*TEACHING_ROLES)
def handbooks(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(classes_visible_to(request.user), pk=class_id)
    subjects = subjects_for_class(request.user, klass)
    if request.method == "POST":
        subject = subjects.filter(pk=request.POST.get("subject") or 0).first() if (
            request.POST.get("subject") or "").isdigit() else None
        if subject is None:
            raise Http404
        handbook_job_start(klass=klass, subject=subject, user=request.user)
        return redirect("homework:handbooks", class_id=klass.pk)
    return render(request, "homework/handbooks.html", {
        "klass": klass, "subjects": subjects, "jobs": _jobs_visible_to(request.user).filter(school_class=klass)[:5]})


@role_required(*TEACHING_ROLES)
def handbook_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(_jobs_visible_to(request.user), pk=job_id)
    return render(request, "homework/_handbook_job.html", {"job": job})


@role_required(*TEACHING_ROLES)
def handbook_file(request: HttpRequest, job_id: int, fmt: str) -> HttpResponse:
    job = get_object_or_404(_jobs_visible_to(request.user).filter(status="done"), pk=job_id)
    if fmt not in ("pdf", "zip"):
        raise Http404
    data = bytes(job.pdf if fmt == "pdf" else job.zip)
    response = HttpResponse(data, content_type="application/pdf" if fmt == "pdf" else "application/zip")
    response["Content-Disposition"] = f'attachment; filename="handbooks-{job.school_class_id}-{job.pk}.{fmt}"'
    return response
