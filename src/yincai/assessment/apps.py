from __future__ import annotations

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "yincai.assessment"
    label = "assessment"
    verbose_name = "测评与成绩"
