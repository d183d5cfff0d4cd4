"""The alert inbox: recipients by relationship, acknowledge → follow up → resolve, one alert per episode."""

from __future__ import annotations

import numpy as np
import pytest
from django.urls import reverse

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.insight.models import Alert
from yincai.insight.services import _Results, _write, alert_rule_for
from yincai.insight.tests.helpers import alert_for, client_for
from yincai.school.models import Staff


def _act(client, p: Personas, alert: Alert, **data: str):
    return client.post(reverse("insight:alert_act", kwargs={"student_id": alert.student_id}),
                       {"alert": str(alert.pk)} | data)


@pytest.mark.django_db
def test_recipients_are_the_head_teacher_and_the_subject_teacher_of_the_student(personas: Personas) -> None:
    alert = alert_for(personas)
    for role, sees in ((Role.HEAD_TEACHER, True), (Role.SUBJECT_TEACHER, True), (Role.GRADE_LEAD, True),
                       (Role.ADMIN, True), ("ma2", False)):
        page = client_for(personas, role).get(reverse("insight:alerts")).content.decode()
        assert (f'id="alert-{alert.pk}"' in page) is sees, role
    assert "成绩较本人以往下滑" in client_for(personas, Role.HEAD_TEACHER).get(reverse("insight:alerts")).content.decode()


@pytest.mark.django_db
def test_acknowledge_follow_up_and_resolve(personas: Personas) -> None:
    alert = alert_for(personas)
    client = client_for(personas, Role.HEAD_TEACHER)
    _act(client, personas, alert, action="acknowledge")
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == personas.user(Role.HEAD_TEACHER)
    mentor = Staff.objects.get(user=personas.user(Role.MENTOR))
    _act(client, personas, alert, action="follow", assignee=str(mentor.pk), note="每周两次课后辅导")
    alert.refresh_from_db()
    assert alert.status == "following" and alert.assignee == mentor and "每周两次课后辅导" in alert.followup
    response = _act(client, personas, alert, action="resolve", note="")
    assert "解除预警请填写说明" in client.get(response["Location"]).content.decode()
    _act(client, personas, alert, action="resolve", note="期中成绩回升")
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolution == "期中成绩回升"


@pytest.mark.django_db
def test_a_teacher_of_another_class_cannot_act_on_the_alert(personas: Personas) -> None:
    alert = alert_for(personas)
    assert _act(client_for(personas, "ma2"), personas, alert, action="acknowledge").status_code == 404
    alert.refresh_from_db()
    assert alert.status == "open"


@pytest.mark.django_db
def test_the_same_episode_never_makes_a_second_alert(personas: Personas) -> None:
    rule = alert_rule_for(school=personas.school)
    a = personas.math_assessment
    out = _Results(alerts=[{"rule": rule, "student_id": personas.alice.pk, "subject": a.subject, "episode_start": a,
                            "last_assessment": a, "evidence": [{"assessment": a.name}]}])
    _write(term=personas.term, grade=personas.math_assessment.grade, students=[personas.alice.pk], out=out, job=None)
    Alert.objects.filter(student=personas.alice).update(status="acknowledged")
    out.alerts[0]["evidence"] = [{"assessment": a.name, "more": 1}]
    _write(term=personas.term, grade=personas.math_assessment.grade, students=[personas.alice.pk], out=out, job=None)
    alerts = Alert.objects.filter(student=personas.alice)
    assert alerts.count() == 1
    assert alerts.get().status == "acknowledged" and alerts.get().evidence[0]["more"] == 1


@pytest.mark.django_db
def test_the_rule_form_validates_in_chinese(personas: Personas) -> None:
    client = client_for(personas, Role.ADMIN)
    bad = client.post(reverse("insight:alert_rules"), {"score_drop": "0.5", "mastery_drop": "-0.2", "absences": "1",
                                                       "k": "2", "n": "2"})
    assert "下滑阈值须为负数" in bad.content.decode()
    assert np.isclose(alert_rule_for(school=personas.school).score_drop, -0.8)


@pytest.mark.django_db
def test_classroom_observations_are_indicators_of_their_period(personas: Personas) -> None:
    import datetime

    from yincai.insight.services import alert_rule_set
    from yincai.insight.tests.helpers import recompute_grade3
    from yincai.support.models import Observation

    observer = Staff.objects.get(user=personas.user(Role.HEAD_TEACHER))
    day = personas.math_assessment.date - datetime.timedelta(days=2)
    for student, level in ((personas.alice, 1), (personas.amy, 4)):
        Observation.objects.create(student=student, observer=observer, date=day, hand_raising=3, speech=3,
                                   collaboration=3, focus=level, homework=level)
    alert_rule_set(school=personas.school, score_drop=-0.8, mastery_drop=-0.2, absences=1, observation=2.0,
                   k=2, n=1, user=None)
    recompute_grade3(personas)
    alert = Alert.objects.get(student=personas.alice)
    flagged = [i["name"] for i in alert.evidence[0]["indicators"] if i["flagged"]]
    assert flagged == ["课堂专注(观察均分)", "作业习惯(观察均分)"]
    assert not Alert.objects.filter(student=personas.amy).exists()
