"""Account state beside Django's User: whether the password is a handed-out initial one that must be changed.

The initial password itself is never stored: it exists only in the generated 登录凭条 (slip) and, hashed,
in `User.password`. Users without a state row (the demo, accounts created before this app) are not forced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccountState(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_state", verbose_name="用户"
    )
    must_change_password = models.BooleanField("首次登录须修改密码", default=False)
    initial_password_issued_at = models.DateTimeField("初始密码签发时间", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="签发人",
    )
    last_reset_at = models.DateTimeField("最近重置时间", null=True, blank=True)
    last_reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="最近重置人",
    )
    password_changed_at = models.DateTimeField("本人修改密码时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "账号状态"

    def __str__(self) -> str:
        flag = "待修改初始密码" if self.must_change_password else "正常"
        return f"{self.user} · {flag}"
