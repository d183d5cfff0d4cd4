"""`Authorization: Bearer yc_…` for the API, an alternative to the session (no CSRF: nothing is implicit)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from yincai.accounts.roles import Role


class TokenAuth(HttpBearer):
    """Accepts an active personal access token whose owner (now) holds one of `roles`: 401 for a missing,
    unknown, expired or revoked token (the next auth callback, the session, is tried), 403 without the role.
    The declaration is readable as `auth.yincai_roles`, like RolesAuth's."""

    openapi_description = "个人 API 令牌（在「API 令牌」页面创建）：Authorization: Bearer yc_…"

    def __init__(self, roles: Iterable[Role]) -> None:
        super().__init__()
        self.yincai_roles: frozenset[Role] = frozenset(roles)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from ninja.errors import HttpError

        from yincai.apitokens.services import token_user
        from yincai.oversight.context import Actor, current_actor
        from yincai.school.models import Term

        found = token_user(token)
        if found is None:
            return None
        user, roles = found
        term = Term.current()
        setattr(user, f"_yincai_roles_{term.pk if term else 0}", roles)  # roles_of(user) = the token's scope
        request.user = user
        current_actor.set(Actor(user=user, ip=request.META.get("REMOTE_ADDR"), path=request.path[:300]))
        if not (roles & self.yincai_roles):
            raise HttpError(403, "您没有访问此接口的权限")
        return user
