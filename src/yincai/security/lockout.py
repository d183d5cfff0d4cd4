"""How django-axes counts failures in a school: per account strictly, per IP address leniently.

axes supports one failure limit for all its lockout parameters; a school needs two. With
``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]`` the handler below reports an account's own
failures, and reports "at the limit" for every account tried from an address once that address has
reached the (much higher) IP limit. A successful login forgets the account's own earlier failures.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def ip_failure_limit() -> int:
    return int(getattr(settings, "YINCAI_LOGIN_IP_FAILURE_LIMIT", 100))


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: behind ``YINCAI_PROXY_COUNT`` trusted proxies, read from X-Forwarded-For.

    The proxy appends (or sets) the address it saw, so the n-th entry from the right is the one a
    trusted proxy wrote; entries further left come from the client and are not trusted.
    """
    proxies = int(getattr(settings, "YINCAI_PROXY_COUNT", 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def _failures(attempts: Any) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class SchoolLockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a separate, higher limit for IP addresses (see module docstring)."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        by_user, by_ip = self.get_user_attempts(request, credentials)
        user_failures = _failures(by_user) if get_client_username(request, credentials) else 0
        if _failures(by_ip) >= ip_failure_limit():
            return max(user_failures, get_failure_limit(request, credentials))
        return user_failures

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        # the account's own typos are forgiven; other accounts' failures from the same address stay
        AccessAttempt.objects.filter(username=user.get_username()).delete()
