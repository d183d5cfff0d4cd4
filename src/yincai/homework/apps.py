from __future__ import annotations

from django.apps import AppConfig


class HomeworkConfig(AppConfig):
    name = "yincai.homework"
    verbose_name = "分层作业与错题本"
    default_auto_field = "django.db.models.BigAutoField"
