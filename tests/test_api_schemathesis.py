"""Schemathesis over /api/v1's OpenAPI (issue 16, item 6): every operation, called through the WSGI app with an
admin's personal access token on the personas school, answers without a server error and within its documented
responses (status codes, content types, bodies). Short and deterministic: a fixed number of examples per
operation, derandomised, no example database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from tests.personas import Personas
from yincai.api.api import api
from yincai.apitokens.services import token_create
from yincai.insight.tests.helpers import alert_for, recompute_grade3

MAX_EXAMPLES = 20  # per operation and generation mode, with random ids
REAL_EXAMPLES = 8  # per operation again with the ids of real objects (bodies with content are validated)

pytestmark = pytest.mark.django_db


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """Like Django's test client: requests must not close the test's connection (its transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _batch(p: Personas) -> int:
    """A kept score-import preview of the admin (for /imports/{batch_id})."""
    from yincai.imports.models import ImportBatch

    return ImportBatch.objects.create(kind="scores", assessment=p.math_assessment, file_name="s.xlsx", content=b"x",
                                      file_sha256="0" * 64, term=p.term, created_by=p.users["wang"]).pk


def _run(label: str, strategy: Any, examples: int, headers: dict[str, str], failures: list[str],
         answered: set[str]) -> int:
    """`examples` cases of one operation; its first failure goes to `failures`. Returns the number of calls."""
    calls = 0

    @hypothesis.settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate])
    @hypothesis.given(case=strategy)
    def check(case: schemathesis.Case) -> None:
        nonlocal calls
        calls += 1
        response = case.call(headers=headers)
        if response.status_code == 200:
            answered.add(label.split(" [")[0])
        case.validate_response(response, headers=headers)

    try:
        check()
    except Exception as exc:  # hypothesis re-raises the shrunk failure: record it, go on with the others
        failures.append(f"{label}: {exc}"[:1500])
    return calls


def test_every_operation_conforms_to_its_schema(personas: Personas, keep_test_connection: None) -> None:
    recompute_grade3(personas)  # mastery, tiers …
    alert_for(personas)
    secret = token_create(owner=personas.users["wang"], name="schemathesis", days=1).secret
    # 400 is a documented refusal of well-formed input by the same checks as the web (a file that is not a
    # workbook, an import already confirmed): an accepted answer to schema-valid data, like 404 for an id
    config = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]}}})
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=config)
    schema.app = WSGIHandler()
    headers = {"Authorization": f"Bearer {secret}"}
    real_ids = {"student_id": personas.alice.pk, "class_id": personas.class31.pk, "batch_id": _batch(personas)}
    failures: list[str] = []
    calls = 0
    answered: set[str] = set()  # operations that answered 200 at least once (real bodies were validated)
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        runs = [(mode, None, MAX_EXAMPLES) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        if names:
            runs.append((GenerationMode.POSITIVE, {n: real_ids[n] for n in names}, REAL_EXAMPLES))
        for mode, path_parameters, examples in runs:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            calls += _run(f"{operation.label} [{mode.value}]", strategy, examples, headers, failures, answered)
    print(f"\nschemathesis: {calls} calls over {len(api.get_openapi_schema()['paths'])} paths, "
          f"{len(answered)} operations answered 200, {len(failures)} failures")
    assert not failures, "\n\n".join(failures)
    assert {"GET /api/v1/students/{student_id}/tiers", "GET /api/v1/alerts", "GET /api/v1/imports/{batch_id}",
            "GET /api/v1/students/{student_id}/mastery"} <= answered, answered
