"""Every save and delete of a yincai model is written to the audit log (bulk writes log themselves)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from yincai.oversight.models import AuditLog
from yincai.oversight.services import audit_write

AUDITED_APP_PREFIX = "yincai."


def _is_audited(sender: Any) -> bool:
    return sender is not AuditLog and sender.__module__.startswith(AUDITED_APP_PREFIX)


def on_save(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _is_audited(sender):
        return
    audit_write(instance, action="create" if created else "update")


def on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    if _is_audited(sender):
        audit_write(instance, action="delete")


def connect() -> None:
    post_save.connect(on_save, dispatch_uid="yincai_audit_save")
    post_delete.connect(on_delete, dispatch_uid="yincai_audit_delete")
