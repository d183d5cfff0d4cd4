"""Thin views of the 微课/拓展资源 library: the teachers' list and upload form with usage, a resource's page
(opening it records 已看 for a student), its file through a permission check, and 完成."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from yincai.accounts.access import role_required
from yincai.accounts.roles import ALL_ROLES, TEACHING_ROLES, Role
from yincai.curriculum.models import KnowledgePoint
from yincai.homework import clock
from yincai.practice import resources as res
from yincai.practice.models import RESOURCE_KINDS, RESOURCE_LAYERS, Resource
from yincai.practice.services import PracticeError
from yincai.school.models import Student, Subject
from yincai.school.selectors import staff_of


@role_required(*TEACHING_ROLES)
def library(request: HttpRequest) -> HttpResponse:
    me = staff_of(request.user)
    if me is None:
        raise Http404("只有教职工可以管理资源")
    if request.method == "POST":
        try:
            res.create_resource(school=me.school, title=request.POST.get("title", ""),
                                kind=request.POST.get("kind", ""), url=request.POST.get("url", ""),
                                file=request.FILES.get("file"), layer=request.POST.get("layer", ""),
                                kp_ids=[int(x) for x in request.POST.getlist("kps") if x.isdigit()], author=me)
            messages.success(request, "资源已保存")
            return redirect("practice:resources")
        except PracticeError as exc:
            messages.error(request, "；".join(exc.messages))
    math = Subject.objects.filter(code="math").first()
    resources = list(res.usage(res.resources_visible_to(request.user)).prefetch_related("knowledge_points")[:100])
    for r in resources:
        r.change = res.kp_change_after(r)  # type: ignore[attr-defined]
    return render(request, "practice/resources.html", {
        "resources": resources,
        "kinds": RESOURCE_KINDS, "layers": RESOURCE_LAYERS,
        "kps": KnowledgePoint.objects.filter(subject=math, is_unit=False).order_by("grade_level", "code")})


def _resource(request: HttpRequest, resource_id: int) -> Resource:
    return get_object_or_404(res.resources_visible_to(request.user), pk=resource_id)


def _me_student(request: HttpRequest) -> Student | None:
    return Student.objects.filter(user=request.user).first()


@role_required(*ALL_ROLES)
def resource(request: HttpRequest, resource_id: int) -> HttpResponse:
    r = _resource(request, resource_id)
    student = _me_student(request)
    use = res.mark(resource=r, student=student, status="viewed", now=clock.now()) if student else None
    return render(request, "practice/resource.html", {"r": r, "use": use})


@role_required(*ALL_ROLES)
def resource_file(request: HttpRequest, resource_id: int) -> HttpResponse:
    r = _resource(request, resource_id)
    if not r.file:
        raise Http404("这个资源没有文件")
    return FileResponse(r.file.open("rb"), filename=r.file.name.rsplit("/", 1)[-1])


@role_required(Role.STUDENT)
def resource_done(request: HttpRequest, resource_id: int) -> HttpResponse:
    r = _resource(request, resource_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    student = _me_student(request)
    if student is not None:
        res.mark(resource=r, student=student, status="done", now=clock.now())
        messages.success(request, "已完成，真棒！")
    return redirect("practice:resource", resource_id=r.pk)
