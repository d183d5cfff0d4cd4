"""家校协同 pages for families (consent, data rights, 家长学校, questionnaires) and the shared home page.

Thin: parse → selector/service → render. Objects come from visible querysets (another family's → 404).
POST-only views look the object up first, so a stranger's object is 404 whatever the method.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from yincai.accounts.access import role_required
from yincai.accounts.roles import ALL_ROLES, STAFF_ROLES, Role, roles_of
from yincai.homeschool import consent, contacts, parentschool, rights, surveys
from yincai.homeschool.models import (
    PURPOSE_LABELS,
    Questionnaire,
    SurveyReceipt,
    SurveyResponse,
    Workshop,
    WorkshopMaterial,
    WorkshopSignup,
)
from yincai.oversight.services import audit_sensitive_read
from yincai.school.models import Guardian, Term
from yincai.school.selectors import children_of

WORKSHOP_ROLES = (Role.PARENT, Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER, Role.COUNSELOR)


def guardian_of(request: HttpRequest) -> Guardian:
    g = Guardian.objects.filter(user=request.user).first()
    if g is None:
        raise Http404("不是家长账号")
    return g


def _errors(request: HttpRequest, e: ValidationError) -> None:
    for m in e.messages:
        messages.error(request, m)


@role_required(*ALL_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    ctx: dict[str, Any] = {"surveys": surveys.surveys_to_answer(request.user)}
    if Role.PARENT in roles:
        ctx["children"] = [{"student": c, "needs_consent": consent.needs_guardian_consent(c),
                            "state": consent.consent_state(c)} for c in children_of(request.user)]
        ctx["workshops"] = parentschool.workshops_for_guardian(request.user)[:5]
    if roles & STAFF_ROLES:
        ctx["staff"] = True
        ctx["reminders"] = contacts.reminders_for_head_teacher(request.user)
        ctx["is_admin"] = Role.ADMIN in roles
    return render(request, "homeschool/home.html", ctx)


@role_required(Role.PARENT)
def child_consent(request: HttpRequest, student_id: int) -> HttpResponse:
    child = get_object_or_404(children_of(request.user), pk=student_id)
    if request.method == "POST":
        purpose = request.POST.get("purpose", "")
        try:
            consent.consent_set(student=child, guardian=guardian_of(request), purpose=purpose,
                                granted=request.POST.get("granted") == "1")
            word = "已同意" if request.POST.get("granted") == "1" else "已撤回"
            messages.success(request, f"{word}：{PURPOSE_LABELS.get(purpose, '')}")
        except ValidationError as e:
            _errors(request, e)
        return redirect("homeschool:child_consent", student_id=child.pk)
    history = child.consents.select_related("guardian")[:50]
    state = consent.consent_state(child)
    rows = [{"purpose": p, "label": label, "record": state[p], "given": consent.consent_given(child, p)}
            for p, label in PURPOSE_LABELS.items()]
    return render(request, "homeschool/consent.html", {
        "child": child, "rows": rows, "history": history, "needs": consent.needs_guardian_consent(child),
        "policy_version": consent.POLICY_VERSION, "requests": child.data_requests.all()[:10],
        "klass": child.class_in(Term.current()) if Term.current() else None,
    })


@role_required(Role.PARENT)
def child_export(request: HttpRequest, student_id: int) -> HttpResponse:
    child = get_object_or_404(children_of(request.user), pk=student_id)
    data = rights.export_zip(student=child, guardian=guardian_of(request))
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{child.name}-数据.zip')}"
    return response


@role_required(Role.PARENT)
def child_deletion(request: HttpRequest, student_id: int) -> HttpResponse:
    child = get_object_or_404(children_of(request.user), pk=student_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        rights.deletion_request(student=child, guardian=guardian_of(request), reason=request.POST.get("reason", ""))
        messages.success(request, "删除申请已提交，学校管理员处理后会在此显示结果。")
    except ValidationError as e:
        _errors(request, e)
    return redirect("homeschool:child_consent", student_id=child.pk)


# ---- 家长学校 -----------------------------------------------------------------------------------------

@role_required(*WORKSHOP_ROLES, Role.MENTOR)
def workshops(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = roles_of(user)
    items = parentschool.workshops_visible_to(user)
    signed = set()
    if Role.PARENT in roles and not roles & STAFF_ROLES:
        signed = set(WorkshopSignup.objects.filter(guardian__user=user).values_list("workshop_id", flat=True))
    return render(request, "homeschool/workshops.html", {
        "workshops": items, "signed": signed, "staff": bool(roles & STAFF_ROLES),
        "may_create": bool(roles & {Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER}),
        "forums": parentschool.forum_compliance(user) if roles & STAFF_ROLES else [],
    })


def _workshop(request: HttpRequest, workshop_id: int) -> Workshop:
    return get_object_or_404(parentschool.workshops_visible_to(request.user), pk=workshop_id)


@role_required(*WORKSHOP_ROLES)
def workshop_detail(request: HttpRequest, workshop_id: int) -> HttpResponse:
    w = _workshop(request, workshop_id)
    roles = roles_of(request.user)
    ctx: dict[str, Any] = {"w": w, "materials": w.materials.defer("content")}
    if Role.PARENT in roles and not roles & STAFF_ROLES:
        ctx["parent"] = True
        ctx["signup"] = WorkshopSignup.objects.filter(workshop=w, guardian__user=request.user).first()
    else:
        ctx["manage"] = parentschool.may_manage(request.user, w)
        ctx["signups"] = w.signups.select_related("guardian")
        ctx["checkin_url"] = request.build_absolute_uri(
            reverse("homeschool:checkin", kwargs={"token": parentschool.checkin_token(w)}))
    return render(request, "homeschool/workshop.html", ctx)


@role_required(Role.PARENT)
def workshop_signup(request: HttpRequest, workshop_id: int) -> HttpResponse:
    w = _workshop(request, workshop_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        if request.POST.get("cancel"):
            parentschool.signup_cancel(workshop=w, guardian=guardian_of(request))
            messages.success(request, "已取消报名")
        else:
            parentschool.signup(workshop=w, guardian=guardian_of(request))
            messages.success(request, f"已报名：{w.topic}")
    except ValidationError as e:
        _errors(request, e)
    return redirect("homeschool:workshop", workshop_id=w.pk)


@role_required(Role.PARENT)
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    wid = parentschool.workshop_from_token(token)
    if wid is None:
        raise Http404("签到码无效")
    w = get_object_or_404(parentschool.workshops_for_guardian(request.user), pk=wid)
    parentschool.check_in(workshop=w, guardian=guardian_of(request), method="qr")
    messages.success(request, f"签到成功：{w.topic}")
    return render(request, "homeschool/checkin.html", {"w": w})


@role_required(*WORKSHOP_ROLES)
def material(request: HttpRequest, material_id: int) -> HttpResponse:
    m = get_object_or_404(WorkshopMaterial.objects.filter(
        workshop__in=parentschool.workshops_visible_to(request.user)), pk=material_id)
    response = HttpResponse(bytes(m.content), content_type=m.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(m.name)}"
    return response


# ---- 问卷 ---------------------------------------------------------------------------------------------

@role_required(*ALL_ROLES)
def survey_answer(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    q = get_object_or_404(Questionnaire.objects.filter(term=Term.current()).exclude(status="draft"),
                          pk=questionnaire_id)
    if not surveys.may_answer(request.user, q):
        raise Http404("不在调查对象中")
    done = SurveyReceipt.objects.filter(questionnaire=q, user=request.user).exists()
    if request.method == "POST" and not done:
        try:
            surveys.response_submit(questionnaire=q, user=request.user,
                                    answers=surveys.parse_answers(q, request.POST))
            messages.success(request, "感谢您的填写！")
            return redirect("homeschool:survey_answer", questionnaire_id=q.pk)
        except ValidationError as e:
            _errors(request, e)
    mine = None
    if done and not q.anonymous:  # only the user's own named answers, never anyone else's
        mine = SurveyResponse.objects.filter(questionnaire=q, respondent=request.user).first()
        if mine and mine.student_id:
            audit_sensitive_read(student_id=mine.student_id, what="问卷答卷", object_id=mine.pk)
    own_answers = []
    if mine:
        for question in q.questions.all():
            a = mine.answers.get(str(question.pk))
            text = a if question.kind == "text" else "、".join(question.options[i] for i in a or [])
            own_answers.append((question, text))
    return render(request, "homeschool/survey_answer.html", {
        "q": q, "done": done, "questions": q.questions.all(), "own_answers": own_answers,
    })
