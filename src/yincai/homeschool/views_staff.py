"""家校协同 pages for staff: contact log and compliance, 家长学校 management, questionnaire builder and
results, and the admin's decisions on deletion requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from yincai.accounts.access import role_required
from yincai.accounts.roles import Role, roles_of
from yincai.homeschool import contacts, parentschool, rights, surveys
from yincai.homeschool.models import DataRequest, HomeContact, Question, Questionnaire, Workshop
from yincai.homeschool.views import _errors, _workshop
from yincai.oversight.services import audit_sensitive_read
from yincai.school.models import Grade, Guardian, Term
from yincai.school.selectors import classes_visible_to, staff_of, students_visible_to

CONTACT_ROLES = (Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER, Role.MENTOR, Role.COUNSELOR)
CLASS_ROLES = (Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER, Role.COUNSELOR)
MANAGER_ROLES = (Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER)


def _staff(request: HttpRequest):  # type: ignore[no-untyped-def]
    me = staff_of(request.user)
    if me is None:
        raise Http404("不是教职工账号")
    return me


@role_required(*CONTACT_ROLES)
def student_contacts(request: HttpRequest, student_id: int) -> HttpResponse:
    student = get_object_or_404(students_visible_to(request.user), pk=student_id)
    if request.method == "POST":
        follow = request.POST.get("follow_up") or ""
        try:
            day = parse_date(request.POST.get("date") or "") or timezone.localdate()
            contacts.contact_log(student=student, author=_staff(request), term=Term.current(),
                                 kind=request.POST.get("kind", ""), date=day,
                                 content=request.POST.get("content", ""), actions=request.POST.get("actions", ""),
                                 follow_up=parse_date(follow) if follow else None)
            messages.success(request, "已记录家校联系，并写入转化记载簿")
            return redirect("homeschool:student_contacts", student_id=student.pk)
        except (ValidationError, ValueError) as e:
            _errors(request, e if isinstance(e, ValidationError) else ValidationError("日期格式不正确"))
    audit_sensitive_read(student_id=student.pk, what="家校联系记录")
    return render(request, "homeschool/contacts.html", {
        "student": student, "contacts": contacts.contacts_of(student), "kinds": HomeContact.KIND_CHOICES,
        "today": timezone.localdate(), "klass": student.class_in(Term.current()),
    })


@role_required(*CLASS_ROLES)
def class_compliance(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(classes_visible_to(request.user), pk=class_id)
    return render(request, "homeschool/compliance.html", {
        "lines": [contacts.class_compliance(klass)], "single": True, "month": contacts.month_start(),
    })


@role_required(Role.ADMIN, Role.GRADE_LEAD)
def compliance(request: HttpRequest) -> HttpResponse:
    return render(request, "homeschool/compliance.html", {
        "lines": contacts.compliance_for(request.user), "single": False, "month": contacts.month_start(),
    })


# ---- 家长学校 -----------------------------------------------------------------------------------------

@role_required(*MANAGER_ROLES)
def workshop_new(request: HttpRequest) -> HttpResponse:
    classes = classes_visible_to(request.user)
    if request.method == "POST":
        try:
            starts = parse_datetime(request.POST.get("starts_at", "").replace("T", " "))
            if starts is None:
                raise ValidationError("请填写活动时间")
            if timezone.is_naive(starts):
                starts = timezone.make_aware(starts)
            cid = request.POST.get("school_class") or ""
            klass = get_object_or_404(classes, pk=int(cid)) if cid.isdigit() else None
            if klass is None and Role.ADMIN not in roles_of(request.user):
                raise ValidationError("班主任只能为本班组织活动，请选择班级")
            w = parentschool.workshop_create(
                author=_staff(request), term=Term.current(), kind=request.POST.get("kind", ""),
                topic=request.POST.get("topic", ""), starts_at=starts, place=request.POST.get("place", ""),
                speaker=request.POST.get("speaker", ""), school_class=klass)
            messages.success(request, "活动已创建")
            return redirect("homeschool:workshop", workshop_id=w.pk)
        except ValidationError as e:
            _errors(request, e)
    return render(request, "homeschool/workshop_new.html", {"classes": classes, "kinds": Workshop.KIND_CHOICES})


def _managed(request: HttpRequest, workshop_id: int) -> Workshop:
    w = _workshop(request, workshop_id)
    if not parentschool.may_manage(request.user, w):
        raise Http404("无权管理该活动")
    return w


@role_required(*MANAGER_ROLES)
def workshop_qr(request: HttpRequest, workshop_id: int) -> HttpResponse:
    from django.urls import reverse

    w = _managed(request, workshop_id)
    url = request.build_absolute_uri(reverse("homeschool:checkin", kwargs={"token": parentschool.checkin_token(w)}))
    return HttpResponse(parentschool.qr_svg(url), content_type="image/svg+xml")


@role_required(*MANAGER_ROLES)
def workshop_attendance(request: HttpRequest, workshop_id: int) -> HttpResponse:
    w = _managed(request, workshop_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    ids = [int(x) for x in request.POST.getlist("guardian") if x.isdigit()]
    eligible = Guardian.objects.filter(pk__in=ids)
    if w.school_class_id:
        eligible = eligible.filter(links__student__enrolments__school_class_id=w.school_class_id).distinct()
    n = 0
    for g in eligible:
        parentschool.check_in(workshop=w, guardian=g, method="teacher")
        n += 1
    messages.success(request, f"已登记 {n} 位家长出席")
    return redirect("homeschool:workshop", workshop_id=w.pk)


@role_required(*MANAGER_ROLES)
def workshop_material_upload(request: HttpRequest, workshop_id: int) -> HttpResponse:
    w = _managed(request, workshop_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    f = request.FILES.get("file")
    try:
        parentschool.material_add(workshop=w, name=f.name if f else "", content=f.read() if f else b"",
                                  content_type=getattr(f, "content_type", "") or "")
        messages.success(request, "资料已上传，家长可随时下载")
    except ValidationError as e:
        _errors(request, e)
    return redirect("homeschool:workshop", workshop_id=w.pk)


# ---- 问卷 ---------------------------------------------------------------------------------------------

@role_required(*CLASS_ROLES)
def survey_list(request: HttpRequest) -> HttpResponse:
    return render(request, "homeschool/surveys.html", {
        "managed": surveys.surveys_managed_by(request.user), "templates": surveys.TEMPLATES,
        "classes": classes_visible_to(request.user), "grades": Grade.objects.filter(
            classes__in=classes_visible_to(request.user)).distinct(),
    })


@role_required(*CLASS_ROLES)
def survey_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    classes = classes_visible_to(request.user)
    cid, gid = request.POST.get("school_class") or "", request.POST.get("grade") or ""
    klass = classes.filter(pk=int(cid)).first() if cid.isdigit() else None
    grade = Grade.objects.filter(pk=int(gid), classes__in=classes).first() if gid.isdigit() else None
    template = request.POST.get("template", "")
    audiences = request.POST.getlist("audience") or list(surveys.TEMPLATES.get(template, {}).get("audience", ()))
    try:
        if klass is None and grade is None and not roles_of(request.user) & {Role.ADMIN, Role.COUNSELOR}:
            raise ValidationError("请选择班级或年级（全校问卷由教导处发起）")
        q = surveys.questionnaire_create(
            author=_staff(request), term=Term.current(),
            title=request.POST.get("title") or surveys.TEMPLATES.get(template, {}).get("title", ""),
            audiences=audiences, anonymous=request.POST.get("anonymous") == "1", school_class=klass, grade=grade,
            intro=request.POST.get("intro", ""), template=template)
        return redirect("homeschool:survey_edit", questionnaire_id=q.pk)
    except ValidationError as e:
        _errors(request, e)
        return redirect("homeschool:surveys")


def _survey(request: HttpRequest, questionnaire_id: int) -> Questionnaire:
    return get_object_or_404(surveys.surveys_managed_by(request.user), pk=questionnaire_id)


@role_required(*CLASS_ROLES)
def survey_edit(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    q = _survey(request, questionnaire_id)
    if request.method == "POST":
        try:
            if request.POST.get("status"):
                surveys.questionnaire_status(questionnaire=q, status=request.POST["status"])
            else:
                surveys.question_add(questionnaire=q, kind=request.POST.get("kind", ""),
                                     text=request.POST.get("text", ""),
                                     options=(request.POST.get("options") or "").splitlines())
            return redirect("homeschool:survey_edit", questionnaire_id=q.pk)
        except ValidationError as e:
            _errors(request, e)
    return render(request, "homeschool/survey_edit.html", {"q": q, "kinds": Question.KIND_CHOICES})


@role_required(*CLASS_ROLES)
def survey_results(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    q = _survey(request, questionnaire_id)
    res = surveys.results(q)
    return render(request, "homeschool/survey_results.html", {
        "q": q, "res": res, "charts": surveys.chart_data(res), "k": surveys.K_ANONYMITY,
    })


@role_required(*CLASS_ROLES)
def survey_export(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    q = _survey(request, questionnaire_id)
    try:
        data = surveys.export_xlsx(surveys.results(q))
    except ValidationError as e:
        _errors(request, e)
        return redirect("homeschool:survey_results", questionnaire_id=q.pk)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="survey-{q.pk}.xlsx"'
    return response


# ---- 数据删除申请（校长/教导处） --------------------------------------------------------------------------

@role_required(Role.ADMIN)
def data_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "homeschool/requests.html", {
        "requests": DataRequest.objects.select_related("student", "guardian", "decided_by")[:200],
    })


@role_required(Role.ADMIN)
def data_request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    req = get_object_or_404(DataRequest, pk=request_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        rights.deletion_decide(request=req, approve=request.POST.get("approve") == "1", admin=_staff(request),
                               reason=request.POST.get("reason", ""))
        messages.success(request, "已处理")
    except ValidationError as e:
        _errors(request, e)
    return redirect("homeschool:data_requests")

