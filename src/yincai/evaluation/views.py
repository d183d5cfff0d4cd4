"""Thin views of the evaluation app: parse → service/selector → render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from yincai.accounts.access import role_required
from yincai.evaluation.models import Study
from yincai.evaluation.selectors import (
    EVALUATION_ROLES,
    class_growth,
    outcome_choices,
    studies_visible_to,
    study_report,
)
from yincai.evaluation.services import EvaluationError, study_create, study_set_outcomes
from yincai.school.models import Subject, Term
from yincai.school.selectors import classes_visible_to, staff_of, subjects_for_class


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@role_required(*EVALUATION_ROLES)
def studies(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    classes = classes_visible_to(request.user, term)
    form = {"design": "randomised"}
    if request.method == "POST":
        form = request.POST.dict()
        chosen = list(classes.filter(pk__in=_ids(request.POST.getlist("classes"))))
        treated = [k for k in chosen if k.pk in set(_ids(request.POST.getlist("treatment_classes")))]
        subject = Subject.objects.filter(pk=form.get("subject", "") if form.get("subject", "").isdigit() else None).first()
        staff = staff_of(request.user)
        try:
            if subject is None or staff is None:
                raise EvaluationError("请选择学科")
            study = study_create(term=term, subject=subject, author=staff, name=form.get("name", ""),
                                 treatment=form.get("treatment", ""), control=form.get("control", ""),
                                 design=form.get("design", ""), classes=chosen, treatment_classes=treated,
                                 question=form.get("question", ""))
        except EvaluationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已创建实验「{study.name}」，共 {study.participants.count()} 名学生分入两组。")
            return redirect("evaluation:study", study_id=study.pk)
    return render(request, "evaluation/studies.html", {
        "studies": studies_visible_to(request.user, term), "classes": classes, "subjects": Subject.objects.all(),
        "form": form, "designs": Study.DESIGN_CHOICES, "term": term,
    })


@role_required(*EVALUATION_ROLES)
def study_detail(request: HttpRequest, study_id: int) -> HttpResponse:
    study = get_object_or_404(studies_visible_to(request.user), pk=study_id)
    choices = outcome_choices(study)
    if request.method == "POST":
        pre = choices.filter(pk=request.POST.get("pre") or None).first() if request.POST.get("pre", "").isdigit() else None
        post = choices.filter(pk=request.POST.get("post")).first() if request.POST.get("post", "").isdigit() else None
        try:
            study_set_outcomes(study=study, pre=pre, post=post)
        except EvaluationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已更新前测与后测。")
        return redirect("evaluation:study", study_id=study.pk)
    return render(request, "evaluation/study_detail.html", {"report": study_report(study), "choices": choices})


@role_required(*EVALUATION_ROLES)
def growth(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(classes_visible_to(request.user), pk=class_id)
    subjects = subjects_for_class(request.user, klass)
    code = request.GET.get("subject")
    subject = (subjects.filter(code=code).first() if code else None) or subjects.first()
    report = class_growth(klass, subject) if subject else None
    return render(request, "evaluation/growth.html", {"klass": klass, "subjects": subjects, "subject": subject,
                                                      "report": report})
