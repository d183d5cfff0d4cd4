"""No lost updates: optimistic versions for edit forms (issue 16, item 4).

A model that two people may edit at once carries an integer `version` (incremented on every save). The edit
form posts the version it was based on; the service calls, inside its transaction and before writing anything:

    check_version(plan, posted_version, describe=lambda p: {"帮扶措施": p.measures, ...},
                  yours={"帮扶措施": measures, ...})
    ... write ...
    bump_version(plan)          # plan.version += 1 (include "version" when saving with update_fields)

A stale version raises `StaleEdit` (a ValidationError whose message starts with 已被他人修改), carrying the
other change: who saved it and when (the latest audit entry of the object), the current version, and each
field whose current value differs from yours. Views that already show ValidationError messages need nothing
more; `posted_version=None` means an internal caller (CLI, tests) that does not edit from a form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

STALE = "已被他人修改"


@dataclass(frozen=True)
class Difference:
    label: str
    current: str
    yours: str


@dataclass
class OtherChange:
    version: int
    by: str
    at: datetime | None
    differences: list[Difference] = field(default_factory=list)


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple, set)):
        return "、".join(str(v) for v in value) or "（空）"
    text = "" if value is None else str(value)
    return text.strip() or "（空）"


class StaleEdit(ValidationError):
    """The object changed since the form was opened; nothing was written."""

    def __init__(self, change: OtherChange) -> None:
        self.change = change
        when = timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M") if change.at else "刚才"
        parts = [f"{STALE}：{change.by} 于 {when} 保存了新的版本（第 {change.version} 版），您的修改没有保存。"]
        if change.differences:
            parts.append("当前内容与您的修改：" + "；".join(
                f"{d.label}：当前「{d.current}」，您的「{d.yours}」" for d in change.differences))
        parts.append("请在最新内容的基础上重新修改。")
        super().__init__("".join(parts), code="stale")


def last_change(obj: models.Model) -> tuple[str, datetime | None]:
    """Who saved `obj` last and when, from the audit log ('他人' when unknown)."""
    from yincai.oversight.models import AuditLog

    entry = (AuditLog.objects.filter(model=obj._meta.label, object_id=str(obj.pk), action__in=("create", "update"))
             .select_related("actor").first())
    if entry is None:
        return "他人", None
    actor = entry.actor
    name = "他人"
    if actor is not None:
        staff = getattr(actor, "staff", None) if hasattr(actor, "staff") else None
        name = getattr(staff, "name", "") or actor.get_full_name() or actor.get_username()
    return name, entry.at


def parse_version(value: Any) -> int:
    """A posted version; a missing or garbled one is refused (the form is older than this feature)."""
    text = str(value or "").strip()
    if not text.isdigit():
        raise ValidationError("表单缺少版本号，请刷新页面后重新修改")
    return int(text)


def check_version(obj: models.Model, posted_version: int | None, *,
                  describe: Callable[[Any], Mapping[str, Any]] | None = None,
                  yours: Mapping[str, Any] | None = None,
                  who: Callable[[Any], tuple[str, datetime | None]] | None = None) -> None:
    """Refuse with StaleEdit when `obj`'s stored version is not `posted_version`. Locks the row (call inside
    the service's transaction) and refreshes `obj` from the database, so `describe(obj)` shows current values."""
    if posted_version is None:
        return
    model = type(obj)
    current = model._default_manager.select_for_update().filter(pk=obj.pk).values_list("version", flat=True).first()
    if current is None or current == posted_version:
        obj.version = current if current is not None else obj.version  # type: ignore[attr-defined]
        return
    obj.refresh_from_db()
    by, at = (who or last_change)(obj)
    differences = []
    if describe is not None and yours is not None:
        now = describe(obj)
        for label, mine in yours.items():
            if label in now and _text(now[label]) != _text(mine):
                differences.append(Difference(label, _text(now[label]), _text(mine)))
    raise StaleEdit(OtherChange(version=current, by=by, at=at, differences=differences))


def bump_version(obj: models.Model) -> int:
    """Increment the in-memory version before saving (save with "version" in update_fields)."""
    obj.version = (obj.version or 0) + 1  # type: ignore[attr-defined]
    return obj.version  # type: ignore[attr-defined]
