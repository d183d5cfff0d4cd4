from __future__ import annotations

from django.apps import AppConfig


class RolloverConfig(AppConfig):
    name = "yincai.rollover"
    label = "rollover"
    verbose_name = "学年升级"
