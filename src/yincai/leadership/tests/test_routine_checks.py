"""常规检查 pre-filled from recorded work, teachers' summaries and growth, and the work plan."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.personas import Personas
from yincai.leadership.models import RoutineCheck, WorkTask
from yincai.leadership.services import LeadershipError, check_prefill, routine_check_save, work_plan_seed
from yincai.oversight.models import AuditLog
from yincai.school.models import Staff, Subject
from yincai.support.models import SupportPlan, TutoringSession

pytestmark = pytest.mark.django_db


def _client(p: Personas, who: str) -> Client:
    c = Client()
    c.force_login(p.user(who))
    return c


def test_prefill_counts_what_the_teacher_recorded(personas: Personas) -> None:
    hu = Staff.objects.get(user__username="hu")
    today = timezone.localdate()
    for minutes in (30, 40):
        s = TutoringSession.objects.create(term=personas.term, teacher=hu, kind="one_on_one", date=today,
                                           minutes=minutes, content="两位数乘法")
        s.students.add(personas.alice)
    SupportPlan.objects.create(student=personas.alice, term=personas.term, subject=Subject.objects.get(code="math"),
                               responsible=hu, created_by=hu, next_review=today - datetime.timedelta(days=3))
    pre = check_prefill(teacher=hu, term=personas.term, month=today)
    assert pre["tutoring_records"].evidence == "本月记录辅导 2 次，共 70 分钟"
    assert pre["tutoring_records"].suggested == 4
    assert "逾期未复查 1 份" in pre["struggling_files"].evidence and pre["struggling_files"].suggested == 0
    assert pre["lesson_prep"].suggested is None


def test_the_admin_fills_a_check_and_the_teacher_sees_the_summary(personas: Personas) -> None:
    hu = Staff.objects.get(user__username="hu")
    month = timezone.localdate().replace(day=1)
    admin = _client(personas, "wang")
    form = admin.get(f"/leadership/checks/{hu.pk}/?month={month:%Y-%m}").content.decode()
    assert "本月记录辅导 0 次" in form
    data = {f"score_{c}": "8" for c in ("lesson_prep", "homework_marking", "struggling_files", "tutoring_records",
                                        "home_contact")}
    bad = admin.post(f"/leadership/checks/{hu.pk}/", {**data, "score_home_contact": "11", "month": f"{month:%Y-%m}"})
    assert "0 到 10 的整数分" in bad.content.decode() and not RoutineCheck.objects.exists()
    ok = admin.post(f"/leadership/checks/{hu.pk}/", {**data, "month": f"{month:%Y-%m}", "note": "认真"})
    assert ok.status_code == 302
    check = RoutineCheck.objects.get(teacher=hu)
    assert check.total == 40 and check.items.count() == 5
    assert AuditLog.objects.filter(model="常规检查", object_id=str(check.pk)).exists()
    admin.post(f"/leadership/teachers/{hu.pk}/", {"kind": "open_class", "title": "分层作业公开课", "date": "2026-10-10"})
    mine = _client(personas, "hu").get("/leadership/me/").content.decode()
    assert "40" in mine and "分层作业公开课" in mine
    assert _client(personas, "hu").get(f"/leadership/checks/{hu.pk}/").status_code == 403
    assert _client(personas, "pa").get("/leadership/me/").status_code == 403


def test_a_month_outside_the_term_is_refused(personas: Personas) -> None:
    hu = Staff.objects.get(user__username="hu")
    with pytest.raises(LeadershipError, match="不在本学期"):
        routine_check_save(term=personas.term, teacher=hu, month=personas.term.end_date + datetime.timedelta(days=40),
                           checker=hu, scores={}, notes={})


def test_work_plan_phases_and_overdue_tasks(personas: Personas) -> None:
    wang = Staff.objects.get(user__username="wang")
    tasks = work_plan_seed(term=personas.term, author=wang)
    assert {t.phase for t in tasks} == {"prepare", "implement", "summarise"}
    with pytest.raises(LeadershipError):
        work_plan_seed(term=personas.term, author=wang)
    overdue = [t for t in tasks if t.overdue]
    assert overdue, "the personas' term started 60 days ago: preparation tasks are due"
    admin = _client(personas, "wang")
    admin.post("/leadership/plan/", {"action": "status", "task": overdue[0].pk, "status": "done"})
    assert WorkTask.objects.get(pk=overdue[0].pk).status == "done"
    page = _client(personas, "ma").get("/leadership/plan/").content.decode()
    assert "逾期任务" in page and "准备阶段" in page
    refused = _client(personas, "ma").post("/leadership/plan/", {"action": "status", "task": tasks[1].pk,
                                                                 "status": "done"}, follow=True)
    assert "由教导处维护" in refused.content.decode() and WorkTask.objects.get(pk=tasks[1].pk).status == "todo"
    board = admin.get("/evaluation/?subject=math").content.decode()
    assert "工作计划：完成 1/" in board and "逾期" in board
