"""Values computed once per request (e.g. the current term, asked for by the nav, the role check and the view).

`RequestCacheMiddleware` opens a fresh cache for each request and drops it afterwards; outside a request
(services, commands, tests calling code directly) `cached()` simply computes the value each time.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

T = TypeVar("T")
_cache: ContextVar[dict[str, Any] | None] = ContextVar("yincai_request_cache", default=None)


def cached(key: str, compute: Callable[[], T]) -> T:
    store = _cache.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]  # type: ignore[no-any-return]


def remember(key: str, value: Any) -> None:
    """Sets the request's value of `key` (known from elsewhere, e.g. the session); no-op outside a request."""
    store = _cache.get()
    if store is not None:
        store[key] = value


def forget(key: str) -> None:
    store = _cache.get()
    if store is not None:
        store.pop(key, None)


def forget_prefix(prefix: str) -> None:
    store = _cache.get()
    if store is not None:
        for key in [k for k in store if k.startswith(prefix)]:
            del store[key]


def _term_changed(sender: Any, **kwargs: Any) -> None:
    forget("school.Term.current")


def _roles_changed(sender: Any, **kwargs: Any) -> None:
    forget_prefix("accounts.role_rows:")


class RequestCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.db.models.signals import post_delete, post_save

        self.get_response = get_response
        for signal in (post_save, post_delete):  # a request that creates a term sees it at once
            signal.connect(_term_changed, sender="school.Term", dispatch_uid=f"requestcache_term_{id(signal)}")
            for model in ("school.StaffRole", "school.Student", "school.Guardian"):  # who holds which role
                signal.connect(_roles_changed, sender=model, dispatch_uid=f"requestcache_roles_{model}_{id(signal)}")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _cache.set({})
        try:
            return self.get_response(request)
        finally:
            _cache.reset(token)
