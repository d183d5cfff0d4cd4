"""Thin views of the diagnosis app: parse → selector/service → render."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string

from yincai.accounts.access import role_required
from yincai.accounts.roles import STAFF_ROLES, TEACHING_ROLES, Role, roles_of
from yincai.homeschool.consent import latest_consents
from yincai.insight import selectors as sel
from yincai.insight.models import ROUND_CHOICES, TIER_CHOICES, AlertRule, TierRule
from yincai.insight.services import (
    INDICATORS,
    InsightError,
    alert_act,
    alert_rule_for,
    alert_rule_set,
    recompute_start,
    tier_confirm_as_proposed,
    tier_decide,
    tier_rule_for,
    tier_rule_set,
)
from yincai.oversight.concurrency import parse_version
from yincai.rollover.selectors import graduates_visible_to, terms_of
from yincai.school.models import Grade, SchoolClass, Staff, Student, Subject, Term
from yincai.school.selectors import (
    classes_visible_to,
    family_profile_for,
    may_read_family,
    psych_notes_for,
    students_visible_to,
    subjects_for_class,
    subjects_visible_for,
)

CLASS_ROLES = TEACHING_ROLES | {Role.COUNSELOR}
TIER_ROLES = (Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER)


def _term() -> Term:
    term = Term.current()
    if term is None:
        raise Http404("尚未设置学期")
    return term


def _pick_subject(request: HttpRequest, subjects: list[Subject]) -> Subject | None:
    """The asked-for subject among those the page offers, else math, else the first."""
    by_code = {s.code: s for s in subjects}
    code = request.GET.get("subject") or request.POST.get("subject") or ""
    return by_code.get(code) or by_code.get("math") or (subjects[0] if subjects else None)


@role_required(*CLASS_ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    term = _term()
    return render(request, "insight/overview.html", {
        "classes": classes_visible_to(request.user, term), "grades": sel.grades_visible_to(request.user, term),
        "assessments": sel.assessments_visible_to(request.user, term).order_by("grade__level", "date"),
        "term": term,
    })


# ------------------------------------------------------------------------------------------------ portrait


def _portrait_context(request: HttpRequest, student_id: int) -> dict[str, Any]:
    current = _term()
    student = (students_visible_to(request.user).filter(pk=student_id).first()
               or get_object_or_404(graduates_visible_to(request.user), pk=student_id))
    # ?term= opens a past term's card (after 学年升级); who may read it is decided by today's relationship
    past_terms = terms_of(student)
    term = get_object_or_404(past_terms, pk=request.GET["term"]) if request.GET.get("term", "").isdigit() else (
        current if student.status == Student.ACTIVE else past_terms.first() or current)
    subjects = list(subjects_visible_for(request.user, student, current))
    klass = student.class_in(term)
    grade = klass.grade if klass else None
    portraits = sel.student_portrait(request.user, student, subjects, term, grade)
    return {
        "student": student, "klass": klass, "term": term, "portraits": portraits, "past_terms": past_terms,
        "trajectory": [asdict(p) for p in sel.trajectory(request.user, student, term, grade, subjects)],
        "radar": {sp.subject.name: sp.abilities for sp in portraits if sp.abilities},
        "job": sel.last_finished_job(term, klass.grade) if klass else None,
        "tier_choices": TIER_CHOICES[:4], "may_decide": term == current and bool(roles_of(request.user) & set(TIER_ROLES)),
        "consents": latest_consents(student),  # one query for every consent the page checks
        "may_read_family": may_read_family(request.user, student),
        "family": family_profile_for(request.user, student),  # audited when read
        "psych_notes": psych_notes_for(request.user, student),  # audited when read
    }


@role_required(*STAFF_ROLES)
def portrait(request: HttpRequest, student_id: int) -> HttpResponse:
    return render(request, "insight/portrait.html", _portrait_context(request, student_id))


@role_required(*STAFF_ROLES)
def portrait_pdf(request: HttpRequest, student_id: int) -> HttpResponse:
    from weasyprint import HTML

    from yincai.oversight.services import audit_record

    ctx = _portrait_context(request, student_id)
    ctx["pdf"] = True
    html = render_to_string("insight/portrait_pdf.html", ctx, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    audit_record(action="export", model="学习诊断卡PDF", object_id=ctx["student"].pk, student_id=ctx["student"].pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="diagnosis-{ctx["student"].student_no}.pdf"'
    return response


# ------------------------------------------------------------------------------------------------ class / grade


@role_required(*CLASS_ROLES)
def class_portrait(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(classes_visible_to(request.user), pk=class_id)
    subjects = list(subjects_for_class(request.user, klass))
    subject = _pick_subject(request, subjects)
    gp = sel.group_portrait(request.user, term=klass.term, subject=subject, klass=klass)
    return render(request, "insight/group.html", {
        "klass": klass, "gp": gp, "subjects": subjects, "subject": subject,
        "job": sel.last_job(klass.term, klass.grade), "may_recompute": bool(roles_of(request.user) & TEACHING_ROLES),
    })


@role_required(Role.ADMIN, Role.GRADE_LEAD)
def grade_portrait(request: HttpRequest, grade_id: int) -> HttpResponse:
    term = _term()
    grade = get_object_or_404(sel.grades_visible_to(request.user, term), pk=grade_id)
    subjects = list(Subject.objects.filter(pk__in=sel.assessments_visible_to(request.user, term).filter(grade=grade)
                                           .values("subject")))
    subject = _pick_subject(request, subjects)
    gp = sel.group_portrait(request.user, term=term, subject=subject, grade=grade)
    return render(request, "insight/group.html", {
        "grade": grade, "gp": gp, "subjects": subjects, "subject": subject, "job": sel.last_job(term, grade),
        "may_recompute": False,
    })


@role_required(*TEACHING_ROLES)
def recompute(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(classes_visible_to(request.user), pk=class_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    job = recompute_start(term=klass.term, grade=klass.grade, user=request.user)
    if request.htmx:
        return render(request, "insight/_job.html", {"job": job, "klass": klass})
    messages.success(request, "已开始诊断计算，完成后页面会显示最新结果。")
    return redirect("insight:class_portrait", class_id=klass.pk)


@role_required(*CLASS_ROLES)
def job_status(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(classes_visible_to(request.user), pk=class_id)
    return render(request, "insight/_job.html", {"job": sel.last_job(klass.term, klass.grade), "klass": klass,
                                                 "may_recompute": bool(roles_of(request.user) & TEACHING_ROLES)})


@role_required(*CLASS_ROLES)
def item_analysis(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(sel.assessments_visible_to(request.user), pk=assessment_id)
    rows = sel.item_rows(assessment)
    chart = {"labels": [r["item"].label for r in rows],
             "difficulty": [round(r["stat"].difficulty, 3) if r["stat"] and r["stat"].difficulty is not None else None
                            for r in rows],
             "discrimination": [round(r["stat"].upper_lower, 3) if r["stat"] and r["stat"].upper_lower is not None
                                else None for r in rows]}
    return render(request, "insight/items.html", {
        "assessment": assessment, "rows": rows, "coverage": sel.kp_coverage_rows(assessment), "chart": chart,
        "flagged": sum(1 for r in rows if r["flags"]),
    })


# ------------------------------------------------------------------------------------------------ tiers


@role_required(*TIER_ROLES)
def tiers(request: HttpRequest, class_id: int) -> HttpResponse:
    """The 分层 table; its rows share one form, and the 确认 button of a row posts that row (``_decide_row``)."""
    klass = get_object_or_404(classes_visible_to(request.user), pk=class_id)
    subjects = list(subjects_for_class(request.user, klass))
    if request.method == "POST":  # exactly the posted subject: no fallback when deciding
        posted = next((s for s in subjects if s.code == request.POST.get("subject")), None)
        if posted is None:
            raise Http404("没有该学科的权限")
        if request.POST.get("action") == "confirm_all":
            return _confirm_all(request, klass, posted)
        return _decide_row(request, klass, posted)
    subject = _pick_subject(request, subjects)
    if subject is None:
        raise Http404("没有可查看的学科")
    rnd, rows, movers = sel.tier_rows(request.user, klass, subject, klass.term)
    return render(request, "insight/tiers.html", {
        "klass": klass, "subjects": subjects, "subject": subject, "round": rnd, "round_label": dict(ROUND_CHOICES)[rnd],
        "rows": rows, "movers": movers,
        "rule": tier_rule_for(school=klass.term.school, grade=klass.grade, subject=subject),
        "confirmable": sum(1 for r in rows if r.confirmable_as_proposed),
    })


def _class_students(request: HttpRequest, klass: SchoolClass) -> QuerySet[Student]:
    """The class's students of its term that the user may see: the rows a 分层 post may touch."""
    return students_visible_to(request.user).filter(enrolments__term=klass.term, enrolments__school_class=klass)


