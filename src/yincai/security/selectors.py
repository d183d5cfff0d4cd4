"""Which accounts and addresses are locked right now (for 教导处's unlock page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from yincai.security.lockout import ip_failure_limit


@dataclass(frozen=True)
class Lock:
    key: str  # the username or the IP address
    failures: int
    last_attempt: datetime
    unlocks_at: datetime | None  # None: only 教导处 can unlock


def _recent() -> QuerySet[AccessAttempt]:
    cool_off = get_cool_off()
    qs = AccessAttempt.objects.all()
    return qs.filter(attempt_time__gte=timezone.now() - cool_off) if cool_off else qs


def _locks(field: str, limit: int) -> list[Lock]:
    cool_off = get_cool_off()
    rows = (_recent().exclude(**{f"{field}__isnull": True}).exclude(**{field: ""}).values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit).order_by("-last"))
    return [Lock(key=r[field], failures=r["failures"], last_attempt=r["last"],
                 unlocks_at=r["last"] + cool_off if cool_off else None) for r in rows]


def locked_accounts() -> list[Lock]:
    return _locks("username", int(settings.AXES_FAILURE_LIMIT))


def locked_addresses() -> list[Lock]:
    return _locks("ip_address", ip_failure_limit())
