"""Recommended layer from the diagnosis (tier, talent, KP mastery fallback), choosing upward only, and the
per-student extras (plan goals' KPs, due wrong-book variants) counted in minutes."""

from __future__ import annotations

import pytest

from yincai.homework import services as svc
from yincai.homework import wrongbook
from yincai.homework.tests.conftest import bank, day, homework, staff
from yincai.insight.models import KPMastery, TierDecision, TierProposal
from yincai.support.models import PlanGoal, SupportPlan

pytestmark = pytest.mark.django_db


def _proposal(p, student, subject, tier, talent=()):
    return TierProposal.objects.create(student=student, term=p.term, subject=subject, round="initial", tier=tier,
                                       point_tier=tier, talent=list(talent), low_cut=0.2, high_cut=0.8)


def _kp(p, math):
    from yincai.curriculum.models import KnowledgePoint

    return KnowledgePoint.objects.filter(subject=math, grade_level=3, is_unit=False).order_by("order").first()


def test_layers_follow_the_tier(personas, math) -> None:
    _proposal(personas, personas.alice, math, "struggling")
    _proposal(personas, personas.amy, math, "advanced")
    hw = homework(personas, math)
    svc.item_add(homework=hw, bank_item=bank(personas, math, "题1", "", "5"), layer="basic")
    recs = {a.student_id: a for a in hw.assignments.all()}
    assert recs[personas.alice.pk].recommended_layer == "basic" and "学困" in recs[personas.alice.pk].recommendation_reason
    assert recs[personas.amy.pk].recommended_layer == "challenge" and "培优" in recs[personas.amy.pk].recommendation_reason


def test_a_confirmed_decision_and_talent_win(personas, math) -> None:
    _proposal(personas, personas.alice, math, "struggling")
    TierDecision.objects.create(student=personas.alice, term=personas.term, subject=math, round="initial", tier="core",
                                decided_by=personas.users["hu"])
    _proposal(personas, personas.amy, math, "core", talent=["compute"])
    recs = svc.recommend(homework(personas, math), [personas.alice, personas.amy])
    assert recs[personas.alice.pk].layer == "extended"
    assert recs[personas.amy.pk].layer == "challenge" and "特长生" in recs[personas.amy.pk].reason


def test_without_a_tier_the_kp_mastery_decides(personas, math) -> None:
    kp = _kp(personas, math)
    hw = homework(personas, math)
    svc.item_add(homework=hw, bank_item=bank(personas, math, "题", "", "5", kps=[kp]), layer="basic")
    for student, prob in ((personas.alice, 0.9), (personas.amy, 0.3)):
        KPMastery.objects.create(student=student, knowledge_point=kp, term=personas.term, method="tracker", prob=prob,
                                 lower=prob - 0.1, upper=min(1, prob + 0.1))
    recs = svc.recommend(hw, [personas.alice, personas.amy])
    assert recs[personas.alice.pk].layer == "challenge" and "90%" in recs[personas.alice.pk].reason
    assert recs[personas.amy.pk].layer == "basic" and "30%" in recs[personas.amy.pk].reason


def test_students_may_choose_upward_only(personas, math) -> None:
    _proposal(personas, personas.alice, math, "core")
    hw = homework(personas, math)
    for layer in ("basic", "extended", "challenge"):
        svc.item_add(homework=hw, bank_item=bank(personas, math, f"{layer}", "", "5"), layer=layer)
    svc.homework_publish(homework=hw, by=staff("ma"))
    a = hw.assignments.get(student=personas.alice)
    with pytest.raises(svc.HomeworkError, match="不能低于推荐的营养加餐"):
        svc.layer_choose(assignment=a, layer="basic")
    svc.layer_choose(assignment=a, layer="challenge")
    a.refresh_from_db()
    assert a.chosen_layer == "challenge" and a.estimated_minutes == 15


def test_plan_goal_and_due_wrongbook_variants_are_added_and_counted(personas, math) -> None:
    from yincai.curriculum.models import KnowledgePoint

    goal_kp = KnowledgePoint.objects.get(subject=math, code="M2A08")  # served by the times-table generator
    plan = SupportPlan.objects.create(student=personas.alice, term=personas.term, subject=math,
                                      responsible=staff("hu"), created_by=staff("hu"), next_review=day(personas, 30))
    PlanGoal.objects.create(plan=plan, knowledge_point=goal_kp, description="乘法口诀", due=day(personas, 40))
    wrong = bank(personas, math, "23 × 4 =", "92", "1", auto=True)
    entry = wrongbook.entry_add(student=personas.alice, subject=math, today=day(personas, 0), bank_item=wrong,
                                reason="calculation")
    assert entry.pending_variant is not None and entry.next_due == day(personas, 1)
    hw = homework(personas, math, date=day(personas, 1))
    svc.item_add(homework=hw, bank_item=bank(personas, math, "题", "", "5"), layer="basic")
    a = hw.assignments.get(student=personas.alice)
    extras = list(a.extra_items.all())
    assert entry.pending_variant in extras
    assert any(goal_kp in b.knowledge_points.all() for b in extras)
    assert a.estimated_minutes == 5 + sum(b.minutes for b in extras)
    assert not hw.assignments.get(student=personas.amy).extra_items.exists()