def _confirm_all(request: HttpRequest, klass: SchoolClass, subject: Subject) -> HttpResponse:
    """「全部按建议确认」: every row the page showed unconfirmed (version 0), with the proposal it showed."""
    ids = set(_class_students(request, klass).values_list("pk", flat=True))
    seen = {sid: int(request.POST[f"proposal-{sid}"]) for sid in ids
            if request.POST.get(f"version-{sid}") == "0" and request.POST.get(f"proposal-{sid}", "").isdigit()}
    try:
        done, changed, left = tier_confirm_as_proposed(student_ids=sorted(ids), term=klass.term, subject=subject,
                                                        round=request.POST.get("round", ""), user=request.user,
                                                        seen=seen)
    except InsightError as exc:
        messages.error(request, str(exc))
    else:
        note = "".join([f"；{left} 名边缘或数据不足的学生请逐个复核" if left else "",
                        f"；{changed} 名学生在您打开页面后有了新建议或已被确认，未改动" if changed else ""])
        messages.success(request, f"已按建议确认 {done} 名学生{note}")
    return redirect(f"{request.path}?subject={subject.code}")


def _decide_row(request: HttpRequest, klass: SchoolClass, subject: Subject) -> HttpResponse:
    """The row whose 确认 was pressed: its fields are named ``<field>-<student id>``."""
    sid = request.POST.get("student", "")
    student = _class_students(request, klass).filter(pk=int(sid) if sid.isdigit() else 0).first()
    if student is None:
        raise Http404("该学生不在本班")
    _decide(request, student, klass.term, subject, {field: request.POST.get(f"{field}-{student.pk}") for field in
                                                    ("tier", "talent", "reason", "proposal", "version")})
    return redirect(f"{request.path}?subject={subject.code}#tier-{student.pk}")


