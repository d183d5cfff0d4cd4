"""Unlocking: 教导处 lifts a lock before its cool-off ends; the release is audited."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.db import transaction
from django.db.models import QuerySet

from yincai.oversight.services import audit_record


class UnlockError(ValueError):
    pass


@transaction.atomic
def lockout_release(*, username: str = "", ip: str = "") -> int:
    """Forget the failed logins of ``username`` (or of address ``ip``); return how many records went."""
    username, ip = username.strip(), ip.strip()
    if bool(username) == bool(ip):
        raise UnlockError("请指定要解除锁定的账号或IP地址（二选一）。")
    attempts = AccessAttempt.objects.filter(username=username) if username else AccessAttempt.objects.filter(
        ip_address=ip)
    what = f"账号“{username}”" if username else f"IP地址 {ip}"
    return release_attempts(attempts=attempts, what=what)


@transaction.atomic
def release_attempts(*, attempts: QuerySet[AccessAttempt], what: str) -> int:
    count = attempts.count()
    if count == 0:
        raise UnlockError(f"{what}没有登录失败记录，无需解除锁定。")
    attempts.delete()
    audit_record(action="update", model="登录锁定", object_id=what[:64],
                 detail=f"解除登录锁定：{what}（清除 {count} 条失败记录）")
    return count
