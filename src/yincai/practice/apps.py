from __future__ import annotations

from django.apps import AppConfig


class PracticeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "yincai.practice"
    label = "practice"
    verbose_name = "学生练习"
