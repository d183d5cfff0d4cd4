from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps


def _recompute_after_score_import(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A committed score import queues a recompute of its grade (started after the import's commit)."""
    if kwargs.get("raw") or instance.kind != "scores" or instance.status != "committed" or instance.assessment_id is None:
        return
    from yincai.insight.services import recompute_start

    assessment = instance.assessment
    recompute_start(term=assessment.term, grade=assessment.grade, user=instance.created_by)


class InsightConfig(AppConfig):
    name = "yincai.insight"
    label = "insight"
    verbose_name = "诊断与分层"

    def ready(self) -> None:
        from yincai.insight import tasks  # noqa: F401  (registers the task and its failure handler)

        if apps.is_installed("yincai.imports"):
            from django.db.models.signals import post_save

            post_save.connect(_recompute_after_score_import, sender="imports.ImportBatch",
                              dispatch_uid="insight_recompute_after_import")
