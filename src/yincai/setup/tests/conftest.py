from __future__ import annotations

import pytest

from yincai.school.models import School


@pytest.fixture
def empty_school_db(db: None) -> None:
    """A database without any school (the session's persona school, if built, is deleted inside this test's
    transaction and comes back afterwards)."""
    School.objects.all().delete()
