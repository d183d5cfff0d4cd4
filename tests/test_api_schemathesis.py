"""Schemathesis over /api/v1's OpenAPI (issue 16, item 6): every operation, called through the WSGI app with an
admin's personal access token on the personas school, answers without a server error and within its documented
responses (status codes, content types, bodies). Short and deterministic: a fixed number of examples per
operation, derandomised, no example database."""

from __future__ import annotations

from collections.abc import Iterator

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

MAX_EXAMPLES = 20

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


def test_every_operation_conforms_to_its_schema(personas: Personas, keep_test_connection: None) -> None:
    secret = token_create(owner=personas.users["wang"], name="schemathesis", days=1).secret
    # 400 is a documented refusal of well-formed input by the same checks as the web (a file that is not a
    # workbook, an import already confirmed): an accepted answer to schema-valid data, like 404 for an id
    config = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]}}})
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=config)
    schema.app = WSGIHandler()
    headers = {"Authorization": f"Bearer {secret}"}
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                                 suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate])
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case) -> None:
                nonlocal calls
                calls += 1
                response = case.call(headers=headers)
                try:
                    case.validate_response(response, headers=headers)
                except Exception as exc:  # collect every operation's first failure, then report all
                    failures.append(f"{operation.label} [{mode.value}]: {exc}"[:1500])
                    raise

            try:
                check()
            except Exception:  # noqa: BLE001 — recorded in `failures`
                if not failures or operation.label not in failures[-1]:
                    raise
    print(f"\nschemathesis: {calls} calls over {len(api.get_openapi_schema()['paths'])} paths, "
          f"{len(failures)} failures")
    assert not failures, "\n\n".join(failures)
