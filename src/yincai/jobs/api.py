"""The enqueue API: `enqueue(task, *args, **kwargs)` from any app; `in_process()` for command-line tools."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django_tasks.base import Task

_local = threading.local()


@dataclass
class Collected:
    """Tasks queued inside `in_process()`; `run()` runs them here, in order."""

    calls: list[tuple[Task[Any, Any], tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def run(self) -> list[Any]:
        results = []
        while self.calls:
            task, args, kwargs = self.calls.pop(0)
            results.append(task.call(*args, **kwargs))
        return results


def enqueue(task: Task[Any, Any], *args: Any, **kwargs: Any) -> Any:
    """Queue `task` once the current transaction commits (at once outside one). Returns nothing useful to the
    caller on purpose: the app records its own job row (status, progress) and the task updates it."""
    collected: Collected | None = getattr(_local, "collected", None)
    if collected is not None:
        transaction.on_commit(lambda: collected.calls.append((task, args, kwargs)))
        return None
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
    return None


@contextmanager
def in_process() -> Iterator[Collected]:
    """Collect the tasks queued inside the block instead of sending them to the worker (a CLI command then runs
    them itself with `.run()`, so it does not end before its own follow-up work is done)."""
    previous = getattr(_local, "collected", None)
    collected = Collected()
    _local.collected = collected
    try:
        yield collected
    finally:
        _local.collected = previous
