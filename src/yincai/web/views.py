"""Thin HTML views: parse → selector → render. Visibility is decided in selectors (404 when not visible)."""

from __future__ import annotations

from dataclasses import asdict

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from yincai.accounts.access import role_required
from yincai.accounts.roles import ALL_ROLES, STAFF_ROLES, TEACHING_ROLES, Role
from yincai.assessment.selectors import score_trajectory
from yincai.curriculum.selectors import kp_tree
from yincai.insight.selectors import trajectory as insight_trajectory
from yincai.oversight.models import AuditLog
from yincai.school.models import Subject, Term
from yincai.school.selectors import (
    children_of,
    classes_visible_to,
    family_profile_for,
    may_read_family,
    psych_notes_for,
    students_visible_to,
    subjects_for_class,
)
from yincai.web.selectors import class_rows, class_student_rows, home_context


@role_required(*ALL_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", home_context(request.user))


@role_required(*(TEACHING_ROLES | {Role.COUNSELOR}))
def class_list(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    return render(request, "web/class_list.html", {"rows": class_rows(request.user, term), "term": term})


@role_required(*(TEACHING_ROLES | {Role.COUNSELOR}))
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(classes_visible_to(request.user).select_related("term"), pk=class_id)
    subjects = list(subjects_for_class(request.user, klass))
    subject_code = request.GET.get("subject")
    subject = (next((s for s in subjects if s.code == subject_code), None) if subject_code
               else (subjects[0] if subjects else None))
    assessment, rows = class_student_rows(klass, subject)
    return render(request, "web/class_detail.html", {
        "klass": klass, "subjects": subjects, "subject": subject, "assessment": assessment, "rows": rows,
    })


@role_required(*STAFF_ROLES)
def student_detail(request: HttpRequest, student_id: int) -> HttpResponse:
    student = get_object_or_404(students_visible_to(request.user), pk=student_id)
    term = Term.current()
    klass = student.class_in(term) if term else None
    trajectory = [asdict(p) for p in insight_trajectory(request.user, student, term, klass.grade if klass else None)
                  ] if term else []
    family_ok = may_read_family(request.user, student)
    return render(request, "web/student_detail.html", {
        "student": student,
        "klass": klass,
        "trajectory": trajectory,
        "guardians": student.guardian_links.select_related("guardian") if family_ok else None,
        "family": family_profile_for(request.user, student),
        "may_read_family": family_ok,
        "psych_notes": psych_notes_for(request.user, student),
        "mentors": student.mentors.filter(term=term).select_related("mentor"),
    })


@role_required(Role.MENTOR)
def mentees(request: HttpRequest) -> HttpResponse:
    ctx = home_context(request.user)
    return render(request, "web/mentees.html", {"mentees": ctx.get("mentees", [])})


@role_required(*STAFF_ROLES)
def kp_tree_view(request: HttpRequest) -> HttpResponse:
    subject = get_object_or_404(Subject, code=request.GET.get("subject", "math"))
    grade = request.GET.get("grade")
    level = int(grade) if grade and grade.isdigit() and 1 <= int(grade) <= 6 else None
    return render(request, "web/kp_tree.html", {
        "subject": subject, "units": kp_tree(subject, level), "grade": level, "grades": range(1, 7),
        "subjects": Subject.objects.filter(knowledge_points__isnull=False).distinct(),
    })


@role_required(Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    qs = AuditLog.objects.select_related("actor")
    action = request.GET.get("action")
    if action:
        qs = qs.filter(action=action)
    student = request.GET.get("student")
    if student and student.isdigit():
        qs = qs.filter(student_id=int(student))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "web/audit_log.html", {"page": page, "actions": AuditLog.ACTION_CHOICES, "action": action})


def _family_view(request: HttpRequest, student_id: int | None) -> HttpResponse:
    term = Term.current()
    if student_id is None:
        student = students_visible_to(request.user).filter(user=request.user).first()
    else:
        student = children_of(request.user).filter(pk=student_id).first()
    if student is None:
        raise Http404("找不到该学生")
    points = score_trajectory(request.user, student, term, with_class_median=False)
    # Families see their own child's score rate over time and 等级, never the class median or others.
    chart = [{**asdict(p), "class_median": None} for p in points]
    return render(request, "web/family_student.html", {
        "student": student, "klass": student.class_in(term) if term else None, "trajectory": chart,
        "points": points, "is_self": student_id is None,
        "children": children_of(request.user) if student_id is not None else None,  # siblings under one login
    })


@role_required(Role.STUDENT)
def me(request: HttpRequest) -> HttpResponse:
    return _family_view(request, None)


@role_required(Role.PARENT)
def child_detail(request: HttpRequest, student_id: int) -> HttpResponse:
    return _family_view(request, student_id)
