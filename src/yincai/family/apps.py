from __future__ import annotations

from django.apps import AppConfig


class FamilyConfig(AppConfig):
    name = "yincai.family"
    verbose_name = "家校沟通"
    default_auto_field = "django.db.models.BigAutoField"
