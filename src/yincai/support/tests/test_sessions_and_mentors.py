"""导师制 and 辅导记录: assigning mentors, logging sessions, the week view, caseload and overdue reviews."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.personas import Personas
from yincai.accounts.roles import Role, roles_of
from yincai.school.models import MentorAssignment, StaffRole, Subject
from yincai.support import services as svc
from yincai.support.models import PlanReview, ProgressEntry, SupportPlan, TutoringSession
from yincai.support.selectors import mentor_caseload
from yincai.support.tests.helpers import client_for, persona_kps, staff

pytestmark = pytest.mark.django_db


def test_a_head_teacher_assigns_a_mentor_who_then_sees_the_student(personas: Personas) -> None:
    ma = staff("ma")
    r = client_for(personas, "hu").post(f"/support/students/{personas.amy.pk}/mentor/", {"mentor": ma.pk})
    assert r.status_code == 302
    assert MentorAssignment.objects.filter(mentor=ma, student=personas.amy, term=personas.term).exists()
    assert StaffRole.objects.filter(staff=ma, role=Role.MENTOR, term=personas.term).exists()
    assert ProgressEntry.objects.filter(student=personas.amy, kind="mentor").exists()
    from django.contrib.auth import get_user_model

    fresh = get_user_model().objects.get(username="ma")  # roles are cached per user object
    assert Role.MENTOR in roles_of(fresh, personas.term)


def test_it_refuses_mentor_assignment_by_a_subject_teacher(personas: Personas) -> None:
    r = client_for(personas, "ma").post(f"/support/students/{personas.alice.pk}/mentor/", {"mentor": staff("ma").pk})
    assert r.status_code == 403


def test_the_mentor_logs_a_session_and_it_shows_in_the_week_and_timeline(personas: Personas) -> None:
    c = client_for(personas, "mei")
    kp = persona_kps(personas)[0]
    r = c.post("/support/sessions/new/", {"kind": "one_on_one", "date": timezone.localdate().isoformat(),
                                          "minutes": "30", "students": [personas.alice.pk], "kps": [kp.pk],
                                          "content": "讲解两位数乘法", "outcome": "能独立完成 4/5"})
    assert r.status_code == 302
    session = TutoringSession.objects.get(content="讲解两位数乘法")
    assert list(session.students.all()) == [personas.alice] and session.teacher == staff("mei")
    week = c.get("/support/sessions/").content.decode()
    assert "讲解两位数乘法" in week and "30 分钟" in week
    assert ProgressEntry.objects.filter(student=personas.alice, kind="session", text__contains=kp.name).exists()


def test_it_refuses_to_log_a_session_for_a_student_the_mentor_does_not_have(personas: Personas) -> None:
    c = client_for(personas, "mei")
    before = TutoringSession.objects.count()
    r = c.post("/support/sessions/new/", {"kind": "small_group", "minutes": "30",
                                          "students": [personas.alice.pk, personas.bob.pk], "content": "x"})
    assert r.status_code == 200 and "无权辅导" in r.content.decode()
    assert TutoringSession.objects.count() == before


def test_one_on_one_means_one_student(personas: Personas) -> None:
    with pytest.raises(Exception, match="一对一"):
        svc.session_log(teacher=staff("hu"), term=personas.term, kind="one_on_one", date=timezone.localdate(),
                        minutes=20, students=[personas.alice, personas.amy], content="x")


def _plan(personas: Personas, **kw: object) -> SupportPlan:
    hu = staff("hu")
    return svc.plan_create(student=personas.alice, term=personas.term, subject=Subject.objects.get(code="math"),
                           author=hu, responsible=hu, **kw)  # type: ignore[arg-type]


def test_overdue_reviews_are_highlighted_and_a_review_clears_them(personas: Personas) -> None:
    plan = _plan(personas)
    SupportPlan.objects.filter(pk=plan.pk).update(next_review=timezone.localdate() - datetime.timedelta(days=3))
    home = client_for(personas, "hu").get("/support/").content.decode()
    assert "已逾期" in home and "alice" in home
    r = client_for(personas, "mei").post(f"/support/plans/{plan.pk}/reviews/", {
        "kind": "biweekly", "content": "乘法口算进步明显", "status_after": "active", "version": plan.version})
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.next_review == timezone.localdate() + datetime.timedelta(days=14)
    assert PlanReview.objects.filter(plan=plan, author=staff("mei")).exists()
    assert "乘法口算进步明显" in client_for(personas, "hu").get(f"/support/students/{personas.alice.pk}/").content.decode()


def test_a_review_without_content_is_refused_in_chinese(personas: Personas) -> None:
    plan = _plan(personas)
    r = client_for(personas, "hu").post(f"/support/plans/{plan.pk}/reviews/", {"kind": "biweekly", "content": " ",
                                                                             "version": plan.version}, follow=True)
    assert "请填写小结内容" in r.content.decode()
    assert not PlanReview.objects.filter(plan=plan).exists()


def test_the_caseload_counts_mentees_plans_and_sessions(personas: Personas) -> None:
    _plan(personas)
    svc.session_log(teacher=staff("mei"), term=personas.term, kind="after_school", date=timezone.localdate(),
                    minutes=40, students=[personas.alice], content="课后服务")
    rows = {r.staff.name: r for r in mentor_caseload(personas.users["wang"], personas.term)}
    assert personas.alice in rows["mei"].mentees
    assert rows["mei"].sessions_30d >= 1 and rows["mei"].minutes_30d >= 40
    assert rows["hu"].active_plans >= 1
    own = mentor_caseload(personas.users["mei"], personas.term)
    assert [r.staff.name for r in own] == ["mei"]


def test_the_week_view_also_lists_club_events_and_due_actions(personas: Personas) -> None:
    hu = staff("hu")
    program = svc.program_create(term=personas.term, leader=hu, name="智慧树")
    svc.program_event_add(program=program, date=timezone.localdate(), title="数独挑战", outcome="", present=[])
    svc.meeting_create(term=personas.term, author=hu, kind="biweekly", title="双周会", date=timezone.localdate(),
                       actions=[svc.ActionSpec("整理错题本", hu, timezone.localdate())])
    page = client_for(personas, "hu").get("/support/sessions/").content.decode()
    assert "智慧树 · 数独挑战" in page and "整理错题本" in page


def test_a_parent_finds_only_their_own_childs_plan_page(personas: Personas) -> None:
    page = client_for(personas, "pa").get("/support/family/").content.decode()
    assert f"/support/family/{personas.alice.pk}/" in page and f"/support/family/{personas.bob.pk}/" not in page


@pytest.mark.parametrize(("user", "url"), [
    ("hu", "/support/"), ("hu", "/support/sessions/"), ("hu", "/support/caseload/"), ("hu", "/support/meetings/"),
    ("hu", "/support/programs/"), ("hu", "/support/rewards/"), ("alice", "/support/me/"), ("pa", "/support/family/"),
    ("hu", "/support/classes/{class31}/"), ("hu", "/support/classes/{class31}/grouping/"),
    ("hu", "/support/classes/{class31}/pairs/"), ("hu", "/support/classes/{class31}/points/"),
    ("hu", "/support/classes/{class31}/observe/"), ("hu", "/support/classes/{class31}/honor/"),
    ("hu", "/support/students/{alice}/"), ("hu", "/support/students/{alice}/plans/new/"),
])
def test_every_page_renders_with_a_plain_chinese_title(personas: Personas, user: str, url: str) -> None:
    import re

    page = client_for(personas, user).get(url.format(class31=personas.class31.pk, alice=personas.alice.pk))
    assert page.status_code == 200
    title = re.search(r"<title>(.*?)</title>", page.content.decode(), re.S)
    assert title and "<" not in title.group(1) and "因材" in title.group(1)


def test_a_plan_is_adjusted_and_the_change_is_logged(personas: Personas) -> None:
    plan = _plan(personas, measures="旧措施")
    r = client_for(personas, "mei").post(f"/support/plans/{plan.pk}/edit/", {
        "causes": ["student_method"], "measures": "新措施：每天堂堂清", "responsible": staff("mei").pk,
        "review_every_days": "30", "version": plan.version})
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.measures == "新措施：每天堂堂清" and plan.responsible == staff("mei") and plan.causes == ["student_method"]
    entry = ProgressEntry.objects.filter(plan=plan, kind="note").get()
    assert "帮扶措施" in entry.text and "责任教师→mei" in entry.text


def test_an_unchanged_adjustment_is_refused(personas: Personas) -> None:
    plan = _plan(personas, measures="措施")
    page = client_for(personas, "hu").post(f"/support/plans/{plan.pk}/edit/", {
        "measures": "措施", "responsible": staff("hu").pk, "review_every_days": "14", "version": plan.version},
        follow=True).content.decode()
    assert "没有修改任何内容" in page
