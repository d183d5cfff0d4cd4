"""Points, rewards with stock and redemption by the student, awards from measured progress, self-set goals."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.personas import Personas
from yincai.school.models import Subject
from yincai.support import services as svc
from yincai.support.models import Award, PointsEntry, Reward, SelfGoal
from yincai.support.selectors import points_balance, progress_award_suggestions
from yincai.support.tests.helpers import add_assessment, client_for, staff

pytestmark = pytest.mark.django_db


def test_a_teacher_awards_points_to_several_students(personas: Personas) -> None:
    r = client_for(personas, "hu").post(f"/support/classes/{personas.class31.pk}/points/", {
        "students": [personas.alice.pk, personas.amy.pk], "points": "3", "reason": "课堂积极发言"})
    assert r.status_code == 302
    assert points_balance(personas.alice) == 3 and points_balance(personas.amy) == 3


def test_it_refuses_points_for_a_student_outside_the_class(personas: Personas) -> None:
    client_for(personas, "hu").post(f"/support/classes/{personas.class31.pk}/points/", {
        "students": [personas.bob.pk], "points": "3", "reason": "x"})
    assert points_balance(personas.bob) == 0


def test_a_student_redeems_a_reward_and_stock_and_balance_drop(personas: Personas) -> None:
    reward = svc.reward_create(school_id=personas.school.pk, name="免作业券", cost=5, stock=1)
    svc.points_award(students=[personas.alice], points=12, reason="进步", author=staff("hu"), term=personas.term)
    c = client_for(personas, "alice")
    assert c.post("/support/rewards/redeem/", {"reward": reward.pk}).status_code == 302
    reward.refresh_from_db()
    assert reward.stock == 0 and points_balance(personas.alice) == 7
    page = c.post("/support/rewards/redeem/", {"reward": reward.pk}, follow=True).content.decode()
    assert "已兑完" in page and points_balance(personas.alice) == 7


def test_redeeming_without_enough_points_is_refused(personas: Personas) -> None:
    reward = svc.reward_create(school_id=personas.school.pk, name="当一天小组长", cost=50, stock=3)
    with pytest.raises(ValidationError, match="积分不足"):
        svc.reward_redeem(student=personas.alice, reward=reward, term=personas.term)
    reward.refresh_from_db()
    assert reward.stock == 3 and not PointsEntry.objects.filter(student=personas.alice, source="redeem").exists()


def test_only_a_student_redeems_and_teachers_cannot(personas: Personas) -> None:
    reward = svc.reward_create(school_id=personas.school.pk, name="书签", cost=1, stock=3)
    assert client_for(personas, "hu").post("/support/rewards/redeem/", {"reward": reward.pk}).status_code == 403


def test_a_subject_teacher_cannot_stock_the_catalogue(personas: Personas) -> None:
    before = Reward.objects.count()
    client_for(personas, "ma").post("/support/rewards/", {"name": "x", "cost": "1", "stock": "1"})
    assert Reward.objects.count() == before


def test_award_suggestions_come_from_progress_not_rank(personas: Personas) -> None:
    # alice scored 0,1,2,3 (30%) then improves to 90%; amy scored 1,2,3,4 (50%) then stays at 50%
    add_assessment(personas, {personas.alice: [5, 4, 4, 5], personas.amy: [1, 2, 3, 4]})
    suggestions = progress_award_suggestions(personas.class31, Subject.objects.get(code="math"))
    assert [s.student for s in suggestions] == [personas.alice]
    assert suggestions[0].gain == 60.0 and "30% → 90%" in suggestions[0].evidence


def test_an_academic_award_needs_measured_evidence(personas: Personas) -> None:
    with pytest.raises(ValidationError, match="测得的进步"):
        svc.award_grant(student=personas.alice, kind="most_improved", citation="进步大", author=staff("hu"),
                        term=personas.term)
    svc.award_grant(student=personas.alice, kind="highlight", citation="主动帮助同学", author=staff("hu"),
                    term=personas.term, points=5)
    assert points_balance(personas.alice) == 5


def test_the_honor_wall_shows_the_class_awards_to_family_but_not_to_strangers(personas: Personas) -> None:
    svc.award_grant(student=personas.alice, kind="highlight", citation="主动帮助同学", author=staff("hu"),
                    term=personas.term)
    assert "主动帮助同学" in client_for(personas, "pa").get(f"/support/classes/{personas.class31.pk}/honor/").content.decode()
    assert client_for(personas, "pa").get(f"/support/classes/{personas.class41.pk}/honor/").status_code == 404
    assert Award.objects.filter(student=personas.alice).count() == 1


def test_a_student_sets_a_goal_and_a_teacher_confirms_it_for_points(personas: Personas) -> None:
    c = client_for(personas, "alice")
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    assert c.post("/support/me/", {"text": "口算全对三次", "due": due}).status_code == 302
    goal = SelfGoal.objects.get(student=personas.alice, text="口算全对三次")
    r = client_for(personas, "hu").post("/support/self-goals/confirm/", {"goal": goal.pk})
    assert r.status_code == 302
    goal.refresh_from_db()
    assert goal.status == "met" and points_balance(personas.alice) == goal.points
    with pytest.raises(ValidationError, match="已确认过"):
        svc.self_goal_confirm(goal=goal, author=staff("hu"))


def test_a_teacher_cannot_confirm_a_goal_of_a_student_they_do_not_see(personas: Personas) -> None:
    goal = svc.self_goal_add(student=personas.dan, term=personas.term, text="x",
                             due=timezone.localdate() + datetime.timedelta(days=3))
    assert client_for(personas, "hu").post("/support/self-goals/confirm/", {"goal": goal.pk}).status_code == 404


def test_the_student_page_shows_balance_without_rankings(personas: Personas) -> None:
    svc.points_award(students=[personas.alice, personas.amy], points=4, reason="作业认真", author=staff("hu"),
                     term=personas.term)
    page = client_for(personas, "alice").get("/support/me/").content.decode()
    ledger = page[page.index("积分记录"):]
    assert ledger.count("作业认真") == 1 and "amy" not in ledger and "名次" not in page


def test_the_api_gives_a_parent_their_childs_points_but_not_anothers(personas: Personas) -> None:
    svc.points_award(students=[personas.alice], points=6, reason="认真", author=staff("hu"), term=personas.term)
    data = client_for(personas, "pa").get(f"/api/v1/support/students/{personas.alice.pk}/points").json()
    assert data["balance"] == 6 and data["recent"][0]["reason"] == "认真"
    assert client_for(personas, "pa").get(f"/api/v1/support/students/{personas.bob.pk}/points").status_code == 404


def test_the_starting_catalogue_is_added_once(personas: Personas) -> None:
    c = client_for(personas, "hu")
    c.post("/support/rewards/", {"action": "defaults"})
    c.post("/support/rewards/", {"action": "defaults"})
    names = list(Reward.objects.filter(school=personas.school).values_list("name", flat=True))
    assert names.count("表扬信") == 1 and "免作业券" in names


def test_the_points_page_shows_how_many_students_were_recognised(personas: Personas) -> None:
    svc.points_award(students=[personas.alice], points=2, reason="发言", author=staff("hu"), term=personas.term)
    page = client_for(personas, "hu").get(f"/support/classes/{personas.class31.pk}/points/").content.decode()
    assert "1 / 2（50%）" in page
