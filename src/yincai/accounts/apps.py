from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yincai.accounts"
    label = "accounts"
    verbose_name = "账号与权限"
