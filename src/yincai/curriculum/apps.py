from __future__ import annotations

from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "yincai.curriculum"
    label = "curriculum"
    verbose_name = "课程与知识点"
