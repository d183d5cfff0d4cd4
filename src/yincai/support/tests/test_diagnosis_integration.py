"""With a diagnosis (insight tables), plans start from weak & root-cause KPs and groups mix the tiers."""

from __future__ import annotations

import pytest

from tests.personas import Personas
from yincai.insight.models import TierProposal, WeakKP
from yincai.oversight.models import AuditLog
from yincai.school.models import Subject
from yincai.support import services as svc
from yincai.support.tests.helpers import add_assessment, add_students, client_for, persona_kps

pytestmark = pytest.mark.django_db


def _tier(personas: Personas, student: object, tier: str) -> None:
    TierProposal.objects.create(student=student, term=personas.term, subject=Subject.objects.get(code="math"),
                                round="initial", tier=tier, point_tier=tier, low_cut=-1, high_cut=1)


def test_the_template_puts_the_diagnosed_root_cause_first(personas: Personas) -> None:
    kps = persona_kps(personas)
    math = Subject.objects.get(code="math")
    # diagnosed: KP 3 is weak, rooted in KP 2 (alice's rates: KP0 0%, KP1 20%, KP2 40%, KP3 60%)
    WeakKP.objects.create(student=personas.alice, term=personas.term, subject=math, knowledge_point=kps[3],
                          prob=0.2, root=kps[2], path=f"{kps[3].name} ← {kps[2].name}")
    draft = svc.plan_template(student=personas.alice, subject=math, term=personas.term)
    assert [g.knowledge_point for g in draft.goals] == [kps[2], kps[3], kps[0]]
    assert "诊断根源知识点" in draft.goals[0].evidence and "诊断掌握概率 0.20" in draft.goals[1].evidence


def test_an_advanced_student_gets_an_enrichment_plan(personas: Personas) -> None:
    _tier(personas, personas.alice, "advanced")
    draft = svc.plan_template(student=personas.alice, subject=Subject.objects.get(code="math"), term=personas.term)
    assert draft.kind == "enrich"


def test_the_class_board_shows_tiers_to_teachers_and_audits_the_read(personas: Personas) -> None:
    _tier(personas, personas.alice, "struggling")
    page = client_for(personas, "hu").get(f"/support/classes/{personas.class31.pk}/").content.decode()
    assert 'data-tier="struggling"' in page and "学困" in page
    assert AuditLog.objects.filter(action="read_sensitive", model="分层", object_id=str(personas.class31.pk)).exists()


def test_groups_mix_the_diagnosed_tiers(personas: Personas) -> None:
    students = add_students(personas, 10)
    add_assessment(personas, {s: [(i * 5 + j) % 6 for j in range(4)] for i, s in enumerate(students)})
    everyone = [personas.alice, personas.amy, *students]
    tiers = ["struggling", "borderline", "core", "advanced"]
    for i, s in enumerate(everyone):
        _tier(personas, s, tiers[i % 4])
    proposal = svc.grouping_propose(school_class=personas.class31, subject=Subject.objects.get(code="math"),
                                    n_groups=3)
    assert proposal.tiers_used
    by_group: dict[int, set[str]] = {}
    for s, g in zip(proposal.students, proposal.cpsat.labels, strict=True):
        by_group.setdefault(int(g), set()).add(proposal.tiers[s.pk])
    assert all(v == set(tiers) for v in by_group.values())


def test_the_tiers_follow_the_rule_of_the_diagnosis(personas: Personas) -> None:
    """tiers_for reads only tier codes; it gives what insight.selectors.current_tiers gives: the latest decision
    of the latest round, else that round's latest proposal."""
    import datetime

    from yincai.insight.models import TierDecision
    from yincai.insight.selectors import current_tiers
    from yincai.support.diagnosis import tiers_for

    math = Subject.objects.get(code="math")
    t0 = personas.term.start_date
    at = [datetime.datetime.combine(t0, datetime.time(8), tzinfo=datetime.UTC) + datetime.timedelta(days=k)
          for k in range(6)]

    def propose(student: object, rnd: str, tier: str, k: int) -> TierProposal:
        return TierProposal.objects.create(student=student, term=personas.term, subject=math, round=rnd, tier=tier,
                                           point_tier=tier, low_cut=-1, high_cut=1, created_at=at[k])

    def decide(prop: TierProposal, tier: str, k: int, version: int = 1) -> None:
        TierDecision.objects.create(proposal=prop, student=prop.student, term=personas.term, subject=math,
                                    round=prop.round, tier=tier, decided_by=personas.user("wang"), decided_at=at[k],
                                    version=version)

    a1 = propose(personas.alice, "initial", "struggling", 0)
    decide(a1, "borderline", 1)
    decide(a1, "core", 2, version=2)  # the later decision wins
    propose(personas.alice, "midterm", "advanced", 3)  # a later round's proposal outranks the earlier decision
    propose(personas.amy, "initial", "core", 0)
    propose(personas.amy, "initial", "struggling", 4)  # the later proposal wins
    b = propose(personas.bob, "midterm", "insufficient", 1)
    decide(b, "advanced", 5)
    propose(personas.dan, "initial", "insufficient", 2)
    ids = [personas.alice.pk, personas.amy.pk, personas.bob.pk, personas.dan.pk]
    expected = {sid: t["tier"] for sid, t in current_tiers(ids, personas.term, math).items() if t["tier"]}
    got = tiers_for(ids, personas.term, math)
    assert got == expected
    assert got == {personas.alice.pk: "advanced", personas.amy.pk: "struggling", personas.bob.pk: "advanced",
                   personas.dan.pk: "insufficient"}
