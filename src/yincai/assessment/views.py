"""Thin views of the assessment pages: list, new, edit, delete, and the blueprint table on the detail page.

Objects come from `assessments_visible_to` (wrong user → 404); every write goes through assessment.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Case, When
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from yincai.accounts.access import role_required
from yincai.accounts.roles import TEACHING_ROLES
from yincai.assessment.models import Assessment, Item
from yincai.assessment.selectors import (
    assessment_list,
    assessment_score_counts,
    assessments_visible_to,
    may_manage_assessment,
)
from yincai.assessment.services import (
    KIND_LABELS,
    AssessmentRefused,
    BlueprintRow,
    assessment_create,
    assessment_delete,
    assessment_update,
    blueprint_save,
    parse_date,
)
from yincai.curriculum.models import Ability, KnowledgePoint
from yincai.school.models import Grade, SchoolClass, Subject, Term
from yincai.school.selectors import classes_visible_to

ROLES = tuple(TEACHING_ROLES)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@role_required(*ROLES)
def index(request: HttpRequest) -> HttpResponse:
    grade_id, subject_id = _int(request.GET.get("grade")), _int(request.GET.get("subject"))
    term = Term.current()
    return render(request, "assessment/list.html", {
        "assessments": assessment_list(request.user, term=term, grade_id=grade_id, subject_id=subject_id),
        "grades": Grade.objects.filter(school=term.school) if term else Grade.objects.none(),
        "subjects": Subject.objects.all(),
        "grade_id": grade_id,
        "subject_id": subject_id,
        "term": term,
    })


def _scopes(user: Any, term: Term) -> list[tuple[str, str]]:
    """范围 options: each grade the user sees (全年级) followed by its classes."""
    classes = list(classes_visible_to(user, term).select_related("grade"))
    scopes: list[tuple[str, str]] = []
    for grade in Grade.objects.filter(pk__in={c.grade_id for c in classes}).order_by("level"):
        scopes.append((f"g{grade.pk}", f"{grade}（全年级）"))
        scopes += [(f"c{c.pk}", c.name) for c in classes if c.grade_id == grade.pk]
    return scopes


def _form_context(user: Any, term: Term, values: dict[str, str], errors: list[str]) -> dict[str, Any]:
    return {"values": values, "errors": errors, "kinds": list(KIND_LABELS.items()), "subjects": Subject.objects.all(),
            "scopes": _scopes(user, term), "term": term}


def _read_form(request: HttpRequest, term: Term) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The posted fields as service kwargs, the raw values (to redisplay) and what is missing or invalid."""
    values = {k: request.POST.get(k, "").strip() for k in ("name", "kind", "scope", "subject", "date")}
    errors: list[str] = []
    kwargs: dict[str, Any] = {"name": values["name"], "kind": values["kind"]}
    scope = values["scope"]
    school_class = grade = None
    if scope.startswith("c") and scope[1:].isdigit():
        school_class = SchoolClass.objects.filter(pk=int(scope[1:]), term=term).select_related("grade").first()
        grade = school_class.grade if school_class else None
    elif scope.startswith("g") and scope[1:].isdigit():
        grade = Grade.objects.filter(pk=int(scope[1:]), school=term.school).first()
    if grade is None:
        errors.append("请选择年级或班级")
    subject = Subject.objects.filter(pk=_int(values["subject"]) or 0).first()
    if subject is None:
        errors.append("请选择学科")
    try:
        kwargs["date"] = parse_date(values["date"])
    except AssessmentRefused as exc:
        errors += exc.errors
    kwargs.update(grade=grade, school_class=school_class, subject=subject)
    return kwargs, values, errors


