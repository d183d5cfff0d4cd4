from __future__ import annotations

from pathlib import Path

import pytest

from tests.personas import Personas, build_personas

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
