"""The task worker (`yincai worker`): django-tasks-db's worker loop, plus re-queueing jobs of dead workers."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class WorkerLost(RuntimeError):
    """The worker process running the job ended before the job did."""


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_orphans(*, max_attempts: int = MAX_ATTEMPTS) -> tuple[int, int]:
    """RUNNING jobs whose worker (on this machine) is gone: queue them again, or fail them after `max_attempts`
    runs. Returns (requeued, failed)."""
    from django_tasks_db.models import DBTaskResult

    host = socket.gethostname()[:40]
    requeued = failed = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        last = result.worker_ids[-1] if result.worker_ids else ""
        worker_host, _, pid = last.rpartition(":")
        if worker_host != host or not pid.isdigit() or _alive(int(pid)):
            continue
        if len(result.worker_ids) >= max_attempts:
            result.set_failed(WorkerLost(f"后台任务进程连续 {len(result.worker_ids)} 次在运行中退出，已放弃"))
            failed += 1
            try:
                task_finished.send(sender=type(result.task.get_backend()), task_result=result.task_result)
            except Exception:  # the app's handler must not stop the worker from starting
                log.exception("task_finished handler failed for %s", result.pk)
        else:
            with transaction.atomic():
                result.status = TaskResultStatus.READY
                result.started_at = None
                result.run_after = timezone.now()
                result.save(update_fields=["status", "started_at", "run_after"])
            requeued += 1
    return requeued, failed


def run_worker(*, queues: str = "*", interval: float = 1.0, batch: bool = False, backend: str = "default",
               verbosity: int = 1, **extra: Any) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    requeued, failed = recover_orphans()
    if requeued or failed:
        print(f"接续中断的后台任务：重新排队 {requeued} 个，放弃 {failed} 个", flush=True)
    logging.getLogger("django_tasks_db").setLevel(logging.INFO if verbosity else logging.WARNING)
    worker = Worker(queue_names=queues.split(","), interval=interval, batch=batch, backend_name=backend,
                    startup_delay=False, max_tasks=None, worker_id=worker_id())
    worker.configure_signals()
    worker.run()
