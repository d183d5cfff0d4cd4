"""Homework completion is an early-warning indicator of its period (the one the alert rule was missing)."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from yincai.homework import selectors as sel
from yincai.homework import services as svc
from yincai.homework.tests.conftest import homework, staff
from yincai.insight.models import Alert
from yincai.insight.services import alert_rule_set
from yincai.insight.tests.helpers import recompute_grade3

pytestmark = pytest.mark.django_db


def _homework_before_the_test(p, math):
    date = p.math_assessment.date - datetime.timedelta(days=2)
    hw = homework(p, math, date=date)
    items = svc.generate_items(homework=hw, generator_key="times_table", level=1, count=2, layer="basic",
                               author=staff("ma"), seed=5)
    svc.homework_publish(homework=hw, by=staff("ma"))
    amy = hw.assignments.get(student=p.amy)
    svc.answers_submit(assignment=amy, responses={i.bank_item.pk: i.bank_item.answer for i in items})
    alice = hw.assignments.get(student=p.alice)
    svc.answers_submit(assignment=alice, responses={items[0].bank_item.pk: "0"})  # one of two done
    return date


def test_completion_per_period(personas, math) -> None:
    date = _homework_before_the_test(personas, math)
    periods = [(date - datetime.timedelta(days=30), date - datetime.timedelta(days=1)),
               (date - datetime.timedelta(days=1), date)]
    values = sel.homework_completion([personas.alice.pk, personas.amy.pk, personas.bob.pk], math, periods)
    assert np.isnan(values[:, 0]).all()
    assert values[0, 1] == pytest.approx(0.5) and values[1, 1] == pytest.approx(1.0) and np.isnan(values[2, 1])


def test_low_completion_raises_an_alert(personas, math) -> None:
    _homework_before_the_test(personas, math)
    alert_rule_set(school=personas.school, score_drop=-0.8, mastery_drop=-0.2, absences=1, observation=2.0,
                   k=1, n=1, user=None)
    recompute_grade3(personas)
    alert = Alert.objects.get(student=personas.alice)
    flagged = [i["name"] for i in alert.evidence[0]["indicators"] if i["flagged"]]
    assert flagged == ["作业完成率"]
    assert not Alert.objects.filter(student=personas.amy).exists()
