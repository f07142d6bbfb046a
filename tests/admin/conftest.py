"""Fixtures of the coordinators' pages (the factories are tests/factories.py's)."""

from __future__ import annotations

import pytest


@pytest.fixture
def as_coordinator(login, coordinator):
    """The test client, logged in as the coordinator."""
    return login(coordinator)
