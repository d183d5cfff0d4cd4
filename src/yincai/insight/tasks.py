"""Background tasks of the diagnosis app (run by `yincai worker`; at once under pytest)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished


@task()
def recompute_task(job_id: int) -> str:
    from yincai.insight.services import run_job

    return run_job(job_id)


@receiver(task_finished)
def _mark_failed_job(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if task_result.status != TaskResultStatus.FAILED or not task_result.task.module_path.endswith(".recompute_task"):
        return
    from yincai.insight.services import job_abandoned

    error = task_result.errors[-1].traceback if task_result.errors else ""
    job_abandoned(job_id=int(task_result.args[0]), reason="后台任务失败：" + (error.strip().splitlines() or [""])[-1])
