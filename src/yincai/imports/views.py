"""Thin views: template downloads, upload → preview → confirm, exports. Visibility lives in selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from yincai.accounts.access import role_required
from yincai.accounts.roles import TEACHING_ROLES, Role
from yincai.curriculum.selectors import leaf_kps
from yincai.imports.common import ImportRefused
from yincai.imports.exports import XLSX_TYPE, download, table_response
from yincai.imports.parsing import DEFAULT_LIMITS
from yincai.imports.selectors import (
    assessments_importable_by,
    batch_tables,
    batches_visible_to,
    is_school_admin,
    roster_table,
    score_tables,
    students_for_scores,
)
from yincai.imports.services import KIND_LABELS, batch_confirm, batch_create, batch_resolve
from yincai.imports.workbooks import (
    blueprint_template,
    roster_template,
    scores_template,
    students_for_template,
)
from yincai.oversight.services import audit_record
from yincai.school.models import Term
from yincai.school.selectors import classes_visible_to

IMPORT_ROLES = tuple(TEACHING_ROLES)


@role_required(*IMPORT_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "imports/index.html", {
        "assessments": assessments_importable_by(request.user),
        "batches": batches_visible_to(request.user)[:30],
        "may_import_roster": is_school_admin(request.user),
        "max_mb": DEFAULT_LIMITS.max_bytes // 1024 // 1024,
        **_new_assessment_choices(),
    })


def _new_assessment_choices() -> dict[str, object]:
    """Choices of the 新建测评 fields of the score upload (a score file may create its assessment)."""
    from yincai.assessment.models import Assessment
    from yincai.school.models import Grade, Subject

    term = Term.current()
    return {"grades": Grade.objects.filter(school=term.school) if term else Grade.objects.none(),
            "subjects": Subject.objects.all(), "kinds": Assessment.KIND_CHOICES}


@role_required(*IMPORT_ROLES)
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in KIND_LABELS:
        messages.error(request, "请选择导入类型")
        return redirect("imports:index")
    upload_file = request.FILES.get("file")
    if upload_file is None:
        messages.error(request, "请选择要上传的文件")
        return redirect("imports:index")
    if upload_file.size > DEFAULT_LIMITS.max_bytes:
        messages.error(request, f"文件过大（{upload_file.size / 1024 / 1024:.1f} MB），上限为 "
                                f"{DEFAULT_LIMITS.max_bytes // 1024 // 1024} MB；请删除无关的工作表或拆分后再上传")
        return redirect("imports:index")
    assessment = draft = None
    if kind in ("scores", "blueprint"):
        raw_id = request.POST.get("assessment", "")
        if kind == "scores" and not raw_id and request.POST.get("new_grade"):
            draft = {k: request.POST.get(f"new_{k}", "").strip() for k in ("name", "kind", "grade", "class", "subject",
                                                                         "date")}
        elif not raw_id.isdigit():
            messages.error(request, "请选择要导入的测评")
            return redirect("imports:index")
        else:
            assessment = get_object_or_404(assessments_importable_by(request.user), pk=int(raw_id))
    try:
        batch = batch_create(user=request.user, kind=kind, content=upload_file.read(),
                             file_name=upload_file.name or "upload", assessment=assessment, term=Term.current(),
                             draft=draft)
    except ImportRefused as exc:
        for p in exc.problems:
            messages.error(request, str(p))
        return redirect("imports:index")
    return redirect("imports:batch_detail", batch_id=batch.pk)


@role_required(*IMPORT_ROLES)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(batches_visible_to(request.user), pk=batch_id)
    asks = batch.kind == "blueprint" and batch.status == "preview" and batch.summary.get("questions")
    return render(request, "imports/batch.html", {
        "batch": batch,
        "summary": batch.summary,
        "kp_options": leaf_kps(batch.assessment.subject).select_related("parent") if asks and batch.assessment else [],
    })


def _kp_answers(post: Any, questions: list[dict[str, Any]]) -> tuple[dict[str, list[int]], list[str]]:
    """The choices of the preview's 知识点 form: label key → KP ids ([] = untagged), and what was incomplete."""
    answers: dict[str, list[int]] = {}
    incomplete: list[str] = []
    for i, q in enumerate(questions):
        if post.get(f"key-{i}") != q["key"]:
            continue  # the page was older than the preview: ignore rather than mix labels up
        choice = post.get(f"choice-{i}", "")
        if choice == "none":
            answers[q["key"]] = []
        elif choice == "kps":
            ids = [int(v) for v in post.getlist(f"kps-{i}") if v.isdigit()]
            if ids:
                answers[q["key"]] = ids
            else:
                incomplete.append(f"「{q['label']}」：选择了多个知识点，但没有选中任何知识点")
        elif choice[:1] == "s" and choice[1:].isdigit() and int(choice[1:]) < len(q["suggestions"]):
            answers[q["key"]] = list(q["suggestions"][int(choice[1:])]["kp_ids"])
    return answers, incomplete


