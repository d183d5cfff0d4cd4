"""Grouping a class with CP-SAT (balance vs snake shown, adjust and save, history kept) and 一帮一 pairs."""

from __future__ import annotations

import pytest

from tests.personas import Personas
from yincai.school.models import Subject
from yincai.support import services as svc
from yincai.support.models import Grouping, PeerPair
from yincai.support.tests.helpers import add_assessment, add_students, client_for, staff

pytestmark = pytest.mark.django_db


def _class_with_scores(personas: Personas, n: int = 12) -> list:
    students = add_students(personas, n)
    add_assessment(personas, {s: [(i * 7 + j * 3) % 6 for j in range(4)] for i, s in enumerate(students)})
    return students


def test_a_teacher_groups_a_class_and_sees_balance_against_the_snake_draft(personas: Personas) -> None:
    _class_with_scores(personas)
    c = client_for(personas, "hu")
    r = c.post(f"/support/classes/{personas.class31.pk}/grouping/", {"subject": "math", "n_groups": "3",
                                                                      "mix_gender": "1"})
    page = r.content.decode()
    assert r.status_code == 200 and "均衡度对比" in page and "蛇形分组" in page and "已证明最优" in page


def test_saving_keeps_history_and_recomputes_balance(personas: Personas) -> None:
    students = _class_with_scores(personas)
    everyone = [personas.alice, personas.amy, *students]
    c = client_for(personas, "hu")
    url = f"/support/classes/{personas.class31.pk}/grouping/save/"
    for round_ in range(2):
        data = {"subject": "math", "method": "manual"} | {f"g_{s.pk}": str(1 + (i + round_) % 3) for i, s in enumerate(everyone)}
        assert c.post(url, data).status_code == 302
    groupings = Grouping.objects.filter(school_class=personas.class31)
    assert groupings.count() == 2
    latest = groupings.first()
    assert latest.members.count() == len(everyone) and sorted(latest.balance["sizes"]) == [4, 5, 5]


def test_it_refuses_a_grouping_that_leaves_a_student_out(personas: Personas) -> None:
    _class_with_scores(personas)
    with pytest.raises(Exception, match="每位学生都必须分到"):
        svc.grouping_save(school_class=personas.class31, subject=Subject.objects.get(code="math"),
                          assignment={personas.alice.pk: 1}, method="manual", author=staff("hu"))


def test_must_and_cannot_constraints_are_parsed_from_names(personas: Personas) -> None:
    students = _class_with_scores(personas)
    proposal = svc.grouping_propose(school_class=personas.class31, subject=Subject.objects.get(code="math"),
                                    n_groups=3, must_together=[(students[0].pk, students[1].pk)],
                                    cannot_together=[(students[2].pk, students[3].pk)])
    lab = {s.pk: int(g) for s, g in zip(proposal.students, proposal.cpsat.labels, strict=True)}
    assert lab[students[0].pk] == lab[students[1].pk] and lab[students[2].pk] != lab[students[3].pk]
    r = client_for(personas, "hu").post(f"/support/classes/{personas.class31.pk}/grouping/",
                                        {"subject": "math", "n_groups": "3", "must": "不存在的人,alice"})
    assert "无法识别" in r.content.decode()


def test_it_refuses_grouping_a_class_the_teacher_does_not_teach(personas: Personas) -> None:
    assert client_for(personas, "ma").post(f"/support/classes/{personas.class41.pk}/grouping/",
                                           {"n_groups": "2"}).status_code == 404


def test_pairs_match_strong_with_weak_and_save_replaces_old_pairs(personas: Personas) -> None:
    _class_with_scores(personas, 6)
    c = client_for(personas, "hu")
    url = f"/support/classes/{personas.class31.pk}/pairs/"
    assert "结对建议" in c.post(url, {"subject": "math"}).content.decode()
    c.post(url, {"subject": "math", "save": "1"})
    c.post(url, {"subject": "math", "save": "1"})
    active = PeerPair.objects.filter(school_class=personas.class31, active=True)
    assert active.count() == 4 and PeerPair.objects.filter(school_class=personas.class31).count() == 8
    for p in active:
        assert p.benefit > 0


def test_a_student_states_a_preferred_tutor_which_the_pairing_honours(personas: Personas) -> None:
    students = add_students(personas, 4)
    # 4 strong-ish tutors and weak tutees; alice (weak everywhere) wishes students[1] as tutor
    add_assessment(personas, {students[0]: [5, 5, 5, 5], students[1]: [5, 5, 4, 4], students[2]: [0, 0, 1, 1],
                              students[3]: [1, 0, 0, 0], personas.amy: [4, 5, 5, 5], personas.alice: [0, 0, 0, 0]})
    r = client_for(personas, "alice").post("/support/me/", {"action": "pair", "preferred": students[1].pk})
    assert r.status_code == 302
    page = client_for(personas, "hu").get(f"/support/classes/{personas.class31.pk}/pairs/").content.decode()
    assert f'<option value="{students[1].pk}" selected>' in page
    proposal = svc.pairs_propose(school_class=personas.class31, subject=Subject.objects.get(code="math"),
                                 preferences={personas.alice.pk: students[1].pk})
    pairs = {(t.pk, u.pk): pref for t, u, _, pref, _ in proposal.pairs}
    assert pairs.get((students[1].pk, personas.alice.pk)) is True


def test_a_student_cannot_wish_for_a_partner_outside_the_class(personas: Personas) -> None:
    page = client_for(personas, "alice").post("/support/me/", {"action": "pair", "preferred": personas.bob.pk},
                                              follow=True).content.decode()
    assert "只能选择本班同学" in page


def test_bad_group_counts_are_explained_in_chinese(personas: Personas) -> None:
    _class_with_scores(personas)
    c = client_for(personas, "hu")
    url = f"/support/classes/{personas.class31.pk}/grouping/"
    assert "组数必须是整数" in c.post(url, {"n_groups": "三"}).content.decode()
    assert "组数应在 2 到" in c.post(url, {"n_groups": "40"}).content.decode()
