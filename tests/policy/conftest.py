"""Fixtures of the policy tests."""

from __future__ import annotations

import pytest

from tests.policy.factories import build_course


@pytest.fixture
def course(create_user, create_activity):
    """``course(marks={"An": ["present", ...]}, sessions=4, ...)`` → a :class:`Course`."""

    def make(**options):
        return build_course(create_user, create_activity, **options)

    return make
