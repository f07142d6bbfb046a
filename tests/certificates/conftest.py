"""Fixtures of the certificate tests."""

from __future__ import annotations

import pytest

from tests.policy.factories import build_course


@pytest.fixture
def course(create_user, create_activity):
    """``course(marks={"An": ["present", ...]}, sessions=4, ...)`` → a :class:`Course`."""

    def make(**options):
        return build_course(create_user, create_activity, **options)

    return make


@pytest.fixture
def finished_course(course):
    """Two who passed (with names in other scripts), one who did not."""
    return course(
        title="Impactevaluatie in de praktijk",
        marks={
            "Zoë Ağaoğlu-Łukasiewicz": ["present"] * 4,
            "Nguyễn Thị Minh Khai": ["present", "present", "present", ("partial", 120)],
            "Pieter Van den Broeck": ["present", "absent", "absent", "present"],
        },
    )
