from __future__ import annotations

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "yincai.evaluation"
    verbose_name = "成效评估"
    default_auto_field = "django.db.models.BigAutoField"
