"""Writing audit records. Reads of sensitive data call `audit_sensitive_read`; writes are caught by signals."""

from __future__ import annotations

from typing import Any

from django.db import models

from yincai.oversight.context import current_actor
from yincai.oversight.models import AuditLog


def _actor_fields() -> dict[str, Any]:
    actor = current_actor.get()
    if actor is None:
        return {"actor": None, "ip": None, "path": ""}
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    return {"actor": user, "ip": actor.ip, "path": actor.path}


def audit_record(
    *, action: str, model: str, object_id: Any = "", student_id: int | None = None, detail: str = ""
) -> AuditLog:
    return AuditLog.objects.create(
        action=action,
        model=model,
        object_id=str(object_id)[:64],
        student_id=student_id,
        detail=detail[:500],
        **_actor_fields(),
    )


def audit_sensitive_read(*, student_id: int, what: str, object_id: Any = "") -> AuditLog:
    """Record that the current user read `what` (e.g. 家庭情况, 心理记录, 分层) of a student."""
    return audit_record(action="read_sensitive", model=what, object_id=object_id, student_id=student_id, detail=what)


def _student_id_of(instance: models.Model) -> int | None:
    from yincai.school.models import Student

    if isinstance(instance, Student):
        return instance.pk
    sid = getattr(instance, "student_id", None)
    return sid if isinstance(sid, int) else None


def audit_write(instance: models.Model, *, action: str) -> None:
    audit_record(
        action=action,
        model=instance._meta.label,
        object_id=instance.pk,
        student_id=_student_id_of(instance),
        detail=str(instance)[:200],
    )
