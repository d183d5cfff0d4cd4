from __future__ import annotations

from django.apps import AppConfig


class SchoolConfig(AppConfig):
    name = "yincai.school"
    label = "school"
    verbose_name = "学校与人员"
