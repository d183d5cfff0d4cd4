"""Forced change of a handed-out initial password: until it is changed, every page leads to 修改密码."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from yincai.accounts.services import must_change_password_in_session
from yincai.web.urlcache import cached_reverse


class PasswordChangeRequiredMiddleware:
    """Sends users whose AccountState says must_change_password to the change page; logout and static stay open."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _exempt(self, path: str) -> bool:
        open_paths = {cached_reverse("accounts:password_change"), cached_reverse("accounts:logout"),
                      cached_reverse("accounts:login"), "/healthz"}
        return path in open_paths or path.startswith(settings.STATIC_URL) or path == "/favicon.ico"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or self._exempt(request.path):
            return self.get_response(request)
        if not must_change_password_in_session(user, request.session):
            return self.get_response(request)
        target = reverse("accounts:password_change")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "请先修改初始密码"}, status=403)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        if request.method == "GET" and request.path != "/":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
