"""Shared set-up for the insight tests: the persona school's grade 3 recomputed, an alert for alice."""

from __future__ import annotations

from django.test import Client

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.insight.models import Alert, AlertRule, RecomputeJob
from yincai.insight.services import recompute_grade


def recompute_grade3(p: Personas) -> RecomputeJob:
    return recompute_grade(term=p.term, grade=p.class31.grade)


def alert_for(p: Personas, student: object | None = None) -> Alert:
    rule = AlertRule.objects.create(school=p.school)
    student = student or p.alice
    return Alert.objects.create(
        rule=rule, student=student, term=p.term, subject=p.math_assessment.subject,
        episode_start=p.math_assessment, last_assessment=p.math_assessment,
        evidence=[{"assessment": p.math_assessment.name, "date": "2026-11-01",
                   "indicators": [{"name": "成绩较本人以往下滑(标准分)", "value": -1.2, "threshold": -0.8, "flagged": True}]}],
    )


def client_for(p: Personas, role: Role | str) -> Client:
    c = Client()
    c.force_login(p.user(role))
    return c
