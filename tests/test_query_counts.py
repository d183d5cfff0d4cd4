"""Main pages cost a constant number of queries, whatever the size of the class or grade.

The same demo school is built twice (inside a rolled-back savepoint each time): grade 3 with two classes of
10 students, then with four classes of 30. (Ten, not fewer, so that every kind of row — alerts, plans,
tiers — exists in both: a page showing one alert runs the same queries as one showing twenty.) Every role logs in and opens its home page and the main pages it links to (one click
further too); each page's query count at 30 students must not exceed the count at 3.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from yincai.demo.services import build_demo_school

#: the main pages (url names) and the ones the crawl must reach
MAIN_PAGES = {
    "web:home", "web:class_list", "web:class_detail", "web:student_detail", "web:mentees", "web:me",
    "web:child_detail",
    "insight:overview", "insight:portrait", "insight:class_portrait", "insight:tiers", "insight:grade_portrait",
    "insight:alerts",
    "support:home", "support:caseload", "support:student", "support:family_home", "support:family",
    "support:class_board", "support:me", "family:portal", "family:child",
}
MUST_REACH = {"web:home", "web:class_detail", "web:student_detail", "insight:portrait", "insight:class_portrait",
              "insight:tiers", "insight:grade_portrait", "insight:alerts", "support:class_board", "support:family",
              "web:child_detail", "family:portal"}


def _page_name(href: str) -> str | None:
    try:
        match = resolve(href)
    except Resolver404:
        return None
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    return name if name in MAIN_PAGES else None


def _crawl(client: Client) -> dict[str, str]:
    """url name → the first path of it reachable from the home page (two clicks deep)."""
    pages: dict[str, str] = {"web:home": "/"}
    frontier = ["/"]
    for _depth in range(2):
        nxt = []
        for path in frontier:
            response = client.get(path)
            if response.status_code != 200:
                continue
            for href in re.findall(r'href="(/[^"#?]*)"', response.content.decode()):
                name = _page_name(href)
                if name and name not in pages:
                    pages[name] = href
                    nxt.append(href)
        frontier = nxt
    return pages


def _query_counts(classes: int, size: int) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    with transaction.atomic():
        result = build_demo_school(seed=5, classes_per_grade=classes, class_size=(size, size), grades=[3])
        # Term.current() is not yet school-scoped: another school's term in this database (the personas, built
        # by other tests of the same worker) must not be the current one. Rolled back with the rest.
        from datetime import timedelta

        from django.db.models import F

        from yincai.school.models import Term

        Term.objects.exclude(school=result.school).update(start_date=F("start_date") - timedelta(days=3000),
                                                          end_date=F("end_date") - timedelta(days=3000))
        for login in result.logins:
            client = Client()
            client.force_login(get_user_model().objects.get(username=login.username))
            for name, path in _crawl(client).items():
                if client.get(path).status_code != 200:  # warm: per-process caches are not the page's cost
                    continue  # a link the role may not follow is the permission tests' business
                with CaptureQueriesContext(connection) as queries:
                    client.get(path)
                counts[login.role, name] = len(queries)
        transaction.set_rollback(True)
    return counts


@pytest.mark.django_db
def test_main_pages_use_the_same_number_of_queries_for_small_and_large_classes_and_grades() -> None:
    small = _query_counts(2, 10)
    large = _query_counts(4, 30)
    assert MUST_REACH <= {name for _, name in small}, MUST_REACH - {name for _, name in small}
    assert small.keys() == large.keys()
    grew = {key: (small[key], large[key]) for key in small if large[key] > small[key]}
    assert not grew, "queries grew with the size (2 classes × 10 → 4 classes × 30 students): " + ", ".join(
        f"{role} {name} {a}→{b}" for (role, name), (a, b) in sorted(grew.items()))


@pytest.mark.django_db
def test_the_bulk_class_rows_give_the_mean_rate_of_each_class_latest_assessment(personas) -> None:  # type: ignore[no-untyped-def]
    from yincai.accounts.roles import Role
    from yincai.assessment.selectors import class_latest_totals
    from yincai.web.selectors import class_rows

    for role, by_subject in ((Role.ADMIN, False), (Role.SUBJECT_TEACHER, True)):
        rows = class_rows(personas.user(role), personas.term, subject_of_teacher=by_subject)
        assert rows and any(r.mean_rate is not None for r in rows)
        for row in rows:
            assessment, totals = class_latest_totals(row.school_class, row.subject)
            assert row.assessment == assessment
            scored = [float(t.total) for t in totals.values() if t.total is not None]
            expected = sum(scored) / len(scored) / float(assessment.max_total) if scored else None
            assert row.mean_rate == pytest.approx(expected)
            assert row.students == row.school_class.enrolments.count()
