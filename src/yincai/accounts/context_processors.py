"""Per-role navigation: each role sees only the menu entries it may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from yincai.accounts.roles import FAMILY_ROLES, ROLE_LABELS, STAFF_ROLES, TEACHING_ROLES, Role, roles_of
from yincai.accounts.services import must_change_password
from yincai.web.urlcache import cached_reverse

NAV: list[tuple[str, str, frozenset[Role]]] = [
    ("首页", "web:home", frozenset(Role)),
    ("班级", "web:class_list", TEACHING_ROLES | {Role.COUNSELOR}),
    ("我的学生", "web:mentees", frozenset({Role.MENTOR})),
    ("知识点体系", "web:kp_tree", STAFF_ROLES),
    ("测评", "assessment:index", TEACHING_ROLES),
    ("数据导入", "imports:index", TEACHING_ROLES),
    ("诊断与分层", "insight:overview", TEACHING_ROLES | {Role.COUNSELOR}),
    ("学业预警", "insight:alerts", TEACHING_ROLES),
    ("题库", "itembank:index", TEACHING_ROLES),
    ("培优辅差", "support:home", STAFF_ROLES),
    ("分层作业", "homework:index", STAFF_ROLES),
    ("我的作业", "homework:index", FAMILY_ROLES),  # families see homework, never the word for tiers
    ("成效评估", "evaluation:dashboard", frozenset({Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER})),
    ("我的积分", "support:me", frozenset({Role.STUDENT})),
    ("学习计划", "support:family_home", frozenset({Role.PARENT})),
    ("常规检查", "leadership:checks", frozenset({Role.ADMIN})),
    ("工作计划", "leadership:plan", STAFF_ROLES),
    ("审计日志", "web:audit_log", frozenset({Role.ADMIN})),
    ("账号与登录凭条", "accounts:manage", frozenset({Role.ADMIN, Role.HEAD_TEACHER})),
    ("家校协同", "homeschool:home", frozenset(Role)),
    ("我的成长", "web:me", frozenset({Role.STUDENT})),
    ("家长首页", "family:portal", frozenset({Role.PARENT})),
    ("家校沟通", "family:inbox", frozenset({Role.HEAD_TEACHER, Role.SUBJECT_TEACHER})),
    ("家校设置", "family:settings", frozenset({Role.ADMIN})),
    ("API 令牌", "apitokens:tokens", STAFF_ROLES),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = roles_of(user)
    if must_change_password(user):  # until the initial password is changed, only 修改密码 and 退出 lead anywhere
        return {"nav_items": [], "user_roles": sorted(ROLE_LABELS[r] for r in roles), "is_school_admin": False}
    items = [{"label": label, "url": cached_reverse(name), "active": request.resolver_match and request.resolver_match.view_name == name}
             for label, name, allowed in NAV if roles & allowed]
    return {
        "nav_items": items,
        "user_roles": sorted(ROLE_LABELS[r] for r in roles),
        "is_school_admin": Role.ADMIN in roles,
    }
