"""The "today" of homework and the 错题本, movable in end-to-end tests.

Services take ``today``/``now`` parameters; views pass ``clock.today()``. In production this is
``timezone.localdate()``. For end-to-end tests (the spaced 1/3/7-day schedule must be checked without
waiting a week) the live server may be started with ``YINCAI_TEST_CLOCK=1`` and
``YINCAI_FAKE_TODAY_FILE=<path>``: when both are set and the file holds an ISO date (``2026-12-05``), that
date is "today". Either variable missing, or the file missing/empty/garbled → the real date. Never set
these variables on a real school's server.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from django.utils import timezone


def _fake_today() -> datetime.date | None:
    if os.environ.get("YINCAI_TEST_CLOCK") != "1":
        return None
    path = os.environ.get("YINCAI_FAKE_TODAY_FILE")
    if not path:
        return None
    try:
        return datetime.date.fromisoformat(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def today() -> datetime.date:
    return _fake_today() or timezone.localdate()


def now() -> datetime.datetime:
    """The current time, on the fake day when one is set (time of day kept)."""
    real = timezone.localtime()
    fake = _fake_today()
    if fake is None:
        return real
    return real.replace(year=fake.year, month=fake.month, day=fake.day)
