"""`reverse()` remembered across requests: the same URL names and ids are reversed on every page view (the menu,
each row's link), and Django rebuilds and re-checks each URL every time.

Only plain arguments (int, str) are remembered; anything else is reversed as usual. The memory is dropped
when the URL configuration changes (tests overriding ROOT_URLCONF) and when it grows past a bound.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_MAX = 50_000
_memory: dict[tuple[Any, ...], str] = {}


def cached_reverse(viewname: str, args: list[Any] | tuple[Any, ...] | None = None,
                   kwargs: dict[str, Any] | None = None, current_app: str | None = None) -> str:
    args = tuple(args or ())
    items = tuple(sorted((kwargs or {}).items()))
    if not all(type(v) in (int, str) for v in (*args, *(v for _, v in items))):
        return reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    key = (viewname, args, items, current_app, get_script_prefix(), get_urlconf(), get_language())
    url = _memory.get(key)
    if url is None:
        url = reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
        if len(_memory) >= _MAX:
            _memory.clear()
        _memory[key] = url
    return url


def _forget(*, setting: str, **_: Any) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME", "INSTALLED_APPS"}:
        _memory.clear()


setting_changed.connect(_forget, dispatch_uid="yincai_urlcache_forget")
