"""The 教导处 dashboard, its drill-down and the tier transitions, on confirmed tiers of the personas."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import Personas
from yincai.evaluation.dashboard import dashboard, transitions
from yincai.insight.models import TierDecision, TierProposal
from yincai.school.models import Subject

pytestmark = pytest.mark.django_db


def _tier(p: Personas, student, rnd: str, tier: str, *, confirm: bool = True) -> None:
    math = Subject.objects.get(code="math")
    prop = TierProposal.objects.create(student=student, term=p.term, subject=math, round=rnd, tier=tier,
                                       point_tier=tier, low_cut=0.3, high_cut=0.9)
    if confirm:
        TierDecision.objects.create(proposal=prop, student=student, term=p.term, subject=math, round=rnd, tier=tier,
                                    decided_by=p.user("wang"))


@pytest.fixture
def moves(personas: Personas) -> Personas:
    _tier(personas, personas.alice, "initial", "struggling")
    _tier(personas, personas.alice, "midterm", "core")  # converted, moved up
    _tier(personas, personas.amy, "initial", "core")
    _tier(personas, personas.amy, "midterm", "core", confirm=False)  # a proposal only: not a transition
    _tier(personas, personas.bob, "initial", "core")
    _tier(personas, personas.bob, "midterm", "struggling")  # moved down
    _tier(personas, personas.dan, "initial", "struggling")
    _tier(personas, personas.dan, "midterm", "struggling")
    return personas


def test_figures_follow_confirmed_tiers_and_visibility(moves: Personas) -> None:
    math = Subject.objects.get(code="math")
    board = dashboard(moves.user("wang"), term=moves.term, subject=math)
    school = board.school
    assert school.students["converted"] == {moves.alice.pk}
    assert school.students["moved_up"] == {moves.alice.pk} and school.students["moved_down"] == {moves.bob.pk}
    assert school.students["struggling_initial"] == {moves.alice.pk, moves.dan.pk}
    assert school.conversion_rate == 0.5
    assert school.unconfirmed == 1  # amy's midterm proposal
    grade3 = board.grades[0][0]
    assert grade3.conversion_rate == 1.0 and board.grades[1][0].conversion_rate == 0.0
    lead = dashboard(moves.user("lin"), term=moves.term, subject=math)
    assert [g.label for g, _ in lead.grades] == ["三年级"]
    assert moves.dan.pk not in lead.school.students["struggling_initial"]


def test_pages_and_drill_down(moves: Personas) -> None:
    admin = Client()
    admin.force_login(moves.user("wang"))
    page = admin.get("/evaluation/?subject=math").content.decode()
    assert "转化率" in page and "三年级" in page and "四年级" in page
    drill = admin.get(f"/evaluation/figure/?subject=math&figure=converted&grade={moves.class31.grade_id}")
    assert drill.status_code == 200 and "alice" in drill.content.decode() and "dan" not in drill.content.decode()
    assert admin.get("/evaluation/figure/?subject=math&figure=nonsense").status_code == 400
    lead = Client()
    lead.force_login(moves.user("lin"))
    # a grade lead asking for another grade's students gets nobody
    other = lead.get(f"/evaluation/figure/?subject=math&figure=struggling_initial&grade={moves.class41.grade_id}")
    assert "dan" not in other.content.decode()
    ma = Client()
    ma.force_login(moves.user("ma"))
    own = ma.get("/evaluation/?subject=math").content.decode()
    assert "三年级(1)班" in own and "三年级(2)班" not in own
    for who in ("alice", "pa", "zhou", "mei"):
        c = Client()
        c.force_login(moves.user(who))
        assert c.get("/evaluation/").status_code == 403


def test_transitions_count_confirmed_tiers_only(moves: Personas) -> None:
    math = Subject.objects.get(code="math")
    t = transitions(moves.user("wang"), term=moves.term, subject=math, grade_id=moves.class31.grade_id)
    assert t.rounds == ["期初", "期中"]
    rows = {r[0]: r[1:] for r in t.matrices[0]["rows"]}
    assert rows["学困"] == [0, 1, 0, 0]  # alice: 学困 → 中等
    assert rows["中等"] == [0, 0, 0, 1]  # bob: 中等 → 学困; amy's unconfirmed round is not counted
    assert {x["value"] for x in t.sankey["links"]} == {1}
    admin = Client()
    admin.force_login(moves.user("wang"))
    page = admin.get("/evaluation/transitions/?subject=math").content.decode()
    assert "sankey-data" in page and "期初 → 期中" in page


def test_home_contact_compliance_is_on_the_dashboard(moves: Personas) -> None:
    import datetime

    from yincai.homeschool.contacts import contact_log
    from yincai.school.models import Staff

    math = Subject.objects.get(code="math")
    board = dashboard(moves.user("wang"), term=moves.term, subject=math)
    grade3 = board.grades[0][0]
    assert grade3.contacts_in_scope >= 1 and grade3.contacts_overdue == grade3.contacts_in_scope  # bob: 学困 now
    assert board.grades[0][1][0][1].load_limit == 60  # grade 3: the 双减 default
    contact_log(student=moves.bob, author=Staff.objects.get(user__username="hu"), term=moves.term, kind="phone",
                date=datetime.date.today(), content="电话沟通作业情况")
    after = dashboard(moves.user("wang"), term=moves.term, subject=math).grades[0][0]
    assert after.contacts_overdue == grade3.contacts_overdue - 1
