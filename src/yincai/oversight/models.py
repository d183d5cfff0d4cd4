"""Audit log: every write, and every read of a student's sensitive data (family, psychology, tier)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditLog(models.Model):
    ACTION_CHOICES = [
        ("create", "新增"),
        ("update", "修改"),
        ("delete", "删除"),
        ("read_sensitive", "查看敏感信息"),
        ("export", "导出"),
        ("login", "登录"),
        ("bulk", "批量操作"),
    ]
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="操作人"
    )
    action = models.CharField("动作", max_length=20, choices=ACTION_CHOICES)
    model = models.CharField("对象类型", max_length=100)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    student_id = models.BigIntegerField("涉及学生", null=True, blank=True, db_index=True)
    detail = models.CharField("说明", max_length=500, blank=True)
    ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    path = models.CharField("页面", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.model}#{self.object_id}"
