from __future__ import annotations

from django.apps import AppConfig


class HomeschoolConfig(AppConfig):
    name = "yincai.homeschool"
    label = "homeschool"
    verbose_name = "家校协同"
    default_auto_field = "django.db.models.BigAutoField"
