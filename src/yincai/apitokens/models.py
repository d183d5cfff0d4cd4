"""Personal access tokens for the API (issue 16, item 6): hashed at rest, expiring, revocable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """`yc_<prefix>_<secret>`: only the prefix (for lookup) and sha256 of the whole token are stored.

    `roles` narrows the token to some of the owner's roles (empty = all); the owner's roles are re-derived on
    every request, so a token never exceeds its owner."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                              verbose_name="所有人")
    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("前缀", max_length=12, unique=True)
    token_hash = models.CharField("令牌摘要(sha256)", max_length=64, unique=True)
    roles = models.JSONField("限定角色", default=list, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    expires_at = models.DateTimeField("到期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (yc_{self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "已吊销"
        return "有效" if self.expires_at > timezone.now() else "已过期"
