"""The named people every test uses. Their relationships are fixed, so a permission test is one line of intent.

- wang (admin) runs the school; lin (grade_lead) leads grade 3; hu (head_teacher) heads 三年级(1)班;
  ma (subject_teacher) teaches math in 三年级(1)班 only; mei (mentor) mentors alice;
  zhou (counselor) is the counsellor; alice (student) is in 三年级(1)班; pa (parent) is alice's mother.
- Strangers to most of them: bob in 三年级(2)班 (pb is his father, ma2 teaches him math) and dan in
  四年级(1)班 (nobody but the school-wide roles relates to dan).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from yincai.accounts.roles import Role
from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.curriculum.models import KnowledgePoint
from yincai.curriculum.services import ensure_math_abilities, ensure_subjects, load_kp_tree
from yincai.school.models import (
    Enrolment,
    FamilyProfile,
    Grade,
    Guardian,
    GuardianLink,
    MentorAssignment,
    PsychNote,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    Term,
)

PASSWORD = "persona-pass-2026"


@dataclass
class Personas:
    school: School
    term: Term
    prev_term: Term
    class31: SchoolClass
    class32: SchoolClass
    class41: SchoolClass
    users: dict[str, object]  # role value or persona name → User
    alice: Student
    amy: Student
    bob: Student
    dan: Student
    math_assessment: Assessment
    other_assessment: Assessment  # grade 4, dan's

    def user(self, role: Role | str) -> object:
        return self.users[str(role)]


def build_personas() -> Personas:
    user_model = get_user_model()
    hashed = make_password(PASSWORD)
    school = School.objects.create(name="测试小学", code="TEST")
    today = datetime.date.today()
    term = Term.objects.create(school=school, name="本学期", start_date=today - datetime.timedelta(days=60),
                               end_date=today + datetime.timedelta(days=60))
    prev = Term.objects.create(school=school, name="上学期", start_date=today - datetime.timedelta(days=250),
                               end_date=today - datetime.timedelta(days=90))
    subjects = ensure_subjects()
    math = subjects["math"]
    ensure_math_abilities(math)
    load_kp_tree(subject=math)
    g3 = Grade.objects.create(school=school, level=3)
    g4 = Grade.objects.create(school=school, level=4)
    c31 = SchoolClass.objects.create(term=term, grade=g3, number=1)
    c32 = SchoolClass.objects.create(term=term, grade=g3, number=2)
    c41 = SchoolClass.objects.create(term=term, grade=g4, number=1)
    users: dict[str, object] = {}

    def make_user(name: str, *, superuser: bool = False) -> object:
        u = user_model.objects.create(username=name, password=hashed, is_staff=superuser, is_superuser=superuser)
        users[name] = u
        return u

    def staff(name: str, *roles: dict, superuser: bool = False) -> Staff:
        s = Staff.objects.create(user=make_user(name, superuser=superuser), school=school, name=name)
        for r in roles:
            StaffRole.objects.create(staff=s, term=term, **r)
        return s

    def student(name: str, no: str, klass: SchoolClass) -> Student:
        s = Student.objects.create(user=make_user(name), school=school, student_no=no, name=name, gender="F",
                                   birth_date=datetime.date(2017, 5, 1))
        Enrolment.objects.create(student=s, term=term, school_class=klass)
        return s

    staff("wang", {"role": Role.ADMIN}, superuser=True)
    staff("lin", {"role": Role.GRADE_LEAD, "grade": g3})
    staff("hu", {"role": Role.HEAD_TEACHER, "school_class": c31},
          {"role": Role.SUBJECT_TEACHER, "school_class": c31, "subject": subjects["chinese"]})
    staff("ma", {"role": Role.SUBJECT_TEACHER, "school_class": c31, "subject": math})
    staff("ma2", {"role": Role.SUBJECT_TEACHER, "school_class": c32, "subject": math})
    mei = staff("mei", {"role": Role.MENTOR})
    zhou = staff("zhou", {"role": Role.COUNSELOR})
    alice = student("alice", "20240101", c31)
    amy = student("amy", "20240102", c31)
    bob = student("bob", "20240201", c32)
    dan = student("dan", "20230101", c41)
    MentorAssignment.objects.create(term=term, mentor=mei, student=alice)
    for gname, child, relation in (("pa", alice, "mother"), ("pb", bob, "father")):
        g = Guardian.objects.create(user=make_user(gname), name=gname, phone="13800000000")
        GuardianLink.objects.create(guardian=g, student=child, relation=relation, is_primary=True)
    FamilyProfile.objects.create(student=alice, structure="双亲", notes="测试用家庭情况")
    FamilyProfile.objects.create(student=dan, structure="单亲", notes="dan 的家庭情况")
    PsychNote.objects.create(student=alice, author=zhou, content="测试用心理记录")
    from yincai.homeschool.models import ConsentRecord

    # alice's mother consented to both records (PIPL art. 31)
    for purpose in ("family", "psych"):
        ConsentRecord.objects.create(student=alice, guardian=Guardian.objects.get(user__username="pa"),
                                     purpose=purpose, granted=True)
    # role value → the persona holding it, so tests can ask personas.user(Role.MENTOR)
    for role, name in ((Role.ADMIN, "wang"), (Role.GRADE_LEAD, "lin"), (Role.HEAD_TEACHER, "hu"),
                       (Role.SUBJECT_TEACHER, "ma"), (Role.MENTOR, "mei"), (Role.COUNSELOR, "zhou"),
                       (Role.STUDENT, "alice"), (Role.PARENT, "pa")):
        users[str(role)] = users[name]
    kps = list(KnowledgePoint.objects.filter(subject=math, grade_level=3, semester="上", is_unit=False)[:4])

    def assessment(grade: Grade, name: str, students: list[Student]) -> Assessment:
        a = Assessment.objects.create(term=term, grade=grade, subject=math, kind="unit", name=name,
                                      date=today - datetime.timedelta(days=10))
        for j in range(4):
            item = Item.objects.create(assessment=a, label=str(j + 1), order=j + 1, max_score=Decimal(5))
            item.knowledge_points.set([kps[j]])
            for k, s in enumerate(students):
                ItemScore.objects.create(item=item, student=s, score=Decimal((j + k) % 6))
        return a

    math_assessment = assessment(g3, "三年级数学单元测试", [alice, amy, bob])
    other = assessment(g4, "四年级数学单元测试", [dan])
    return Personas(school, term, prev, c31, c32, c41, users, alice, amy, bob, dan, math_assessment, other)
