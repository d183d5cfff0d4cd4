"""Tiers: proposals with evidence, confirmation or override with a reason, history, audit, never for families."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.insight.models import TierDecision, TierProposal, TierRule
from yincai.insight.services import InsightError, tier_decide, tier_rule_set
from yincai.insight.tests.helpers import client_for, recompute_grade3
from yincai.oversight.models import AuditLog


def _decide(client, p: Personas, **data: str):
    proposal = TierProposal.objects.filter(student=p.alice, round="initial").first()
    latest = TierDecision.objects.filter(student=p.alice, round="initial").order_by("-version").first()
    payload = {"subject": "math", "round": "initial", "next": "/insight/", "proposal": str(proposal.pk if proposal else 0),
               "version": str(latest.version if latest else 0)} | data
    return client.post(reverse("insight:tier_decide", kwargs={"student_id": p.alice.pk}), payload)


@pytest.mark.django_db
def test_a_teacher_confirms_the_proposal_without_a_reason(personas: Personas) -> None:
    recompute_grade3(personas)
    proposal = TierProposal.objects.get(student=personas.alice, round="initial")
    client = client_for(personas, Role.HEAD_TEACHER)
    response = _decide(client, personas, tier=proposal.tier, **({"talent": "on"} if proposal.talent else {}))
    assert response.status_code == 302
    decision = TierDecision.objects.get(student=personas.alice)
    assert decision.tier == proposal.tier and not decision.is_override and decision.proposal == proposal


@pytest.mark.django_db
def test_an_override_needs_a_reason_and_is_kept_as_history(personas: Personas) -> None:
    recompute_grade3(personas)
    proposal = TierProposal.objects.get(student=personas.alice, round="initial")
    other = "advanced" if proposal.tier != "advanced" else "core"
    user = personas.user(Role.HEAD_TEACHER)
    with pytest.raises(InsightError, match="请填写理由"):
        tier_decide(student=personas.alice, term=personas.term, subject=proposal.subject, round="initial", tier=other,
                    talent=False, reason="  ", user=user)
    tier_decide(student=personas.alice, term=personas.term, subject=proposal.subject, round="initial", tier=other,
                talent=False, reason="课堂表现突出，数学竞赛获奖", user=user)
    tier_decide(student=personas.alice, term=personas.term, subject=proposal.subject, round="initial",
                tier=proposal.tier, talent=bool(proposal.talent), reason="", user=user)
    history = list(TierDecision.objects.filter(student=personas.alice).order_by("decided_at", "id"))
    assert [d.is_override for d in history] == [True, False]
    assert history[0].reason == "课堂表现突出，数学竞赛获奖"


@pytest.mark.django_db
def test_the_override_error_is_shown_in_chinese_on_the_page(personas: Personas) -> None:
    recompute_grade3(personas)
    proposal = TierProposal.objects.get(student=personas.alice, round="initial")
    other = "advanced" if proposal.tier != "advanced" else "core"
    client = client_for(personas, Role.SUBJECT_TEACHER)
    response = _decide(client, personas, tier=other)
    assert not TierDecision.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "改动系统建议" in page and "请填写理由" in page


@pytest.mark.django_db
def test_it_refuses_a_teacher_of_another_class(personas: Personas) -> None:
    recompute_grade3(personas)
    client = client_for(personas, "ma2")
    assert _decide(client, personas, tier="core").status_code == 404
    assert not TierDecision.objects.exists()


@pytest.mark.django_db
def test_reading_the_tier_list_is_audited_and_shows_the_evidence(personas: Personas) -> None:
    recompute_grade3(personas)
    client = client_for(personas, Role.HEAD_TEACHER)
    before = AuditLog.objects.filter(action="read_sensitive", model="分层").count()
    page = client.get(reverse("insight:tiers", kwargs={"class_id": personas.class31.pk})).content.decode()
    assert AuditLog.objects.filter(action="read_sensitive", model="分层").count() == before + 1
    assert "alice" in page and "bob" not in page
    proposal = TierProposal.objects.get(student=personas.alice, round="initial")
    assert f"{proposal.estimate:.2f}" in page


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT])
def test_students_and_parents_never_reach_tiers(personas: Personas, role: Role) -> None:
    recompute_grade3(personas)
    client = client_for(personas, role)
    for url in (reverse("insight:tiers", kwargs={"class_id": personas.class31.pk}),
                reverse("insight:portrait", kwargs={"student_id": personas.alice.pk})):
        assert client.get(url).status_code == 403
    own = client.get(reverse("web:me") if role == Role.STUDENT else
                     reverse("web:child_detail", kwargs={"student_id": personas.alice.pk})).content.decode()
    for word in ("培优", "学困", "边缘", "特长生"):
        assert word not in own.replace("培优辅差", "")


@pytest.mark.django_db
def test_the_school_rule_is_validated_and_kept_as_history(personas: Personas) -> None:
    client = client_for(personas, Role.ADMIN)
    url = reverse("insight:tier_rules")
    bad = client.post(url, {"subject": "math", "struggling": "60", "advanced": "15", "level": "68", "talent": "10"})
    assert "学困与培优比例须在" in bad.content.decode()
    ok = client.post(url, {"subject": "math", "grade": str(personas.class31.grade_id), "struggling": "20",
                           "advanced": "10", "level": "80", "talent": "5", "note": "结合摸底"})
    assert ok.status_code == 302
    rule = TierRule.objects.get(school=personas.school)
    assert (rule.struggling_share, rule.advanced_share, rule.level) == (0.2, 0.1, 0.8)
    tier_rule_set(school=personas.school, grade=None, subject=rule.subject, struggling_share=0.1, advanced_share=0.1,
                  level=0.68, talent_share=0.1, note="", user=None)
    assert TierRule.objects.filter(school=personas.school).count() == 2
    recompute_grade3(personas)
    assert TierProposal.objects.filter(student=personas.alice).first().rule == rule  # grade rule beats school-wide


@pytest.mark.django_db
def test_the_portrait_lists_the_history_of_decisions(personas: Personas) -> None:
    recompute_grade3(personas)
    proposal = TierProposal.objects.get(student=personas.alice, round="initial")
    other = "advanced" if proposal.tier != "advanced" else "core"
    user = personas.user(Role.HEAD_TEACHER)
    for tier, reason in ((other, "家访后调整"), (proposal.tier, "")):
        tier_decide(student=personas.alice, term=personas.term, subject=proposal.subject, round="initial", tier=tier,
                    talent=bool(proposal.talent), reason=reason, user=user)
    page = client_for(personas, Role.HEAD_TEACHER).get(
        reverse("insight:portrait", kwargs={"student_id": personas.alice.pk})).content.decode()
    assert "分层确认历史（2 条）" in page and "家访后调整" in page and "改动建议" in page


def _table_post(client, p: Personas, class_id: int, student_id: int, **row: str):
    """What the browser sends when 确认 of one row is pressed: the shared form with every row's fields."""
    page = client.get(reverse("insight:tiers", kwargs={"class_id": class_id}))
    payload = {"subject": "math", "round": "initial", "student": str(student_id)}
    if page.status_code == 200:
        import re

        html = page.content.decode()
        for name, value in re.findall(r'name="((?:proposal|version)-\d+)" value="(\d+)"', html):
            payload[name] = value
        for sid in re.findall(r'name="tier-(\d+)"', html):
            payload.setdefault(f"tier-{sid}", "core")
    payload.update({f"{k}-{student_id}": v for k, v in row.items()})
    return client.post(reverse("insight:tiers", kwargs={"class_id": class_id}), payload)


