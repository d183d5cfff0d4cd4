from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "yincai.demo"
    label = "demo"
    verbose_name = "演示学校"
