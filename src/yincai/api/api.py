"""/api/v1 — django-ninja, session or personal access token (yincai.apitokens); every operation declares its roles (see accounts.access)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Schema

from yincai.accounts.access import UndeclaredAuth, api_roles
from yincai.accounts.roles import ALL_ROLES, STAFF_ROLES, TEACHING_ROLES, Role, roles_of
from yincai.api.errors import responses
from yincai.assessment.selectors import score_trajectory
from yincai.curriculum.selectors import leaf_kps
from yincai.insight.selectors import trajectory
from yincai.school.models import Subject, Term
from yincai.school.selectors import classes_visible_to, students_visible_to

api = NinjaAPI(
    title="因材 yincai API",
    version="1",
    urls_namespace="api",
    auth=UndeclaredAuth(),
    docs_decorator=login_required,
)


class ClassOut(Schema):
    id: int
    name: str
    grade: int
    students: int


class StudentOut(Schema):
    id: int
    student_no: str
    name: str
    gender: str


class TrajectoryOut(Schema):
    assessment_id: int
    name: str
    date: date
    subject: str
    total: float | None
    max_total: float
    class_median: float | None


class KnowledgePointOut(Schema):
    id: int
    code: str
    name: str
    grade_level: int
    semester: str
    prerequisites: list[str]


class MeOut(Schema):
    username: str
    roles: list[str]


@api.get("/me", response=responses(MeOut), tags=["账号"], auth=api_roles(*ALL_ROLES))
def me(request: HttpRequest) -> MeOut:
    return MeOut(username=request.user.get_username(), roles=sorted(r.value for r in roles_of(request.user)))


@api.get("/classes", response=responses(list[ClassOut]), tags=["班级"], auth=api_roles(*(TEACHING_ROLES | {Role.COUNSELOR})))
def list_classes(request: HttpRequest) -> list[ClassOut]:
    return [
        ClassOut(id=k.pk, name=k.name, grade=k.grade.level, students=k.enrolments.count())
        for k in classes_visible_to(request.user)
    ]


@api.get("/classes/{class_id}/students", response=responses(list[StudentOut]), tags=["班级"], auth=api_roles(*(TEACHING_ROLES | {Role.COUNSELOR})))
def class_students(request: HttpRequest, class_id: int) -> list[StudentOut]:
    klass = get_object_or_404(classes_visible_to(request.user), pk=class_id)
    students = students_visible_to(request.user).filter(enrolments__school_class=klass).order_by("student_no")
    return [StudentOut(id=s.pk, student_no=s.student_no, name=s.name, gender=s.gender) for s in students]


@api.get("/students/{student_id}", response=responses(StudentOut), tags=["学生"], auth=api_roles(*ALL_ROLES))
def student(request: HttpRequest, student_id: int) -> StudentOut:
    s = get_object_or_404(students_visible_to(request.user), pk=student_id)
    return StudentOut(id=s.pk, student_no=s.student_no, name=s.name, gender=s.gender)


@api.get("/students/{student_id}/trajectory", response=responses(list[TrajectoryOut]), tags=["学生"], auth=api_roles(*ALL_ROLES))
def student_trajectory(request: HttpRequest, student_id: int) -> list[TrajectoryOut]:
    s = get_object_or_404(students_visible_to(request.user), pk=student_id)
    term = Term.current()
    if term is None:
        return []
    if roles_of(request.user, term) & STAFF_ROLES:
        points = trajectory(request.user, s, term)
    else:  # students and parents: their own scores only, as on their pages
        points = score_trajectory(request.user, s, term, with_class_median=False)
    return [TrajectoryOut(**p.__dict__) for p in points]


@api.get("/knowledge-points", response=responses(list[KnowledgePointOut]), tags=["课程"], auth=api_roles(*STAFF_ROLES))
def knowledge_points(request: HttpRequest, subject: str = "math", grade: int | None = None) -> list[KnowledgePointOut]:
    subj = get_object_or_404(Subject, code=subject)
    qs = leaf_kps(subj).prefetch_related("prerequisites")
    if grade:
        qs = qs.filter(grade_level=grade)
    return [
        KnowledgePointOut(id=k.pk, code=k.code, name=k.name, grade_level=k.grade_level, semester=k.semester,
                          prerequisites=[p.code for p in k.prerequisites.all()])
        for k in qs
    ]


from yincai.api.automation import register as register_automation  # noqa: E402
from yincai.support.api import register as register_support  # noqa: E402

register_support(api)
register_automation(api)
