from __future__ import annotations

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "yincai.security"
    verbose_name = "登录安全"

    def ready(self) -> None:
        from yincai.security import signals

        signals.connect()
