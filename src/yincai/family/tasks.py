"""Background tasks of the family app (run by `yincai worker`; at once under pytest)."""

from __future__ import annotations

from django_tasks import default_task_backend, task


@task()
def send_outbox_task() -> dict[str, int]:
    """Send the due 企业微信 outbox rows; if some are backing off, queue the next run for when the first is due."""
    from django.utils import timezone

    from yincai.family.models import Outbox
    from yincai.family.services import send_outbox

    counts = send_outbox()
    waiting = (Outbox.objects.filter(status="queued", next_attempt_at__gt=timezone.now())
               .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
    if waiting is not None and default_task_backend.supports_defer:
        send_outbox_task.using(run_after=waiting).enqueue()
    return counts