@role_required(*ROLES)
def new(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    if term is None:
        messages.error(request, "尚未设置学期，无法新建测评")
        return redirect("assessment:index")
    values: dict[str, str] = {"kind": "unit", "scope": request.GET.get("scope", ""), "subject": "", "date": ""}
    errors: list[str] = []
    if request.method == "POST":
        kwargs, values, errors = _read_form(request, term)
        if not errors:
            try:
                assessment = assessment_create(user=request.user, term=term, **kwargs)
            except AssessmentRefused as exc:
                errors = exc.errors
            else:
                messages.success(request, f"已新建测评「{assessment.name}」，请录入试卷结构")
                return redirect("assessment:detail", assessment_id=assessment.pk)
    ctx = _form_context(request.user, term, values, errors)
    return render(request, "assessment/form.html", ctx | {"title": "新建测评"}, status=400 if errors else 200)


@role_required(*ROLES)
def edit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(assessments_visible_to(request.user), pk=assessment_id)
    term = assessment.term
    scope = f"c{assessment.school_class_id}" if assessment.school_class_id else f"g{assessment.grade_id}"
    values = {"name": assessment.name, "kind": assessment.kind, "scope": scope,
              "subject": str(assessment.subject_id), "date": assessment.date.isoformat()}
    errors: list[str] = []
    if request.method == "POST":
        kwargs, values, errors = _read_form(request, term)
        if not errors:
            try:
                assessment_update(user=request.user, assessment=assessment, **kwargs)
            except AssessmentRefused as exc:
                errors = exc.errors
            else:
                messages.success(request, "测评信息已保存")
                return redirect("assessment:detail", assessment_id=assessment.pk)
    ctx = _form_context(request.user, term, values, errors)
    return render(request, "assessment/form.html", ctx | {"title": f"修改测评：{assessment.name}",
                                                          "assessment": assessment}, status=400 if errors else 200)


def _rows_of(assessment: Assessment) -> list[dict[str, Any]]:
    rows = []
    for item in assessment.items.order_by("order").prefetch_related("knowledge_points"):
        kps = list(item.knowledge_points.all())
        rows.append({"item_id": item.pk, "label": item.label, "section": item.section,
                     "max_score": f"{item.max_score.normalize():f}", "item_type": item.item_type,
                     "kps": " ".join(k.code for k in kps), "kp_names": "、".join(k.name for k in kps),
                     "ability": str(item.ability_id or ""), "level": item.level})
    return rows


def _posted_rows(request: HttpRequest) -> list[BlueprintRow]:
    fields = ("item_id", "label", "section", "max_score", "item_type", "kps", "ability", "level")
    columns = {f: request.POST.getlist(f) for f in fields}
    n = max((len(v) for v in columns.values()), default=0)

    def at(f: str, i: int) -> str:
        values = columns[f]
        return values[i] if i < len(values) else ""

    return [BlueprintRow(item_id=_int(at("item_id", i)), **{f: at(f, i) for f in fields if f != "item_id"})
            for i in range(n)]


def _detail(request: HttpRequest, assessment: Assessment, *, rows: list[dict[str, Any]] | None = None,
            errors: list[str] | None = None, status: int = 200) -> HttpResponse:
    n_scores, n_students = assessment_score_counts(assessment)
    own_grade_first = Case(When(grade_level=assessment.grade.level, then=0), default=1)
    kps = (KnowledgePoint.objects.filter(subject=assessment.subject, is_unit=False)
           .select_related("parent").order_by(own_grade_first, "grade_level", "semester", "order"))
    return render(request, "assessment/detail.html", {
        "assessment": assessment,
        "rows": _rows_of(assessment) if rows is None else rows,
        "errors": errors or [],
        "n_scores": n_scores,
        "n_students": n_students,
        "kps": kps,
        "abilities": Ability.objects.filter(subject=assessment.subject),
        "levels": Item.LEVEL_CHOICES,
        "full_marks": sum((i.max_score for i in assessment.items.all()), 0),
        "may_manage": may_manage_assessment(request.user, assessment),
    }, status=status)


@role_required(*ROLES)
def detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(assessments_visible_to(request.user), pk=assessment_id)
    return _detail(request, assessment)


@role_required(*ROLES)
def blueprint(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(assessments_visible_to(request.user), pk=assessment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    rows = _posted_rows(request)
    try:
        saved = blueprint_save(user=request.user, assessment=assessment, rows=rows,
                               version=_int(request.POST.get("version")) or 0)
    except AssessmentRefused as exc:
        kp_names = dict(KnowledgePoint.objects.filter(subject=assessment.subject).values_list("code", "name"))
        shown = [r.__dict__ | {"kp_names": "、".join(kp_names.get(c, c) for c in r.kps.split())}
                 for r in rows if not r.blank]
        return _detail(request, assessment, rows=shown, errors=exc.errors, status=400)
    messages.success(request, f"试卷结构已保存：新增 {saved.created} 题，修改 {saved.updated} 题，删除 {saved.deleted} 题")
    return redirect("assessment:detail", assessment_id=assessment.pk)


@role_required(*ROLES)
def delete(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(assessments_visible_to(request.user), pk=assessment_id)
    n_scores, n_students = assessment_score_counts(assessment)
    errors: list[str] = []
    if request.method == "POST":
        try:
            done = assessment_delete(user=request.user, assessment=assessment, cascade=request.POST.get("cascade") == "1")
        except AssessmentRefused as exc:
            errors = exc.errors
        else:
            extra = f"，连同 {done.items} 道题和 {done.scores} 条小题得分" if done.scores else ""
            messages.success(request, f"已删除测评「{done.name}」{extra}")
            return redirect("assessment:index")
    return render(request, "assessment/delete.html", {
        "assessment": assessment, "n_scores": n_scores, "n_students": n_students,
        "n_items": assessment.items.count(), "errors": errors,
    }, status=400 if errors else 200)
