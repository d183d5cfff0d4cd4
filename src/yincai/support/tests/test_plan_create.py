"""一人一案: the pre-filled template, creating a plan, goal progress from new scores, the family's view."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.personas import Personas
from yincai.oversight.models import AuditLog
from yincai.school.models import Subject
from yincai.support import services as svc
from yincai.support.models import PlanGoal, PointsEntry, ProgressEntry, SupportPlan
from yincai.support.selectors import goal_progress, kp_rates
from yincai.support.tests.helpers import add_assessment, client_for, persona_kps, staff

pytestmark = pytest.mark.django_db


def _math() -> Subject:
    return Subject.objects.get(code="math")


def test_kp_rates_come_from_item_scores_weakest_first(personas: Personas) -> None:
    kps = persona_kps(personas)
    rates = kp_rates(personas.alice, personas.term, _math())
    # alice scored 0, 1, 2, 3 of 5 on the four items
    assert [(r.kp_id, r.rate) for r in rates] == [(kps[0].pk, 0.0), (kps[1].pk, 20.0), (kps[2].pk, 40.0), (kps[3].pk, 60.0)]


def test_absent_items_are_left_out_not_counted_as_zero(personas: Personas) -> None:
    kps = persona_kps(personas)
    a = add_assessment(personas, {personas.alice: [5, 5, 5, 5]})
    a.items.get(label="1").scores.filter(student=personas.alice).update(state="absent", score=None)
    rate = {r.kp_id: r.rate for r in kp_rates(personas.alice, personas.term, _math())}
    assert rate[kps[0].pk] == 0.0  # only the first assessment counts for KP 0
    assert rate[kps[1].pk] == 60.0  # (1 + 5) / 10


def test_the_template_is_prefilled_with_the_weakest_kps(personas: Personas) -> None:
    draft = svc.plan_template(student=personas.alice, subject=_math(), term=personas.term)
    kps = persona_kps(personas)
    assert [g.knowledge_point for g in draft.goals] == kps[:3]
    assert draft.goals[0].target_rate == 60 and draft.goals[0].baseline_rate == 0.0
    assert "当前得分率 0%" in draft.goals[0].evidence
    assert draft.kind == "catch_up" and "student_foundation" in draft.causes


def test_it_creates_a_plan_with_goals_timeline_and_audit(personas: Personas) -> None:
    hu = staff("hu")
    draft = svc.plan_template(student=personas.alice, subject=_math(), term=personas.term)
    plan = svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu,
                           causes=["student_foundation", "family_parenting"], goals=draft.goals)
    assert plan.goals.count() == 3
    assert plan.next_review == timezone.localdate() + datetime.timedelta(days=14)
    assert ProgressEntry.objects.filter(plan=plan, kind="plan").exists()
    assert AuditLog.objects.filter(model="support.SupportPlan", object_id=str(plan.pk)).exists()


def test_an_unknown_cause_is_refused_and_nothing_is_written(personas: Personas) -> None:
    hu = staff("hu")
    before = SupportPlan.objects.count(), PlanGoal.objects.count()
    draft = svc.plan_template(student=personas.alice, subject=_math(), term=personas.term)
    with pytest.raises(ValidationError, match="未知的原因类别"):
        svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu,
                        causes=["lazy"], goals=draft.goals)
    assert (SupportPlan.objects.count(), PlanGoal.objects.count()) == before


def test_goal_progress_updates_after_a_new_assessment_and_earns_points_once(personas: Personas) -> None:
    hu = staff("hu")
    kp0 = persona_kps(personas)[0]
    plan = svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu,
                           goals=[svc.GoalSpec("口算得分率 ≥ 80%", timezone.localdate() + datetime.timedelta(days=30),
                                               kp0, 80)])
    (progress,) = goal_progress(plan)
    assert progress.current == 0.0 and not progress.met and progress.percent == 0
    add_assessment(personas, {personas.alice: [5, 1, 1, 1]})
    (progress,) = goal_progress(plan)
    assert progress.current == 100.0 and progress.met and progress.percent == 100
    assert [p.rate for p in progress.series] == [0.0, 100.0]
    assert len(svc.goals_check(plan=plan, author=hu)) == 1
    assert svc.goals_check(plan=plan, author=hu) == []
    assert PointsEntry.objects.filter(student=personas.alice, source="goal").count() == 1


def test_a_head_teacher_creates_a_plan_from_the_form(personas: Personas) -> None:
    c = client_for(personas, "hu")
    kps = persona_kps(personas)
    page = c.get(f"/support/students/{personas.alice.pk}/plans/new/")
    assert page.status_code == 200 and kps[0].name in page.content.decode()
    due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    r = c.post(f"/support/students/{personas.alice.pk}/plans/new/", {
        "subject": "math", "kind": "catch_up", "causes": ["student_habit"], "responsible": staff("hu").pk,
        "goal_count": "2", "goal_0_use": "1", "goal_0_kp": kps[0].pk, "goal_0_description": "目标一",
        "goal_0_target": "70", "goal_0_due": due, "goal_1_kp": kps[1].pk, "goal_1_description": "不采用",
        "goal_1_target": "70", "goal_1_due": due, "measures": "每周两次辅导", "review_every_days": "14",
    })
    plan = SupportPlan.objects.get(student=personas.alice, measures="每周两次辅导")
    assert r.status_code == 302 and r["Location"] == f"/support/plans/{plan.pk}/"
    assert list(plan.goals.values_list("description", "target_rate")) == [("目标一", 70)]
    assert plan.causes == ["student_habit"]


def test_a_bad_goal_date_is_explained_in_chinese_and_nothing_is_saved(personas: Personas) -> None:
    c = client_for(personas, "hu")
    kps = persona_kps(personas)
    before = SupportPlan.objects.count()
    r = c.post(f"/support/students/{personas.alice.pk}/plans/new/", {
        "subject": "math", "responsible": staff("hu").pk, "goal_count": "1", "goal_0_use": "1",
        "goal_0_kp": kps[0].pk, "goal_0_description": "x", "goal_0_target": "70", "goal_0_due": "2026/12/20",
    })
    assert r.status_code == 200 and "格式应为 年-月-日" in r.content.decode()
    assert SupportPlan.objects.count() == before


def test_the_parent_sees_goals_but_not_internal_causes_unless_shared(personas: Personas) -> None:
    hu = staff("hu")
    plan = svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu,
                           causes=["family_parenting"], cause_notes="父母教养方式放任", family_note="请每天陪读十分钟")
    parent = client_for(personas, "pa")
    page = parent.get(f"/support/family/{personas.alice.pk}/").content.decode()
    assert "请每天陪读十分钟" in page
    assert "教养方式" not in page and "父母教养方式放任" not in page
    assert "辅差转化" not in page and "学困" not in page
    svc.plan_share_causes(plan=plan, shared=True, author=hu)
    page = parent.get(f"/support/family/{personas.alice.pk}/").content.decode()
    assert "教养方式" in page


def test_it_refuses_a_parent_of_another_child(personas: Personas) -> None:
    assert client_for(personas, "pb").get(f"/support/family/{personas.alice.pk}/").status_code == 404


def test_a_mentor_sees_only_assigned_students_plans(personas: Personas) -> None:
    hu = staff("hu")
    own = svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu)
    other = svc.plan_create(student=personas.amy, term=personas.term, subject=_math(), author=hu, responsible=hu)
    mei = client_for(personas, "mei")
    assert mei.get(f"/support/plans/{own.pk}/").status_code == 200
    assert mei.get(f"/support/plans/{other.pk}/").status_code == 404


def test_reading_a_plans_causes_is_audited(personas: Personas) -> None:
    hu = staff("hu")
    plan = svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu,
                           causes=["family_atmosphere"])
    client_for(personas, "mei").get(f"/support/plans/{plan.pk}/")
    assert AuditLog.objects.filter(action="read_sensitive", student_id=personas.alice.pk,
                                   model="帮扶计划原因分析").exists()


def test_the_goal_check_command_rewards_reached_goals_once(personas: Personas) -> None:
    from io import StringIO

    from django.core.management import call_command

    hu = staff("hu")
    kp0 = persona_kps(personas)[0]
    svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu,
                    goals=[svc.GoalSpec("口算", timezone.localdate() + datetime.timedelta(days=30), kp0, 80)])
    add_assessment(personas, {personas.alice: [5, 0, 0, 0]})
    out = StringIO()
    call_command("support_check_goals", stdout=out)
    assert "新达成目标 1 个" in out.getvalue()
    call_command("support_check_goals", stdout=StringIO())
    assert PointsEntry.objects.filter(student=personas.alice, source="goal").count() == 1


def test_the_api_lists_plans_with_goal_progress_for_staff_only(personas: Personas) -> None:
    hu = staff("hu")
    kp0 = persona_kps(personas)[0]
    svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu,
                    causes=["family_parenting"],
                    goals=[svc.GoalSpec("口算", timezone.localdate() + datetime.timedelta(days=30), kp0, 80)])
    data = client_for(personas, "mei").get(f"/api/v1/support/students/{personas.alice.pk}/plans").json()
    assert data[0]["goals"][0]["current_rate"] == 0.0 and "causes" not in data[0]
    assert client_for(personas, "pa").get(f"/api/v1/support/students/{personas.alice.pk}/plans").status_code == 403


def test_the_demo_seed_builds_plans_for_mentees_through_the_services(personas: Personas) -> None:
    from yincai.support.demo import seed_support

    counts = seed_support(term=personas.term)
    assert counts["plans"] >= 1 and counts["rewards"] == 5
    plan = SupportPlan.objects.get(student=personas.alice, term=personas.term)
    assert plan.responsible == staff("mei") and plan.goals.exists()
    assert seed_support(term=personas.term)["plans"] == 0  # idempotent


def test_a_second_running_plan_for_the_same_subject_is_refused(personas: Personas) -> None:
    hu = staff("hu")
    first = svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu)
    with pytest.raises(ValidationError, match="已有进行中的数学帮扶计划"):
        svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu)
    svc.review_add(plan=first, author=hu, kind="final", content="转化完成", status_after="closed")
    assert svc.plan_create(student=personas.alice, term=personas.term, subject=_math(), author=hu, responsible=hu)
