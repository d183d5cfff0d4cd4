"""Header data for every page: unread notifications and the family roles' bottom tab bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from yincai.accounts.roles import FAMILY_ROLES, Role, roles_of
from yincai.web.urlcache import cached_reverse


def family_header(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from yincai.accounts.services import must_change_password
    from yincai.family.selectors import unread_count

    roles = roles_of(user)
    tabs: list[tuple[str, str, str]] = []  # label, url name, icon text
    if roles and roles <= FAMILY_ROLES and not must_change_password(user):  # forced change: no way around it
        if Role.PARENT in roles:
            tabs += [("孩子", "family:portal", "⌂"), ("计划", "support:family_home", "✎")]
        if Role.STUDENT in roles:
            tabs += [("首页", "web:home", "⌂"), ("成长", "web:me", "↗"), ("积分", "support:me", "★")]
        tabs.append(("通知", "family:notifications", "✉"))
    current = request.resolver_match.view_name if request.resolver_match else ""
    family_prefixes = {"family:child": "family:portal", "family:thread": "family:portal", "web:child_detail": "family:portal",
                       "support:family": "support:family_home"}
    active = family_prefixes.get(current, current)
    return {
        "unread_notifications": unread_count(user),
        "family_tabs": [{"label": label, "url": cached_reverse(name), "icon": icon, "active": name == active}
                        for label, name, icon in tabs],
    }
