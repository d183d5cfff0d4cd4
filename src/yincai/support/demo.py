"""Support data for a demo school: the starting reward catalogue, a plan from the template for every mentee
(responsible: their mentor), one logged session each and a few points — all through the services, so the demo
shows exactly what teachers would have entered."""

from __future__ import annotations

import datetime

from django.utils import timezone

from yincai.school.models import MentorAssignment, Subject, Term
from yincai.support import services as svc
from yincai.support.models import SupportPlan


def seed_support(*, term: Term, subject_code: str = "math", limit: int = 60) -> dict[str, int]:
    subject = Subject.objects.get(code=subject_code)
    counts = {"rewards": 0, "plans": 0, "sessions": 0, "points": 0}
    schools = {a.mentor.school_id for a in MentorAssignment.objects.filter(term=term).select_related("mentor")}
    for school_id in schools:
        counts["rewards"] += len(svc.reward_defaults(school_id=school_id))
    today = timezone.localdate()
    for a in MentorAssignment.objects.filter(term=term).select_related("mentor", "student")[:limit]:
        if SupportPlan.objects.filter(student=a.student, term=term, subject=subject).exists():
            continue
        draft = svc.plan_template(student=a.student, subject=subject, term=term)
        svc.plan_create(student=a.student, term=term, subject=subject, author=a.mentor, responsible=a.mentor,
                               kind=draft.kind, causes=draft.causes, measures=draft.measures, goals=draft.goals)
        counts["plans"] += 1
        kps = [g.knowledge_point for g in draft.goals if g.knowledge_point is not None][:1]
        svc.session_log(teacher=a.mentor, term=term, kind="one_on_one", date=today - datetime.timedelta(days=2),
                        minutes=30, students=[a.student], knowledge_points=kps,
                        content="针对薄弱知识点的一对一讲解与变式练习", outcome="能独立完成大部分练习")
        counts["sessions"] += 1
        svc.points_award(students=[a.student], points=5, reason="辅导中认真订正", author=a.mentor, term=term)
        counts["points"] += 1
    return counts
