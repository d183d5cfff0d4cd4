"""No lost updates (issue 16, item 4): a save based on a stale version is refused with 已被他人修改, shows the
other change (who, when, current values next to yours) and writes nothing — plans, reviews, tiers, blueprints."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.assessment.models import Assessment
from yincai.assessment.services import AssessmentRefused, BlueprintRow, blueprint_save
from yincai.insight.models import TierDecision, TierProposal
from yincai.insight.services import tier_decide
from yincai.insight.tests.helpers import client_for, recompute_grade3
from yincai.oversight.concurrency import StaleEdit, check_version, parse_version
from yincai.school.models import Staff, Subject
from yincai.support import services as svc
from yincai.support.models import PlanReview, SupportPlan

pytestmark = pytest.mark.django_db


def _plan(p: Personas) -> SupportPlan:
    hu = Staff.objects.get(user__username="hu")
    return SupportPlan.objects.create(student=p.alice, term=p.term, subject=Subject.objects.get(code="math"),
                                      responsible=hu, created_by=hu, next_review=p.term.end_date, measures="每周两次")


def _edit(plan: SupportPlan, who: str, measures: str, version: int | None) -> SupportPlan:
    staff = Staff.objects.get(user__username=who)
    return svc.plan_update(plan=plan, author=staff, causes=[], cause_notes="", measures=measures, family_note="",
                           responsible=plan.responsible, review_every_days=14, version=version)


def test_the_second_of_two_edits_based_on_the_same_version_is_refused_and_writes_nothing(personas: Personas) -> None:
    plan = _plan(personas)
    seen_by_a, seen_by_b = SupportPlan.objects.get(pk=plan.pk), SupportPlan.objects.get(pk=plan.pk)
    _edit(seen_by_a, "hu", "A：课后辅导 每周三次", version=seen_by_a.version)
    assert SupportPlan.objects.get(pk=plan.pk).version == 2
    with pytest.raises(StaleEdit) as refused:
        _edit(seen_by_b, "wang", "B：家长陪练口算", version=seen_by_b.version)
    message = refused.value.messages[0]
    assert message.startswith("已被他人修改")
    assert "当前「A：课后辅导 每周三次」" in message and "您的「B：家长陪练口算」" in message
    assert refused.value.change.version == 2 and refused.value.change.at is not None
    stored = SupportPlan.objects.get(pk=plan.pk)
    assert (stored.measures, stored.version) == ("A：课后辅导 每周三次", 2)
    # based on the current version, B's edit goes through
    _edit(stored, "wang", "B：家长陪练口算", version=2)
    assert SupportPlan.objects.get(pk=plan.pk).measures == "B：家长陪练口算"


def test_a_review_based_on_a_stale_plan_is_refused(personas: Personas) -> None:
    plan = _plan(personas)
    hu = Staff.objects.get(user__username="hu")
    svc.review_add(plan=plan, author=hu, kind="biweekly", content="进步明显", status_after="achieved", version=1)
    stale = SupportPlan.objects.get(pk=plan.pk)
    stale.version = 1
    with pytest.raises(StaleEdit, match="已被他人修改"):
        svc.review_add(plan=stale, author=hu, kind="biweekly", content="仍需巩固", status_after="active", version=1)
    assert list(PlanReview.objects.filter(plan=plan).values_list("content", flat=True)) == ["进步明显"]
    assert SupportPlan.objects.get(pk=plan.pk).status == "achieved"


def test_the_plan_page_posts_its_version_and_shows_the_refusal(personas: Personas) -> None:
    plan = _plan(personas)
    client = client_for(personas, "hu")
    page = client.get(f"/support/plans/{plan.pk}/").content.decode()
    assert 'name="version" value="1"' in page
    form = {"responsible": str(plan.responsible_id), "review_every_days": "14", "measures": "A 的措施", "version": "1"}
    assert client.post(f"/support/plans/{plan.pk}/edit/", form).status_code == 302
    response = client.post(f"/support/plans/{plan.pk}/edit/", form | {"measures": "B 的措施"}, follow=True)
    text = response.content.decode()
    assert "已被他人修改" in text and "当前「A 的措施」" in text and "您的「B 的措施」" in text
    assert f"{Staff.objects.get(user__username='hu').name} 于" in text  # who saved it (from the audit log)
    assert SupportPlan.objects.get(pk=plan.pk).measures == "A 的措施"
    missing = client.post(f"/support/plans/{plan.pk}/edit/", form | {"version": "", "measures": "C"}, follow=True)
    assert "缺少版本号" in missing.content.decode() and SupportPlan.objects.get(pk=plan.pk).measures == "A 的措施"


def test_a_tier_decision_based_on_a_stale_decision_or_proposal_is_refused(personas: Personas) -> None:
    recompute_grade3(personas)
    proposal = TierProposal.objects.get(student=personas.alice, round="initial")
    other = "advanced" if proposal.tier != "advanced" else "core"
    kw = dict(student=personas.alice, term=personas.term, subject=proposal.subject, round="initial")
    head = personas.user(Role.HEAD_TEACHER)
    first = tier_decide(**kw, tier=other, talent=False, reason="竞赛获奖", user=head, proposal_id=proposal.pk, version=0)
    assert first.version == 1
    with pytest.raises(StaleEdit) as refused:
        tier_decide(**kw, tier=proposal.tier, talent=False, reason="", user=personas.user(Role.SUBJECT_TEACHER),
                    proposal_id=proposal.pk, version=0)
    assert "已被他人修改" in refused.value.messages[0] and refused.value.change.version == 1
    assert TierDecision.objects.filter(student=personas.alice).count() == 1
    with pytest.raises(StaleEdit, match="新的分层建议"):
        tier_decide(**kw, tier=other, talent=False, reason="x", user=head, proposal_id=proposal.pk + 10_000, version=1)
    second = tier_decide(**kw, tier=proposal.tier, talent=bool(proposal.talent), reason="", user=head,
                         proposal_id=proposal.pk, version=1)
    assert second.version == 2 and TierDecision.objects.filter(student=personas.alice).count() == 2


def test_a_blueprint_saved_over_a_stale_table_is_refused(personas: Personas) -> None:
    a = Assessment.objects.create(term=personas.term, grade=personas.class31.grade, kind="unit", name="并发",
                                  subject=Subject.objects.get(code="math"), date=datetime.date.today(),
                                  school_class=personas.class31)
    ma = personas.users["ma"]
    blueprint_save(user=ma, assessment=a, rows=[BlueprintRow(label="1", max_score="5")], version=1)
    stale = Assessment.objects.get(pk=a.pk)
    stale.version = 1
    with pytest.raises(AssessmentRefused) as refused:
        blueprint_save(user=ma, assessment=stale, rows=[BlueprintRow(label="1", max_score="8")], version=1)
    assert "已被他人修改" in str(refused.value) and "当前「5分」" in str(refused.value) and "您的「8分」" in str(refused.value)
    assert list(a.items.values_list("max_score", flat=True)) == [5]
    assert Assessment.objects.get(pk=a.pk).version == 2


def test_the_helper_accepts_internal_callers_and_refuses_garbled_versions(personas: Personas) -> None:
    plan = _plan(personas)
    check_version(plan, None)  # CLI and tests that do not edit from a form
    check_version(plan, 1)
    with pytest.raises(ValidationError, match="缺少版本号"):
        parse_version("abc")
    with pytest.raises(StaleEdit):
        check_version(plan, 7)
