from __future__ import annotations

from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "yincai.retention"
    verbose_name = "数据保留"
