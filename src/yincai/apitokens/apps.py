from __future__ import annotations

from django.apps import AppConfig


class ApiTokensConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "yincai.apitokens"
    verbose_name = "API 令牌"
