from __future__ import annotations

from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "yincai.insight"
    label = "insight"
    verbose_name = "诊断与分层"
