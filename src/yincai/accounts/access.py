"""Declared access: every view and API operation states which roles may call it.

`role_required(...)` is the one decorator for HTML views and `api_roles(...)` for django-ninja operations.
Both record the declaration on the function (`yincai_roles`), which the role × endpoint matrix test reads:
an endpoint without a declaration fails the build. Object-level checks happen in selectors (a visible
queryset), so a user with the right role but no relationship to the object gets 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja.security import SessionAuth

from yincai.accounts.roles import Role, roles_of

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"


def declare(func: Any, roles: Iterable[Role] | str) -> None:
    func.yincai_roles = roles if roles == PUBLIC else frozenset(roles)


def public(view: F) -> F:
    """Mark a view as reachable without login (login page, health check)."""
    declare(view, PUBLIC)
    return view


def role_required(*roles: Role) -> Callable[[F], F]:
    """Allow the view to users holding at least one of `roles` in the current term; others get 403."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (roles_of(request.user) & allowed):
                raise PermissionDenied("您没有访问此页面的权限")
            return view(request, *args, **kwargs)

        declare(wrapped, allowed)
        return wrapped  # type: ignore[return-value]

    return decorator


class RolesAuth(SessionAuth):
    """django-ninja auth for session users holding one of `roles`; runs before body validation.

    Refusal is 401 for anonymous users and 403 for users without the role. The declaration is readable as
    `auth.yincai_roles` (the matrix test reads it from each operation's auth callbacks).
    """

    def __init__(self, roles: Iterable[Role]) -> None:
        super().__init__(csrf=True)
        self.yincai_roles: frozenset[Role] = frozenset(roles)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from ninja.errors import HttpError

        if not request.user.is_authenticated:
            return None
        if not (roles_of(request.user) & self.yincai_roles):
            raise HttpError(403, "您没有访问此接口的权限")
        return request.user


def api_roles(*roles: Role) -> list[Any]:
    """`@api.get(..., auth=api_roles(Role.ADMIN, ...))` — the one way to declare an API operation's roles.

    A personal access token (`Authorization: Bearer yc_…`, yincai.apitokens) or the session; both carry the
    declaration as `yincai_roles`."""
    from yincai.apitokens.auth import TokenAuth

    return [TokenAuth(roles), RolesAuth(roles)]


class UndeclaredAuth(SessionAuth):
    """Default auth of the API: refuses everything, so an operation without `api_roles` cannot leak."""

    yincai_roles = None

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return None


def declared_roles(func: Any) -> frozenset[Role] | str | None:
    """The declaration of a view function (following decorators' __wrapped__), or None."""
    seen = 0
    while func is not None and seen < 10:
        roles = getattr(func, "yincai_roles", None)
        if roles is not None:
            return roles
        func = getattr(func, "__wrapped__", None)
        seen += 1
    return None


def login_only(view: F) -> F:
    """Any signed-in user, whatever their roles (e.g. 修改密码); declared for every role in the matrix."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    declare(wrapped, frozenset(Role))
    return wrapped  # type: ignore[return-value]
