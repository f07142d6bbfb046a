"""Factories for the catalogue and read-API tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from lms.extensions import db
from lms.models import Activity, Enrolment, EnrolmentStatus, User, utcnow


@pytest.fixture
def enrol(app) -> Callable[..., Enrolment]:
    """``enrol(user, activity, status="confirmed", offered=False)``: an enrolment row.

    The catalogue only reads enrolments; writing rows directly keeps these tests about
    the catalogue (the enrolment service has its own tests).
    """

    def make(
        user: User,
        activity: Activity,
        status: EnrolmentStatus | str = "confirmed",
        *,
        offered: bool = False,
    ) -> Enrolment:
        status = EnrolmentStatus(status)
        enrolment = Enrolment(
            user=user,
            activity=activity,
            status=status,
            waitlisted_at=utcnow() if status == EnrolmentStatus.WAITLISTED else None,
            offer_expires_at=utcnow() + timedelta(hours=48) if offered else None,
        )
        db.session.add(enrolment)
        db.session.commit()
        return enrolment

    return make


@pytest.fixture
def fill(create_user, enrol) -> Callable[..., None]:
    """``fill(activity, confirmed=n, waitlisted=m, pending=k)``: that many people enrolled."""

    def make(activity: Activity, confirmed: int = 0, waitlisted: int = 0, pending: int = 0):
        for status, count in (
            ("confirmed", confirmed),
            ("waitlisted", waitlisted),
            ("pending", pending),
        ):
            for _ in range(count):
                enrol(create_user(), activity, status)

    return make
