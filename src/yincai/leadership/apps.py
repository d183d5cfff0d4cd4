from __future__ import annotations

from django.apps import AppConfig


class LeadershipConfig(AppConfig):
    name = "yincai.leadership"
    verbose_name = "教学常规与工作计划"
    default_auto_field = "django.db.models.BigAutoField"
