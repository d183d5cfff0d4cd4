"""The queue's rules: jobs wait for the commit, dead workers' jobs are re-queued then failed visibly,
command-line tools run their follow-up work in-process."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from django.urls import reverse
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.insight.models import RecomputeJob
from yincai.insight.tasks import recompute_task
from yincai.insight.tests.helpers import client_for
from yincai.jobs.api import enqueue, in_process
from yincai.jobs.worker import MAX_ATTEMPTS, recover_orphans


def _dead_worker_id() -> str:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{socket.gethostname()[:40]}:{proc.pid}"


def _running_in_queue(job: RecomputeJob, attempts: int) -> DBTaskResult:
    result = recompute_task.using(backend="database").enqueue(job.pk)
    row = DBTaskResult.objects.get(pk=result.id)
    row.status = TaskResultStatus.RUNNING
    row.worker_ids = [_dead_worker_id() for _ in range(attempts)]
    row.save()
    return row


@pytest.mark.django_db
def test_a_job_of_a_dead_worker_is_queued_again(personas: Personas) -> None:
    job = RecomputeJob.objects.create(term=personas.term, grade=personas.class31.grade, status="running", progress=40)
    row = _running_in_queue(job, attempts=1)
    assert recover_orphans() == (1, 0)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY
    assert DBTaskResult.objects.ready().filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_after_too_many_lost_workers_the_job_fails_visibly_on_the_class_page(personas: Personas) -> None:
    job = RecomputeJob.objects.create(term=personas.term, grade=personas.class31.grade, status="running", progress=40)
    row = _running_in_queue(job, attempts=MAX_ATTEMPTS)
    assert recover_orphans() == (0, 1)
    row.refresh_from_db()
    job.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED and job.status == "failed" and "后台任务" in job.error
    html = client_for(personas, Role.HEAD_TEACHER).get(
        reverse("insight:job_status", kwargs={"class_id": personas.class31.pk})).content.decode()
    assert "上次诊断计算失败" in html and "every 1s" not in html


@pytest.mark.django_db
def test_a_live_workers_job_is_left_alone(personas: Personas) -> None:
    import os

    job = RecomputeJob.objects.create(term=personas.term, grade=personas.class31.grade, status="running")
    row = _running_in_queue(job, attempts=1)
    row.worker_ids = [f"{socket.gethostname()[:40]}:{os.getpid()}"]
    row.save()
    assert recover_orphans() == (0, 0)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_in_process_collects_the_tasks_and_runs_them_here(personas: Personas) -> None:
    job = RecomputeJob.objects.create(term=personas.term, grade=personas.class31.grade, status="queued")
    with in_process() as background:
        enqueue(recompute_task, job.pk)
    assert len(background.calls) == 1
    job.refresh_from_db()
    assert job.status == "queued"  # nothing ran yet, nothing went to the queue
    assert not DBTaskResult.objects.exists()
    assert background.run() == ["done"]
    job.refresh_from_db()
    assert job.status == "done" and job.progress == 100


def test_the_test_settings_run_tasks_at_once_and_the_queue_is_the_database() -> None:
    assert type(task_backends["default"]).__name__ == "ImmediateBackend"
    assert type(task_backends["database"]).__name__ == "DatabaseBackend"
