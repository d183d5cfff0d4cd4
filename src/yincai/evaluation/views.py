"""Thin views of the evaluation app: parse → service/selector → render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from yincai.accounts.access import role_required
from yincai.accounts.roles import Role, roles_of
from yincai.evaluation.dashboard import FIGURES, ROUND_LABELS, TIERS, dashboard, figure_students, transitions
from yincai.evaluation.models import Study
from yincai.evaluation.reports import term_report_request
from yincai.evaluation.selectors import (
    EVALUATION_ROLES,
    class_growth,
    outcome_choices,
    reports_visible_to,
    studies_visible_to,
    study_report,
)
from yincai.evaluation.services import EvaluationError, study_create, study_set_outcomes
from yincai.insight.models import TIER_LABELS
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


def _subject(request: HttpRequest) -> Subject | None:
    code = request.GET.get("subject", "math")
    return Subject.objects.filter(code=code).first() or Subject.objects.first()


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@role_required(*EVALUATION_ROLES)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    subject = _subject(request)
    if term is None or subject is None:
        return render(request, "evaluation/dashboard.html", {"board": None})
    board = dashboard(request.user, term=term, subject=subject)
    chart = {"grades": [gf.label for gf, _ in board.grades],
             "series": [{"name": row["label"], "initial": [], "now": []} for row in board.school.tier_rows()]}
    for gf, _ in board.grades:
        for k, row in enumerate(gf.tier_rows()):
            chart["series"][k]["initial"].append(row["initial"])
            chart["series"][k]["now"].append(row["now"])
    from yincai.leadership.selectors import work_plan

    return render(request, "evaluation/dashboard.html", {
        "board": board, "plan": work_plan(term), "subjects": Subject.objects.all(), "figures": FIGURES, "chart": chart,
        "round_label": ROUND_LABELS.get(board.school.now_round, ""),
    })


@role_required(*EVALUATION_ROLES)
def figure_view(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    subject = _subject(request)
    figure = request.GET.get("figure", "")
    if term is None or subject is None or figure not in FIGURES:
        return render(request, "evaluation/figure.html", {"title": "请选择一个指标", "students": []}, status=400)
    title, students = figure_students(request.user, term=term, subject=subject, figure=figure,
                                      grade_id=_int(request.GET.get("grade")), class_id=_int(request.GET.get("class")))
    return render(request, "evaluation/figure.html", {"title": title, "students": students, "subject": subject})


@role_required(*EVALUATION_ROLES)
def transitions_view(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    subject = _subject(request)
    if term is None or subject is None:
        return render(request, "evaluation/transitions.html", {"t": None})
    t = transitions(request.user, term=term, subject=subject, grade_id=_int(request.GET.get("grade")),
                    class_id=_int(request.GET.get("class")))
    return render(request, "evaluation/transitions.html", {
        "t": t, "subject": subject, "subjects": Subject.objects.all(),
        "grades": {k.grade for k in classes_visible_to(request.user, term)},
        "classes": classes_visible_to(request.user, term), "tiers": [TIER_LABELS[x] for x in TIERS],
    })


@role_required(*EVALUATION_ROLES)
def reports(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    classes = classes_visible_to(request.user, term)
    may_school = Role.ADMIN in roles_of(request.user)
    if request.method == "POST":
        subject = Subject.objects.filter(pk=_int(request.POST.get("subject"))).first()
        class_id = _int(request.POST.get("class"))
        klass = classes.filter(pk=class_id).first() if class_id else None
        staff = staff_of(request.user)
        if subject is None or staff is None or term is None:
            messages.error(request, "请选择学科")
        elif class_id and klass is None:
            raise Http404
        elif klass is None and not may_school:
            messages.error(request, "全校总结由教导处生成，请选择您的班级")
        else:
            report = term_report_request(user=request.user, author=staff, term=term, subject=subject, klass=klass)
            messages.success(request, f"已开始生成「{report.title}」，完成后即可在下方下载。")
            return redirect("evaluation:reports")
    return render(request, "evaluation/reports.html", {
        "reports": reports_visible_to(request.user), "subjects": Subject.objects.all(), "classes": classes,
        "may_school": may_school})


@role_required(*EVALUATION_ROLES)
def report_rows(request: HttpRequest) -> HttpResponse:
    """The reports table alone: the page polls it while a report is being generated."""
    return render(request, "evaluation/_report_rows.html", {"reports": reports_visible_to(request.user)})


@role_required(*EVALUATION_ROLES)
def report_file(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    report = get_object_or_404(reports_visible_to(request.user).filter(status="done"), pk=report_id)
    if fmt not in ("docx", "pdf"):
        raise Http404
    content_type = ("application/pdf" if fmt == "pdf" else
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response = HttpResponse(bytes(getattr(report, fmt)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="term-report-{report.pk}.{fmt}"'
    return response
