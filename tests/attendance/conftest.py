"""Fixtures of the attendance tests."""

from __future__ import annotations

import pytest

from tests.attendance.factories import build_course, make_enrolment


@pytest.fixture
def course(create_user, create_activity):
    """``course(**options)`` → a :class:`Course` (see tests/attendance/factories.py)."""

    def make(**options):
        return build_course(create_user, create_activity, **options)

    return make


@pytest.fixture
def enrol(app):
    return make_enrolment