def _decide(request: HttpRequest, student: Student, term: Term, subject: Subject, data: dict[str, Any]) -> None:
    """Records the decision, or says on the next page why not."""
    try:
        tier_decide(student=student, term=term, subject=subject, round=request.POST.get("round", ""),
                    tier=data["tier"] or "", talent=data["talent"] == "on", reason=data["reason"] or "",
                    user=request.user, proposal_id=int(parse_version(data["proposal"])),
                    version=parse_version(data["version"]))
        messages.success(request, f"已记录 {student.name} 的分层确认")
    except InsightError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:  # StaleEdit (已被他人修改) or a form without its version
        messages.error(request, "；".join(exc.messages))


@role_required(*TIER_ROLES)
def tier_decide_view(request: HttpRequest, student_id: int) -> HttpResponse:
    student = get_object_or_404(students_visible_to(request.user), pk=student_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    term = _term()
    subject = subjects_visible_for(request.user, student, term).filter(code=request.POST.get("subject", "")).first()
    if subject is None:
        raise Http404("没有该学科的权限")
    _decide(request, student, term, subject, {field: request.POST.get(field) for field in
                                              ("tier", "talent", "reason", "proposal", "version")})
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else "insight:overview")


@role_required(Role.ADMIN)
def tier_rules(request: HttpRequest) -> HttpResponse:
    term = _term()
    school = term.school
    subjects = Subject.objects.all()
    grades = Grade.objects.filter(school=school)
    error = ""
    if request.method == "POST":
        try:
            grade_id = request.POST.get("grade") or ""
            subject = subjects.get(code=request.POST.get("subject", ""))
            tier_rule_set(school=school, grade=grades.filter(pk=int(grade_id)).first() if grade_id.isdigit() else None,
                          subject=subject, struggling_share=float(request.POST["struggling"]) / 100,
                          advanced_share=float(request.POST["advanced"]) / 100, level=float(request.POST["level"]) / 100,
                          talent_share=float(request.POST["talent"]) / 100, note=request.POST.get("note", ""),
                          user=request.user)
            messages.success(request, "分层规则已保存，下次诊断计算时生效")
            return redirect("insight:tier_rules")
        except (KeyError, ValueError, Subject.DoesNotExist) as exc:
            error = str(exc) if isinstance(exc, InsightError) else "请填写有效的数字（百分比）并选择学科"
    return render(request, "insight/tier_rules.html", {
        "rules": TierRule.objects.filter(school=school).select_related("grade", "subject", "created_by")[:50],
        "subjects": subjects, "grades": grades, "error": error, "defaults": TierRule(),
    })


