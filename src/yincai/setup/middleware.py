"""First run: while the database holds no school, every page leads to the setup page (/setup/)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from yincai.school.models import School, Term

EXEMPT_PREFIXES = ("/setup/", "/healthz", "/favicon.ico")


class FirstRunMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if not path.startswith((*EXEMPT_PREFIXES, settings.STATIC_URL)) and not _school_exists():
            return HttpResponseRedirect(reverse("setup:start"))
        return self.get_response(request)


def _school_exists() -> bool:
    try:  # a term belongs to a school, and the current term is asked for by every page anyway (kept per request)
        return Term.current() is not None or School.objects.exists()
    except DatabaseError:  # not migrated yet: let the page fail on its own (`yincai serve` migrates first)
        return True
