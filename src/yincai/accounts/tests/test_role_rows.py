"""The user's roles and assignments are read once per request, and a role written during the request is seen."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test.utils import CaptureQueriesContext

from tests.personas import Personas
from yincai.accounts.roles import Role, assignments_of
from yincai.requestcache import RequestCacheMiddleware
from yincai.school.models import Staff, StaffRole

pytestmark = pytest.mark.django_db


def _in_request(view) -> HttpResponse:  # type: ignore[no-untyped-def]
    return RequestCacheMiddleware(view)(HttpRequest())


def test_one_query_per_request_and_a_new_role_is_seen_in_the_same_request(personas: Personas) -> None:
    user = personas.user(Role.HEAD_TEACHER)
    seen: list[set[int | None]] = []

    def view(request: HttpRequest) -> HttpResponse:
        with CaptureQueriesContext(connection) as queries:
            first = {a.class_id for a in assignments_of(user, personas.term, {Role.HEAD_TEACHER})}
            assignments_of(user, personas.term, {Role.HEAD_TEACHER})
        assert len(queries.captured_queries) == 1
        StaffRole.objects.create(staff=Staff.objects.get(user=user), term=personas.term, role=Role.HEAD_TEACHER,
                                 school_class=personas.class32)
        seen.extend([first, {a.class_id for a in assignments_of(user, personas.term, {Role.HEAD_TEACHER})}])
        return HttpResponse()

    _in_request(view)
    assert seen[0] == {personas.class31.pk}
    assert seen[1] == {personas.class31.pk, personas.class32.pk}
