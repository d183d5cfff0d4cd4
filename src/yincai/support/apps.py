from __future__ import annotations

from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "yincai.support"
    label = "support"
    verbose_name = "培优辅差 · 帮扶"
    default_auto_field = "django.db.models.BigAutoField"
