from __future__ import annotations

from typing import Any

import pytest
from django.db.models import ProtectedError, RestrictedError

from yincai.school.models import School


def _delete(target: Any, depth: int = 0) -> None:
    """Delete `target` (a queryset or an object), first deleting whatever protects it from deletion."""
    for _ in range(50):
        try:
            target.delete()
            return
        except (ProtectedError, RestrictedError) as exc:
            assert depth < 10, "删除测试学校时遇到过深的保护关系"
            blockers = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", set())
            for obj in list(blockers):
                _delete(obj, depth + 1)
    raise AssertionError("无法清空测试学校")


@pytest.fixture
def empty_school_db(db: None) -> None:
    """A database without any school (the session's persona school, if built, is deleted inside this test's
    transaction and comes back afterwards)."""
    _delete(School.objects.all())
    assert not School.objects.exists()
