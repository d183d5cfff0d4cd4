"""Every lockout goes to the audit log (once, when the limit is reached)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings


def on_locked_out(sender: Any, request: Any = None, username: str | None = None,
                  ip_address: str | None = None, **kwargs: Any) -> None:
    from yincai.oversight.services import audit_record

    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None and failures != settings.AXES_FAILURE_LIMIT:
        return  # still locked: the lock itself was recorded when the limit was reached
    audit_record(action="login", model="登录锁定", object_id=username or ip_address or "",
                 detail=f"连续登录失败，账号“{username or '（空）'}”已被锁定（来源 {ip_address or '未知'}）")


def connect() -> None:
    user_locked_out.connect(on_locked_out, dispatch_uid="yincai_security_locked_out")
