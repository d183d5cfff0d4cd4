"""Background tasks of the homework app (run by `yincai worker`; at once under pytest)."""

from __future__ import annotations

from django_tasks import task


@task()
def handbook_task(job_id: int) -> str:
    from yincai.homework.handbook import run_handbook_job

    return run_handbook_job(job_id).status
