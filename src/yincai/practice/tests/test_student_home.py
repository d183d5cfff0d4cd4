from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.personas import Personas
from yincai.school.models import Staff, Subject
from yincai.support.models import PlanGoal, SelfGoal, SupportPlan

pytestmark = pytest.mark.django_db


def test_student_page_shows_own_goals_only(personas: Personas) -> None:
    hu = Staff.objects.get(user__username="hu")
    math = Subject.objects.get(code="math")
    end = personas.term.end_date
    for student, text in ((personas.alice, "乘法口诀全对"), (personas.bob, "bob 的目标")):
        plan = SupportPlan.objects.create(student=student, term=personas.term, subject=math, responsible=hu,
                                          created_by=hu, next_review=end)
        PlanGoal.objects.create(plan=plan, description=text, due=end)
    closed = SupportPlan.objects.create(student=personas.alice, term=personas.term, subject=math, responsible=hu,
                                        created_by=hu, next_review=end, status="closed")
    PlanGoal.objects.create(plan=closed, description="旧计划的目标", due=end)
    SelfGoal.objects.create(student=personas.alice, term=personas.term, text="每天口算", due=end)
    c = Client()
    c.force_login(personas.users["alice"])
    page = c.get(reverse("practice:me")).content.decode()
    assert "乘法口诀全对" in page and "每天口算" in page
    assert "bob 的目标" not in page and "旧计划的目标" not in page
    assert "今日练习" in page and "错题本" in page and "排名" not in page.replace("不公开排名", "")
    pa = Client()
    pa.force_login(personas.users["pa"])
    assert pa.get(reverse("practice:me")).status_code == 403
