from __future__ import annotations

from typing import Any

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yincai.accounts.access import role_required
from yincai.accounts.roles import Role
from yincai.security import selectors, services


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The page axes shows instead of the login form while a lock holds (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    return render(request, "security/locked_out.html", {
        "username": get_client_username(request, credentials) or "",
        "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }, status=429)


@role_required(Role.ADMIN)
def lockouts(request: HttpRequest) -> HttpResponse:
    return render(request, "security/lockouts.html", {
        "limit_user": settings.AXES_FAILURE_LIMIT,
        "sections": [("被锁定的账号", selectors.locked_accounts(), "username"),
                     ("被锁定的IP地址", selectors.locked_addresses(), "ip")],
    })


@role_required(Role.ADMIN)
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    try:
        count = services.lockout_release(username=request.POST.get("username", ""), ip=request.POST.get("ip", ""))
    except services.UnlockError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已解除锁定（清除 {count} 条失败记录）。")
    return redirect("security:lockouts")
