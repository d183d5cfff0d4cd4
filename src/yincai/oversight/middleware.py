from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from yincai.oversight.context import Actor, current_actor


class AuditContextMiddleware:
    """Makes the requesting user and address available to audit records written during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ip = request.META.get("REMOTE_ADDR")
        token = current_actor.set(Actor(user=request.user, ip=ip, path=request.path[:300]))
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)
