from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "yincai.web"
    label = "web"
    verbose_name = "界面"