@pytest.mark.django_db
def test_the_row_button_of_the_table_decides_that_row_only(personas: Personas) -> None:
    recompute_grade3(personas)
    proposal = TierProposal.objects.get(student=personas.alice, round="initial")
    client = client_for(personas, Role.HEAD_TEACHER)
    html = client.get(reverse("insight:tiers", kwargs={"class_id": personas.class31.pk})).content.decode()
    assert f'name="tier-{personas.alice.pk}"' in html and f'name="student" value="{personas.alice.pk}"' in html
    response = _table_post(client, personas, personas.class31.pk, personas.alice.pk, tier=proposal.tier,
                           **({"talent": "on"} if proposal.talent else {}))
    assert response.status_code == 302
    assert response["Location"].endswith(f"?subject=math#tier-{personas.alice.pk}")
    decision = TierDecision.objects.get()
    assert (decision.student, decision.tier, decision.is_override) == (personas.alice, proposal.tier, False)
    again = _table_post(client, personas, personas.class31.pk, personas.alice.pk, tier="advanced" if proposal.tier !=
                        "advanced" else "core", reason="复核", version="0")  # the page now shows version 1: a stale form
    assert again.status_code == 302 and TierDecision.objects.count() == 1
    assert "已被他人修改" in client.get(again["Location"]).content.decode()


