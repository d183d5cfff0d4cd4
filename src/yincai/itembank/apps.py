from __future__ import annotations

from django.apps import AppConfig


class ItembankConfig(AppConfig):
    name = "yincai.itembank"
    verbose_name = "题库"
    default_auto_field = "django.db.models.BigAutoField"
