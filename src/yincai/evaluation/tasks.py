"""Background tasks of the evaluation app (run by `yincai worker`; at once under pytest)."""

from __future__ import annotations

from django_tasks import task


@task()
def term_report_task(report_id: int) -> str:
    from yincai.evaluation.reports import run_term_report

    return run_term_report(report_id).status
