"""Factories for the coordinators' pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lms.enrolment import service
from lms.extensions import db
from lms.models import Enrolment, Role, User


@pytest.fixture
def coordinator(create_user) -> User:
    return create_user(
        email="hilde@sam.example", name="Hilde Coördinator", roles=(Role.COORDINATOR,)
    )


@pytest.fixture
def trainer(create_user) -> User:
    return create_user(email="karim@sam.example", name="Karim Lesgever", roles=(Role.TRAINER,))


@pytest.fixture
def participant(create_user) -> Callable[..., User]:
    def make(name: str | None = None, **kwargs: Any) -> User:
        kwargs.setdefault("roles", (Role.PARTICIPANT,))
        return create_user(name=name, **kwargs)

    return make


@pytest.fixture
def as_coordinator(login, coordinator):
    """The test client, logged in as the coordinator."""
    return login(coordinator)


@pytest.fixture
def enrol(app) -> Callable[..., Enrolment]:
    """``enrol(activity, user)``: the person enrols through the service; committed."""

    def do(activity, user, **kwargs: Any) -> Enrolment:
        enrolment, _changed = service.enrol(activity, user, **kwargs)
        db.session.commit()
        return enrolment

    return do


@pytest.fixture
def fill(enrol, participant) -> Callable[..., list[Enrolment]]:
    def do(activity, count: int) -> list[Enrolment]:
        return [enrol(activity, participant()) for _ in range(count)]

    return do