@role_required(*IMPORT_ROLES)
def resolve(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Save the teacher's choices for the unknown 知识点 labels of a blueprint preview (nothing else is written)."""
    batch = get_object_or_404(batches_visible_to(request.user), pk=batch_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    answers, incomplete = _kp_answers(request.POST, batch.summary.get("questions", []))
    for text in incomplete:
        messages.error(request, text)
    if answers:
        try:
            batch = batch_resolve(user=request.user, batch=batch, answers=answers)
        except ImportRefused as exc:
            for p in exc.problems:
                messages.error(request, str(p))
            return redirect("imports:batch_detail", batch_id=batch.pk)
        left = batch.summary.get("open_questions", 0)
        messages.success(request, f"已保存 {len(answers)} 个知识点名称的选择" +
                         (f"，还有 {left} 个未确定" if left else "，可以确认导入了"))
    elif not incomplete:
        messages.error(request, "没有选择任何知识点：请为每个名称选一项（或选择「不标注知识点」）")
    return redirect("imports:batch_detail", batch_id=batch.pk)


@role_required(*IMPORT_ROLES)
def batch_export(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The tables of the preview/result page (problems, warnings, changes) as a spreadsheet to work from."""
    batch = get_object_or_404(batches_visible_to(request.user), pk=batch_id)
    return table_response(batch_tables(batch), f"导入{batch.pk}-{batch.get_status_display()}",
                          request.GET.get("format", "xlsx"))


@role_required(*IMPORT_ROLES)
def confirm(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(batches_visible_to(request.user), pk=batch_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        batch = batch_confirm(user=request.user, batch=batch)
    except ImportRefused as exc:
        open_questions = batch.kind == "blueprint" and batch.summary.get("open_questions")
        if open_questions:
            messages.error(request, f"导入未执行：还有 {open_questions} 个知识点名称未确定，请先在本页选择并保存")
        else:
            messages.error(request, f"导入未执行：{exc.problems[0]}" if len(exc.problems) == 1
                           else f"导入未执行，文件有 {len(exc.problems)} 个问题，未写入任何数据")
        return redirect("imports:batch_detail", batch_id=batch.pk)
    s = batch.summary
    messages.success(request, f"导入完成：新增 {s.get('creates', 0)} 条，修改 {s.get('updates', 0)} 条，"
                              f"未变 {s.get('unchanged', 0)} 条")
    return redirect("imports:batch_detail", batch_id=batch.pk)


@role_required(Role.ADMIN)
def template_roster(request: HttpRequest) -> HttpResponse:
    return download(roster_template(), "花名册导入模板.xlsx", XLSX_TYPE)


@role_required(*IMPORT_ROLES)
def template_blueprint(request: HttpRequest) -> HttpResponse:
    assessment = None
    raw_id = request.GET.get("assessment", "")
    if raw_id.isdigit():
        assessment = get_object_or_404(assessments_importable_by(request.user), pk=int(raw_id))
    name = f"试卷结构模板-{assessment.name}.xlsx" if assessment else "试卷结构导入模板.xlsx"
    return download(blueprint_template(assessment), name, XLSX_TYPE)


@role_required(*IMPORT_ROLES)
def template_scores(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(assessments_importable_by(request.user), pk=assessment_id)
    students = students_for_template(students_for_scores(request.user, assessment), assessment)
    return download(scores_template(assessment, students), f"小题得分模板-{assessment.name}.xlsx", XLSX_TYPE)


@role_required(*IMPORT_ROLES)
def export_scores(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(assessments_importable_by(request.user), pk=assessment_id)
    audit_record(action="export", model="assessment.ItemScore", object_id=assessment.pk, detail=f"导出成绩 {assessment.name}")
    return table_response(score_tables(request.user, assessment), f"成绩-{assessment.name}",
                          request.GET.get("format", "xlsx"))


@role_required(*IMPORT_ROLES, Role.COUNSELOR)
def export_roster(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(classes_visible_to(request.user), pk=class_id)
    audit_record(action="export", model="school.Student", object_id=klass.pk, detail=f"导出花名册 {klass.name}")
    return table_response([roster_table(request.user, klass)], f"花名册-{klass.name}", request.GET.get("format", "xlsx"))
