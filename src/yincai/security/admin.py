"""In the Django admin, deleting a login-failure record is an unlock: it goes through the audited service."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from yincai.security.services import release_attempts

if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        release_attempts(attempts=AccessAttempt.objects.filter(pk=obj.pk),
                         what=f"账号“{obj.username}”（IP {obj.ip_address}）")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        names = sorted({a.username or a.ip_address or "" for a in queryset})
        release_attempts(attempts=queryset, what="、".join(names)[:200])
