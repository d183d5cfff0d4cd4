from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "yincai.imports"
    label = "imports"
    verbose_name = "数据导入导出"
