from __future__ import annotations

from django.apps import AppConfig


class SetupConfig(AppConfig):
    name = "yincai.setup"
    label = "setup"
    verbose_name = "学校初始化"
