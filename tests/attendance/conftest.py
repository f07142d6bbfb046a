"""Fixtures of the attendance tests."""

from __future__ import annotations

import pytest

from tests.attendance.factories import build_course


@pytest.fixture
def course(create_user, create_activity):
    """``course(**options)`` → a :class:`Course` (see tests/attendance/factories.py)."""

    def make(**options):
        return build_course(create_user, create_activity, **options)

    return make