@pytest.mark.django_db
def test_the_table_refuses_other_classes_students_and_unknown_subjects(personas: Personas) -> None:
    recompute_grade3(personas)
    head = client_for(personas, Role.HEAD_TEACHER)
    assert _table_post(head, personas, personas.class31.pk, personas.bob.pk, tier="core").status_code == 404
    other_teacher = client_for(personas, "ma2")
    assert _table_post(other_teacher, personas, personas.class31.pk, personas.alice.pk, tier="core").status_code == 404
    bad_subject = head.post(reverse("insight:tiers", kwargs={"class_id": personas.class31.pk}),
                            {"subject": "nonsense", "round": "initial", "student": str(personas.alice.pk),
                             f"tier-{personas.alice.pk}": "core"})
    assert bad_subject.status_code == 404
    assert not TierDecision.objects.exists()



@pytest.mark.django_db
def test_confirm_all_confirms_unconfirmed_proposals_but_not_borderline_or_changed_ones(personas: Personas) -> None:
    recompute_grade3(personas)
    proposals = {p.student_id: p for p in TierProposal.objects.filter(round="initial")}
    alice, amy = proposals[personas.alice.pk], proposals[personas.amy.pk]
    alice.tier, amy.tier = "core", "borderline"
    alice.save(update_fields=["tier"])
    amy.save(update_fields=["tier"])
    client = client_for(personas, Role.HEAD_TEACHER)
    url = reverse("insight:tiers", kwargs={"class_id": personas.class31.pk})
    page = client.get(url).content.decode()
    assert "全部按建议确认（1 人）" in page  # alice only: amy is 边缘
    payload = {"subject": "math", "round": "initial", "action": "confirm_all"}
    for sid, p in proposals.items():
        payload |= {f"proposal-{sid}": str(p.pk), f"version-{sid}": "0"}
    done = client.post(url, payload)
    assert done.status_code == 302
    decision = TierDecision.objects.get()
    assert (decision.student, decision.tier, decision.is_override, decision.version) == (personas.alice, "core", False, 1)
    assert "已按建议确认 1 名学生；1 名边缘或数据不足的学生请逐个复核" in client.get(done["Location"]).content.decode()
    again = client.post(url, payload)  # the same (now stale) page again: alice was decided meanwhile
    assert TierDecision.objects.count() == 1
    assert "1 名学生在您打开页面后有了新建议或已被确认" in client.get(again["Location"]).content.decode()
    assert "全部按建议确认" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_confirm_all_refuses_another_class_teacher_and_skips_other_classes_students(personas: Personas) -> None:
    recompute_grade3(personas)
    payload = {"subject": "math", "round": "initial", "action": "confirm_all"}
    for p in TierProposal.objects.filter(round="initial"):
        payload |= {f"proposal-{p.student_id}": str(p.pk), f"version-{p.student_id}": "0"}
    url = reverse("insight:tiers", kwargs={"class_id": personas.class31.pk})
    assert client_for(personas, "ma2").post(url, payload).status_code == 404
    client_for(personas, Role.HEAD_TEACHER).post(url, payload)
    assert not TierDecision.objects.filter(student=personas.bob).exists()  # bob is in 三年级(2)班


@pytest.mark.django_db
def test_bad_table_posts_say_why_in_chinese_and_write_nothing(personas: Personas) -> None:
    recompute_grade3(personas)
    proposal = TierProposal.objects.get(student=personas.alice, round="initial")
    client = client_for(personas, Role.HEAD_TEACHER)
    url = reverse("insight:tiers", kwargs={"class_id": personas.class31.pk})
    sid = personas.alice.pk
    garbled = client.post(url, {"subject": "math", "round": "initial", "student": str(sid),
                                f"tier-{sid}": proposal.tier, f"proposal-{sid}": str(proposal.pk),
                                f"version-{sid}": "abc"})
    assert "表单缺少版本号" in client.get(garbled["Location"]).content.decode()
    no_round = client.post(url, {"subject": "math", "round": "spring", "action": "confirm_all",
                                 f"proposal-{sid}": str(proposal.pk), f"version-{sid}": "0"})
    assert "请选择有效的轮次" in client.get(no_round["Location"]).content.decode()
    assert not TierDecision.objects.exists()
