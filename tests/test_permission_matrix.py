"""Role × endpoint matrix (DESIGN §1, issue 3): every URL pattern and API operation declares its roles;
each of the 8 roles is checked against each, and an endpoint added without a declaration fails here.

Two passes per endpoint with object parameters: with objects every persona relates to ("own", alice's),
declared roles are let in and others refused; with a stranger's objects (dan, another grade), only the
school-wide roles (admin, counsellor) among the declared ones are let in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.personas import Personas
from tests.urlparams import QUERY_STRINGS, URL_PARAMS
from yincai.accounts.access import PUBLIC, declared_roles
from yincai.accounts.roles import Role
from yincai.api.api import api

SCHOOL_WIDE = frozenset({Role.ADMIN, Role.COUNSELOR})
ALLOWED_STATUSES = {200, 405}  # 405: the role passed, GET is simply not the method (POST-only views)
# Public pages that exist only while the database holds no school (the matrix school exists: 404 for everyone).
FIRST_RUN_ONLY = {"setup:start"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str  # Django route with <converter:name> placeholders
    roles: frozenset[Role] | str | None
    is_admin_site: bool = False
    is_api: bool = False
    method: str = "GET"  # API operations: their own method (POST ones are sent an empty body)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[tuple[str, str, Any]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if p.namespace and namespace else (p.namespace or namespace)
            found += _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or str(p.pattern))
            found.append((name, prefix + str(p.pattern), p.callback))
    return found


def _api_operation_roles() -> dict[str, frozenset[Role] | None]:
    """API path (relative to /api/v1/) → declared roles of its GET operation (None when undeclared)."""
    result: dict[str, frozenset[Role] | None] = {}
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                auths = [getattr(a, "yincai_roles", None) for a in op.auth_callbacks]
                declared = next((r for r in auths if r is not None), None)
                for method in op.methods:
                    result[f"{method} {(prefix + path).lstrip('/')}"] = declared
    return result


def collect_endpoints() -> list[Endpoint]:
    endpoints = []
    api_roles = _api_operation_roles()
    for name, route, callback in _walk(get_resolver().url_patterns):
        if name in ("admin:login", "admin:logout"):
            endpoints.append(Endpoint(name, route, PUBLIC, is_admin_site=True))
        elif route.startswith("admin/"):
            endpoints.append(Endpoint(name, route, frozenset({Role.ADMIN}), is_admin_site=True))
        elif route.startswith("api/v1/"):
            continue  # API operations are enumerated from the router below
        elif route.startswith("static/") or route.startswith("^static"):
            continue
        else:
            endpoints.append(Endpoint(name, route, declared_roles(callback)))
    docs_routes = {"api/v1/openapi.json", "api/v1/docs"}
    for key, roles in api_roles.items():
        method, path = key.split(" ", 1)
        route = "api/v1/" + re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))
        endpoints.append(Endpoint(f"api {key}", route, roles, is_api=True, method=method))
    for route in sorted(docs_routes):  # the schema and docs need a login (docs_decorator), any role
        endpoints.append(Endpoint(route, route, frozenset(Role), is_api=True))
    return endpoints


ENDPOINTS = collect_endpoints()
ROLES = list(Role)


def test_every_endpoint_declares_its_roles() -> None:
    undeclared = [e.name for e in ENDPOINTS if e.roles is None]
    assert not undeclared, f"这些地址没有声明允许的角色（用 role_required/api_roles/public）：{undeclared}"


def test_matrix_covers_every_url_pattern_and_api_route() -> None:
    url_count = len([1 for _, route, _ in _walk(get_resolver().url_patterns) if not route.startswith("api/v1/")])
    api_count = len(_api_operation_roles())
    covered = len([e for e in ENDPOINTS if not e.is_api]) + len([e for e in ENDPOINTS if e.name.startswith("api ")])
    print(f"\nmatrix: {url_count} URL patterns + {api_count} API operations × {len(ROLES)} roles")
    assert covered == url_count + api_count


def _fill(route: str, personas: Personas, which: int) -> str | None:
    """Substitute parameters; None when the route needs a parameter we do not know (test fails then)."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    url = route
    for n in names:
        if n not in URL_PARAMS:
            return None
        url = re.sub(rf"<(?:\w+:)?{n}>", str(URL_PARAMS[n][which](personas)), url)
    return "/" + url.lstrip("^").rstrip("$")


