"""Meetings with action items, programs with members/events/attendance, whole-class observations."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.personas import Personas
from yincai.support import services as svc
from yincai.support.models import ActionItem, LearningProfile, Meeting, Observation, Program
from yincai.support.selectors import observation_summary
from yincai.support.tests.helpers import client_for, staff

pytestmark = pytest.mark.django_db


def _due(days: int = 7) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_a_head_teacher_records_a_meeting_with_action_items_followed_up_by_the_owner(personas: Personas) -> None:
    r = client_for(personas, "hu").post("/support/meetings/", {
        "kind": "monthly", "title": "十一月转化会", "minutes": "讨论三名学生", "decisions": "加强家校沟通",
        "action_0_text": "给 alice 家长打电话", "action_0_owner": staff("mei").pk, "action_0_due": _due()})
    assert r.status_code == 302
    item = ActionItem.objects.get(text="给 alice 家长打电话")
    page = client_for(personas, "mei").get("/support/").content.decode()
    assert "给 alice 家长打电话" in page
    client_for(personas, "mei").post("/support/meetings/actions/done/", {"item": item.pk, "follow_up": "已沟通"})
    item.refresh_from_db()
    assert item.done_at == timezone.localdate() and item.follow_up == "已沟通"


def test_an_action_without_owner_is_refused_and_the_meeting_is_not_saved(personas: Personas) -> None:
    before = Meeting.objects.count()
    r = client_for(personas, "hu").post("/support/meetings/", {"kind": "monthly", "title": "x",
                                                               "action_0_text": "无人负责", "action_0_due": _due()},
                                        follow=True)
    assert "请选择负责人" in r.content.decode() and Meeting.objects.count() == before


def test_a_subject_teacher_cannot_record_a_meeting_nor_close_others_actions(personas: Personas) -> None:
    before = Meeting.objects.count()
    client_for(personas, "ma").post("/support/meetings/", {"kind": "monthly", "title": "x"})
    assert Meeting.objects.count() == before
    m = svc.meeting_create(term=personas.term, author=staff("hu"), kind="monthly", title="会", date=timezone.localdate(),
                           actions=[svc.ActionSpec("事项", staff("mei"), timezone.localdate())])
    item = m.actions.get()
    assert client_for(personas, "ma").post("/support/meetings/actions/done/",
                                           {"item": item.pk, "follow_up": "x"}).status_code == 404


def test_a_program_with_members_events_and_attendance(personas: Personas) -> None:
    c = client_for(personas, "hu")
    r = c.post("/support/programs/", {"name": "数学思维俱乐部", "description": "每周三下午"})
    program = Program.objects.get(name="数学思维俱乐部", term=personas.term)
    assert r["Location"] == f"/support/programs/{program.pk}/"
    c.post(r["Location"], {"action": "members", "students": [personas.alice.pk, personas.amy.pk, personas.dan.pk]})
    assert set(program.members.all()) == {personas.alice, personas.amy}  # dan is not visible to hu
    c.post(r["Location"], {"action": "event", "title": "24 点游戏", "present": [personas.alice.pk]})
    page = c.get(r["Location"]).content.decode()
    assert "24 点游戏" in page and "1 / 1" in page and "0 / 1" in page


def test_the_parent_sees_the_club_but_only_their_own_child(personas: Personas) -> None:
    program = svc.program_create(term=personas.term, leader=staff("hu"), name="阳光伙伴")
    svc.program_add_members(program=program, students=[personas.alice, personas.amy])
    page = client_for(personas, "pa").get(f"/support/programs/{program.pk}/").content.decode()
    assert "阳光伙伴" in page and "alice" in page and "amy" not in page
    assert client_for(personas, "pa").post(f"/support/programs/{program.pk}/", {"action": "event", "title": "x"}).status_code == 404
    assert client_for(personas, "pb").get(f"/support/programs/{program.pk}/").status_code == 404


def test_whole_class_observations_are_saved_for_rated_students_only(personas: Personas) -> None:
    c = client_for(personas, "hu")
    data = {f"{f}_{personas.alice.pk}": "4" for f in svc.OBSERVATION_FIELDS}
    r = c.post(f"/support/classes/{personas.class31.pk}/observe/", data)
    assert r.status_code == 302
    assert Observation.objects.filter(student=personas.alice).count() == 1
    assert not Observation.objects.filter(student=personas.amy).exists()
    summary = observation_summary(personas.alice)
    assert summary.n == 1 and summary.means["专注"] == 4.0


def test_a_half_filled_observation_is_refused_and_nothing_is_saved(personas: Personas) -> None:
    c = client_for(personas, "hu")
    data = {f"{f}_{personas.alice.pk}": "4" for f in svc.OBSERVATION_FIELDS}
    data[f"focus_{personas.amy.pk}"] = "2"
    r = c.post(f"/support/classes/{personas.class31.pk}/observe/", data)
    assert "amy：五项观察需全部评分" in r.content.decode()
    assert not Observation.objects.filter(student__in=[personas.alice, personas.amy]).exists()


def test_the_observation_page_fits_a_phone(personas: Personas) -> None:
    page = client_for(personas, "hu").get(f"/support/classes/{personas.class31.pk}/observe/").content.decode()
    assert 'name="viewport"' in page and 'class="observe"' in page and "举手" in page  # .observe: max-width 480px (support.css)


def test_learning_style_and_interests_are_saved(personas: Personas) -> None:
    client_for(personas, "mei").post(f"/support/students/{personas.alice.pk}/profile/",
                                     {"style": "visual", "interests": "画画、拼图"})
    assert LearningProfile.objects.get(student=personas.alice).interests == "画画、拼图"
    assert client_for(personas, "mei").post(f"/support/students/{personas.dan.pk}/profile/",
                                            {"style": "visual"}).status_code == 404


def test_a_meeting_discusses_students_and_only_visible_names_are_shown(personas: Personas) -> None:
    hu = staff("hu")
    from yincai.school.models import Subject

    svc.plan_create(student=personas.alice, term=personas.term, subject=Subject.objects.get(code="math"), author=hu,
                    responsible=hu)
    r = client_for(personas, "hu").post("/support/meetings/", {"kind": "monthly", "title": "转化会",
                                                               "decisions": "加强口算", "students": [personas.alice.pk]})
    assert r.status_code == 302
    meeting = Meeting.objects.get(title="转化会")
    assert list(meeting.students.all()) == [personas.alice]
    from yincai.support.models import ProgressEntry

    assert ProgressEntry.objects.filter(student=personas.alice, text__contains="转化会").exists()
    assert "alice" in client_for(personas, "hu").get("/support/meetings/").content.decode()
    # a school-wide meeting about dan is visible to hu, but not dan's name
    svc.meeting_create(term=personas.term, author=staff("wang"), kind="monthly", title="全校会",
                       date=timezone.localdate(), students=[personas.dan])
    page = client_for(personas, "hu").get("/support/meetings/").content.decode()
    assert "全校会" in page and "dan" not in page


def test_a_meeting_cannot_name_a_student_the_recorder_does_not_see(personas: Personas) -> None:
    before = Meeting.objects.count()
    page = client_for(personas, "hu").post("/support/meetings/", {"kind": "monthly", "title": "x",
                                                                  "students": [personas.dan.pk]}, follow=True)
    assert "无权查看" in page.content.decode() and Meeting.objects.count() == before
