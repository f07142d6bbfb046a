"""Factories for the enrolment tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lms.enrolment import service
from lms.extensions import db
from lms.models import Enrolment, Role, User


@pytest.fixture
def participant(create_user) -> Callable[..., User]:
    def make(name: str | None = None, **kwargs: Any) -> User:
        kwargs.setdefault("roles", (Role.PARTICIPANT,))
        return create_user(name=name, **kwargs)

    return make


@pytest.fixture
def coordinator(create_user) -> User:
    return create_user(name="Hilde Coördinator", roles=(Role.COORDINATOR, Role.PARTICIPANT))


@pytest.fixture
def enrol(app) -> Callable[..., Enrolment]:
    """``enrol(activity, user)``: enrol through the service and commit."""

    def do(activity, user, **kwargs: Any) -> Enrolment:
        enrolment, _changed = service.enrol(activity, user, **kwargs)
        db.session.commit()
        return enrolment

    return do


@pytest.fixture
def fill(enrol, participant) -> Callable[..., list[Enrolment]]:
    """``fill(activity, n)``: n new participants enrol, in order."""

    def do(activity, count: int) -> list[Enrolment]:
        return [enrol(activity, participant()) for _ in range(count)]

    return do