def _admin_url(route: str, personas: Personas) -> str:
    # Admin object URLs: any object id works for the refusal check; the admin itself gets 200 or 302.
    url = re.sub(r"<path:object_id>", "1", route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", "x", url)
    return "/" + url.lstrip("^").rstrip("$")


def _request(client: Client, url: str, endpoint: Endpoint) -> Any:
    if endpoint.method == "POST":  # an empty JSON body: valid for bodies with defaults, so objects are looked up
        return client.post(url, "{}", content_type="application/json")
    return client.get(url)


def _status(client: Client, url: str, endpoint: Endpoint) -> tuple[int, str]:
    query = QUERY_STRINGS.get(endpoint.name, "")
    response = _request(client, url + (("?" + query) if query else ""), endpoint)
    return response.status_code, response.get("Location", "")


def _verdict(endpoint: Endpoint, allowed: bool, status: int, location: str) -> bool:
    if endpoint.name in FIRST_RUN_ONLY:
        return status == 404
    if endpoint.roles == PUBLIC:
        return status in (200, 302, 405)
    if endpoint.is_admin_site:
        # The admin answers a non-staff user with a redirect to its login page.
        if allowed:  # 403 too: read-only models (the audit log) refuse add/delete even to the admin
            return status in (200, 302, 403, 404) and "/admin/login/" not in location
        return status in (403, 404) or (status == 302 and "/admin/login/" in location)
    if endpoint.method == "POST":  # the role passed; the empty body is then refused (400) or malformed (422)
        return status in (200, 400, 422) if allowed else status in (401, 403, 404)
    return status in ALLOWED_STATUSES if allowed else status in (401, 403, 404)


def _check(endpoint: Endpoint, personas: Personas, which: int) -> list[str]:
    url = _admin_url(endpoint.route, personas) if endpoint.is_admin_site else _fill(endpoint.route, personas, which)
    if url is None:
        return [f"{endpoint.name}: 未知的URL参数，请在 tests/urlparams.py 中登记"]
    if which == 1 and (endpoint.is_admin_site or url == _fill(endpoint.route, personas, 0)):
        return []  # no object parameter: the stranger pass adds nothing
    problems: list[str] = []
    for role in ROLES:
        client = Client()
        client.force_login(personas.user(role))
        status, location = _status(client, url, endpoint)
        declared = endpoint.roles if isinstance(endpoint.roles, frozenset) else frozenset(Role)
        allowed = role in declared and (which == 0 or role in SCHOOL_WIDE)
        if not _verdict(endpoint, allowed, status, location):
            expected = "允许" if allowed else "拒绝"
            pass_name = "own" if which == 0 else "stranger"
            problems.append(f"{endpoint.name} [{pass_name}] {role.value}: 应{expected}，实际 {status} ({url})")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_role_matrix(endpoint: Endpoint, personas: Personas) -> None:
    if endpoint.roles is None:
        pytest.fail(f"{endpoint.name} 未声明角色")
    problems = _check(endpoint, personas, 0) + _check(endpoint, personas, 1)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(personas: Personas) -> None:
    client = Client()
    for e in ENDPOINTS:
        if e.roles == PUBLIC or e.is_admin_site:
            continue
        url = _fill(e.route, personas, 0)
        assert url is not None
        status = _request(client, url, e).status_code
        assert status in (302, 401, 403), f"{e.name}: 未登录访问应被拒绝，实际 {status}"
