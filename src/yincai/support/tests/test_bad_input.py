"""Every support form answers junk with a page or a redirect (Chinese message), never a server error, and
writes nothing half-way."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.personas import Personas
from yincai.school.models import Subject
from yincai.support import services as svc
from yincai.support.models import PlanGoal, PointsEntry, SupportPlan, TutoringSession
from yincai.support.tests.helpers import client_for, staff

pytestmark = pytest.mark.django_db

JUNK = {
    "n_groups": "x", "points": "abc", "date": "31/02/2026", "due": "tomorrow", "minutes": "-5", "kind": "zzz",
    "goal_count": "99", "goal_0_use": "1", "goal_0_kp": "not-a-kp", "goal_0_target": "150", "goal_0_due": "x",
    "target_rate": "0", "kp": "999999999", "status_after": "nope", "content": "", "students": ["x", "-1"],
    "reward": "abc", "goal": "x", "item": "x", "mentor": "x", "responsible": "x", "review_every_days": "1000",
    "capacity": "9", "cost": "-1", "stock": "x", "style": "x", "interests": "x" * 500, "action": "members",
    "hand_raising_1": "9", "text": "", "title": "", "preferred": "x", "must": "a,b,c", "cannot": "?",
}


def test_junk_posts_never_cause_server_errors(personas: Personas) -> None:
    hu = staff("hu")
    plan = svc.plan_create(student=personas.alice, term=personas.term, subject=Subject.objects.get(code="math"),
                           author=hu, responsible=hu)
    program = svc.program_create(term=personas.term, leader=hu, name="智慧树")
    before = (SupportPlan.objects.count(), PlanGoal.objects.count(), TutoringSession.objects.count(),
              PointsEntry.objects.count())
    urls = [
        reverse("support:plan_new", args=[personas.alice.pk]), reverse("support:mentor_assign", args=[personas.alice.pk]),
        reverse("support:profile_save", args=[personas.alice.pk]), reverse("support:goal_add", args=[plan.pk]),
        reverse("support:review_add", args=[plan.pk]), reverse("support:plan_share", args=[plan.pk]),
        reverse("support:plan_edit", args=[plan.pk]),
        reverse("support:goals_check", args=[plan.pk]), reverse("support:session_new"),
        reverse("support:grouping", args=[personas.class31.pk]), reverse("support:grouping_save", args=[personas.class31.pk]),
        reverse("support:pairs", args=[personas.class31.pk]), reverse("support:points", args=[personas.class31.pk]),
        reverse("support:award_grant", args=[personas.class31.pk]), reverse("support:observe", args=[personas.class31.pk]),
        reverse("support:rewards"), reverse("support:meetings"), reverse("support:programs"),
        reverse("support:program", args=[program.pk]),
    ]
    c = client_for(personas, "hu")
    for url in urls:
        assert c.post(url, JUNK).status_code < 500, url
    for url in ["/support/self-goals/confirm/", "/support/meetings/actions/done/"]:
        assert c.post(url, JUNK).status_code in (302, 404), url
    student = client_for(personas, "alice")
    for url in [reverse("support:me"), reverse("support:reward_redeem")]:
        assert student.post(url, JUNK).status_code < 500, url
    assert student.post(reverse("support:me"), {"action": "pair", "preferred": "x"}).status_code < 500
    after = (SupportPlan.objects.count(), PlanGoal.objects.count(), TutoringSession.objects.count(),
             PointsEntry.objects.count())
    assert after == before
