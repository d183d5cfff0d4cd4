"""家校协同 data for a demo school, through the services: guardians' consent for the family profiles and
counselling notes the demo holds, a 闪光时刻 on each first class's 荣誉墙 (its child has no photo/name
consent yet, so it shows anonymised), a school lecture and one 家长座谈会 per first class, and the four
questionnaire templates (draft)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from yincai.accounts.roles import Role
from yincai.homeschool import consent, parentschool, surveys
from yincai.school.models import FamilyProfile, GuardianLink, PsychNote, SchoolClass, StaffRole, Term


def seed_homeschool(*, term: Term) -> dict[str, int]:
    from yincai.support.services import award_grant

    counts = {"consents": 0, "awards": 0, "workshops": 0, "surveys": 0}
    purposes = [("family", FamilyProfile.objects.values("student")), ("psych", PsychNote.objects.values("student"))]
    for purpose, students in purposes:
        for link in GuardianLink.objects.filter(student__in=students, is_primary=True).select_related(
                "student", "guardian"):
            consent.consent_set(student=link.student, guardian=link.guardian, purpose=purpose, granted=True)
            counts["consents"] += 1
    now = timezone.now()
    admin = StaffRole.objects.filter(term=term, role=Role.ADMIN).select_related("staff").first()
    for klass in SchoolClass.objects.filter(term=term, number=1).select_related("grade"):
        head = klass.head_teacher
        first = klass.enrolments.select_related("student").order_by("student__student_no").first()
        if head is None or first is None:
            continue
        award_grant(student=first.student, kind="highlight", citation="主动帮助同学订正错题", author=head, term=term)
        counts["awards"] += 1
        parentschool.workshop_create(author=head, term=term, kind="forum", topic=f"{klass.name}后进生家长专题座谈会",
                                     starts_at=now + datetime.timedelta(days=7), place=f"{klass.name}教室",
                                     speaker=head.name, school_class=klass)
        counts["workshops"] += 1
    if admin is not None:
        parentschool.workshop_create(author=admin.staff, term=term, kind="lecture", topic="亲子沟通技巧与学习习惯培养",
                                     starts_at=now + datetime.timedelta(days=10), place="学校报告厅",
                                     speaker="心理健康教育中心")
        counts["workshops"] += 1
        for key, spec in surveys.TEMPLATES.items():
            surveys.questionnaire_create(author=admin.staff, term=term, title=spec["title"],
                                         audiences=list(spec["audience"]), anonymous=True, template=key)
            counts["surveys"] += 1
    return counts