# ------------------------------------------------------------------------------------------------ alerts


@role_required(*TEACHING_ROLES)
def alerts(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "active")
    qs = sel.alerts_visible_to(request.user)
    if status == "active":
        qs = qs.exclude(status="resolved")
    elif status in ("open", "acknowledged", "following", "resolved"):
        qs = qs.filter(status=status)
    term = _term()
    staff = Staff.objects.filter(school=term.school, roles__term=term).distinct().order_by("name")
    return render(request, "insight/alerts.html", {"alerts": qs[:200], "status": status, "staff": staff})


@role_required(*TEACHING_ROLES)
def alert_act_view(request: HttpRequest, student_id: int) -> HttpResponse:
    student = get_object_or_404(students_visible_to(request.user), pk=student_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    alert_id = request.POST.get("alert", "")
    alert = get_object_or_404(sel.alerts_visible_to(request.user).filter(student=student),
                              pk=int(alert_id) if alert_id.isdigit() else 0)
    assignee_id = request.POST.get("assignee", "")
    assignee = Staff.objects.filter(pk=int(assignee_id), school=student.school).first() if assignee_id.isdigit() else None
    try:
        alert_act(alert=alert, action=request.POST.get("action", ""), user=request.user,
                  note=request.POST.get("note", ""), assignee=assignee)
        messages.success(request, f"已更新 {student.name} 的预警")
    except InsightError as exc:
        messages.error(request, str(exc))
    return redirect("insight:alerts")


@role_required(Role.ADMIN)
def alert_rules(request: HttpRequest) -> HttpResponse:
    term = _term()
    error = ""
    if request.method == "POST":
        try:
            alert_rule_set(school=term.school, score_drop=float(request.POST["score_drop"]),
                           mastery_drop=float(request.POST["mastery_drop"]), absences=int(request.POST["absences"]),
                           k=int(request.POST["k"]), n=int(request.POST["n"]), user=request.user,
                           observation=float(request.POST.get("observation", "2")))
            messages.success(request, "预警规则已保存，下次诊断计算时生效")
            return redirect("insight:alert_rules")
        except InsightError as exc:
            error = str(exc)
        except (KeyError, ValueError):
            error = "请填写有效的数字"
    return render(request, "insight/alert_rules.html", {
        "rule": alert_rule_for(school=term.school), "indicators": INDICATORS, "error": error,
        "history": AlertRule.objects.filter(school=term.school)[:20],
    })

