from __future__ import annotations

from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "yincai.oversight"
    label = "oversight"
    verbose_name = "审计与督导"

    def ready(self) -> None:
        from yincai.oversight import signals

        signals.connect()
