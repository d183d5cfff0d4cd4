"""The first-run page (/setup/, only while no school exists) and the KP tree Excel page (/setup/kp/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core import signing
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from yincai.accounts.access import public, role_required
from yincai.accounts.roles import Role
from yincai.curriculum.excel import kp_workbook, plan_kp_upload
from yincai.curriculum.services import CurriculumError, load_kp_rows
from yincai.imports.exports import XLSX_TYPE, download
from yincai.imports.parsing import DEFAULT_LIMITS
from yincai.school.models import School, Subject
from yincai.setup.forms import SetupForm
from yincai.setup.services import SetupError, school_init


@public
def start(request: HttpRequest) -> HttpResponse:
    if School.objects.exists():
        raise Http404("学校已初始化")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = school_init(
                school_name=data["school_name"], school_code=data["school_code"], term_name=data["term_name"],
                start_date=data["start_date"], end_date=data["end_date"], admin_username=data["admin_username"],
                admin_password=data["admin_password"], admin_name=data["admin_name"], grades=data["grades"],
                subjects=data["subjects"],
            )
        except SetupError as exc:
            for name, messages in exc.errors.items():
                for message in messages:
                    form.add_error(name if name in form.fields else None, message)
        else:
            login(request, result.admin, backend="django.contrib.auth.backends.ModelBackend")  # type: ignore[arg-type]
            return redirect("web:home")
    return render(request, "setup/start.html", {"form": form})


KP_TOKEN_SALT = "yincai.setup.kp-upload"
KP_TOKEN_MAX_AGE = 60 * 60


def _kp_subjects() -> list[Subject]:
    return list(Subject.objects.annotate(kp_count=Count("knowledge_points", filter=Q(knowledge_points__is_unit=False)))
                .order_by("id"))


@role_required(Role.ADMIN)
def kp_files(request: HttpRequest) -> HttpResponse:
    """知识点体系 Excel: download a subject's tree, upload an edited one (preview, then confirm)."""
    subjects = _kp_subjects()
    context: dict[str, object] = {"subjects": subjects, "max_mb": DEFAULT_LIMITS.max_bytes // 1024 // 1024}
    if request.method == "POST" and request.POST.get("token"):
        try:
            payload = signing.loads(request.POST["token"], salt=KP_TOKEN_SALT, max_age=KP_TOKEN_MAX_AGE)
            subject = get_object_or_404(Subject, pk=payload["subject"])
            result = load_kp_rows(subject=subject, rows=payload["rows"])
        except signing.BadSignature:
            context["error"] = "预览已过期或无效，请重新上传文件"
        except CurriculumError as exc:
            context["error"] = f"未导入，未写入任何数据：{exc}"
        else:
            messages.success(request, f"{subject.name}知识点已导入：新增 {result.created} 个，修改 {result.updated} 个。")
            return redirect("setup:kp_files")
    elif request.method == "POST":
        subject = next((s for s in subjects if str(s.pk) == request.POST.get("subject")), None)
        upload = request.FILES.get("file")
        if subject is None or upload is None:
            context["error"] = "请选择学科和要上传的文件"
        elif upload.size and upload.size > DEFAULT_LIMITS.max_bytes:
            context["error"] = f"文件过大，上限为 {context['max_mb']} MB"
        else:
            plan = plan_kp_upload(subject=subject, content=upload.read(), file_name=upload.name or "")
            context["plan"] = plan
            if plan.ok:
                context["token"] = signing.dumps({"subject": subject.pk, "rows": plan.rows}, salt=KP_TOKEN_SALT,
                                                 compress=True)
    return render(request, "setup/kp_files.html", context)


@role_required(Role.ADMIN)
def kp_export(request: HttpRequest, subject_code: str) -> HttpResponse:
    subject = get_object_or_404(Subject, code=subject_code)
    return download(kp_workbook(subject), f"{subject.name}知识点体系.xlsx", XLSX_TYPE)
