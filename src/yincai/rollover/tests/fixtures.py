"""A small two-term school for the rollover tests: an earlier term, and the term being rolled over.

升级小学: term 1 (the one rolled over) has 五年级(1)(2)班 and 六年级(1)班, three students each, a math test
with item scores. Staff: rz_admin (admin), rz_xinli (counsellor), rz_hu heads 五年级(1)班 and teaches its
语文, rz_ma teaches math in 五年级(1)班 and 六年级(1)班, rz_lin leads 五年级, rz_mei mentors a 五年级 student.
Guardians: rz_p6 is the parent of a 六年级 child only; rz_p56 has a child in 五年级 and one in 六年级.
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
    Grade,
    Guardian,
    GuardianLink,
    MentorAssignment,
    School,
    SchoolClass,
    Staff,
    StaffRole,
    Student,
    Term,
)


@dataclass
class TwoTermSchool:
    school: School
    earlier: Term
    term: Term
    users: dict[str, object]
    students: dict[str, Student]  # student_no → student
    assessment: Assessment
    kp_names: list[str]


def build_two_term_school(*, start: datetime.date, end: datetime.date) -> TwoTermSchool:
    user_model = get_user_model()
    hashed = make_password("rollover-pass")
    school = School.objects.create(name="升级小学", code="ROLL")
    earlier = Term.objects.create(school=school, name="上一学期", start_date=start - datetime.timedelta(days=200),
                                  end_date=start - datetime.timedelta(days=60))
    term = Term.objects.create(school=school, name="本学期", start_date=start, end_date=end)
    subjects = ensure_subjects()
    math = subjects["math"]
    ensure_math_abilities(math)
    load_kp_tree(subject=math)
    g5 = Grade.objects.create(school=school, level=5)
    g6 = Grade.objects.create(school=school, level=6)
    c51 = SchoolClass.objects.create(term=term, grade=g5, number=1)
    c52 = SchoolClass.objects.create(term=term, grade=g5, number=2)
    c61 = SchoolClass.objects.create(term=term, grade=g6, number=1)
    users: dict[str, object] = {}

    def user(name: str) -> object:
        users[name] = user_model.objects.create(username=name, password=hashed)
        return users[name]

    def staff(name: str, *roles: dict) -> Staff:
        s = Staff.objects.create(user=user(name), school=school, name=name)
        for r in roles:
            StaffRole.objects.create(staff=s, term=term, **r)
        return s

    staff("rz_admin", {"role": Role.ADMIN})
    staff("rz_xinli", {"role": Role.COUNSELOR})
    staff("rz_hu", {"role": Role.HEAD_TEACHER, "school_class": c51},
          {"role": Role.SUBJECT_TEACHER, "school_class": c51, "subject": subjects["chinese"]})
    staff("rz_ma", {"role": Role.SUBJECT_TEACHER, "school_class": c51, "subject": math},
          {"role": Role.SUBJECT_TEACHER, "school_class": c61, "subject": math})
    staff("rz_lin", {"role": Role.GRADE_LEAD, "grade": g5})
    mei = staff("rz_mei", {"role": Role.MENTOR})
    students: dict[str, Student] = {}
    for klass, prefix in ((c51, "2021010"), (c52, "2021020"), (c61, "2020010")):
        for k in range(1, 4):
            no = f"{prefix}{k}"
            s = Student.objects.create(user=user(f"s{no}"), school=school, student_no=no, name=f"学生{no[-4:]}",
                                       gender="M" if k % 2 else "F")
            Enrolment.objects.create(student=s, term=term, school_class=klass)
            students[no] = s
    MentorAssignment.objects.create(term=term, mentor=mei, student=students["20210101"])
    for gname, children in (("rz_p6", ["20200101"]), ("rz_p56", ["20210102", "20200102"])):
        g = Guardian.objects.create(user=user(gname), name=gname)
        for no in children:
            GuardianLink.objects.create(guardian=g, student=students[no], relation="mother", is_primary=True)
    kps = list(KnowledgePoint.objects.filter(subject=math, grade_level=5, semester="上", is_unit=False)[:4])
    assessment = Assessment.objects.create(term=term, grade=g5, subject=math, kind="unit", name="五年级数学单元测试",
                                           date=start + datetime.timedelta(days=30))
    fifth = [s for no, s in students.items() if no.startswith("2021")]
    for j in range(8):
        item = Item.objects.create(assessment=assessment, label=str(j + 1), order=j + 1, max_score=Decimal(4))
        item.knowledge_points.set([kps[j % 4]])
        for k, s in enumerate(fifth):
            ItemScore.objects.create(item=item, student=s, score=Decimal((j * 3 + k * 5) % 5))
    return TwoTermSchool(school, earlier, term, users, students, assessment, [kp.name for kp in kps])
