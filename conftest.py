from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from tests.personas import Personas, build_personas

# CI runs the property tests on a fixed sequence of examples (a failure there is reproducible); a developer's
# run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


@pytest.fixture(scope="session")
def personas(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Personas:
    """The persona school, built once per test session and kept (tests roll back their own writes)."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        return build_personas()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
