"""The suite's one set of factories: people, organisations, themes, activities with
sessions, enrolments and attendance, written to the database and committed.

Plain functions, so a helper module can call them; tests usually take them as the fixtures
of the same name (tests/conftest.py), which also give them an application context. Every
enrolment factory takes ``(activity, user)`` in that order, as the enrolment service does:

* :func:`enrol` goes through the enrolment service (rules, waiting list, mail, audit): for
  tests of what enrolling does;
* :func:`create_enrolment` writes the row as the enrolment feature would leave it, with no
  rules: for tests of features that only read enrolments (catalogue, calendar, reports).
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lms.accounts.passwords import hash_password
from lms.common.slugs import slugify
from lms.common.timeutil import BRUSSELS, brussels
from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.models import (
    APPROVAL_BY_DEFAULT,
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    Organisation,
    Role,
    Theme,
    User,
    utcnow,
)

TEST_PASSWORD = "Een-lang-testwachtwoord-42"

# Hashing with scrypt's production cost for every factory user makes the suite slow;
# one hash computed once is enough for tests that log in with TEST_PASSWORD.
_TEST_PASSWORD_HASH = hash_password(TEST_PASSWORD)

_counter = itertools.count(1)


def create_organisation(name: str | None = None, *, is_member: bool = True) -> Organisation:
    """The organisation with this name (made when there is none)."""
    name = name or f"Organisatie {next(_counter)}"
    existing = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if existing is not None:
        return existing
    organisation = Organisation(name=name, is_member=is_member)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def create_user(
    email: str | None = None,
    name: str | None = None,
    *,
    roles: tuple[Role | str, ...] = (Role.PARTICIPANT,),
    organisation: Organisation | str | None = None,
    active: bool = True,
    password: str | None = TEST_PASSWORD,
    verified: bool = True,
) -> User:
    """``organisation`` is a confirmed membership; ``verified=False`` makes an account
    whose address was never confirmed (a fresh self-registration)."""
    n = next(_counter)
    if isinstance(organisation, str):
        organisation = create_organisation(organisation)
    user = User(
        email=email or f"persoon{n}@example.org",
        name=name or f"Persoon {n}",
        organisation=organisation,
        active=active,
        email_verified_at=utcnow() if verified else None,
        password_hash=(
            _TEST_PASSWORD_HASH
            if password == TEST_PASSWORD
            else hash_password(password)
            if password
            else None
        ),
    )
    user.set_roles({Role(r) for r in roles})
    db.session.add(user)
    db.session.commit()
    return user


def create_theme(name: str | None = None) -> Theme:
    """The theme with this name (made when there is none)."""
    name = name or f"Thema {next(_counter)}"
    theme = db.session.scalar(select(Theme).where(Theme.name == name))
    if theme is None:
        theme = Theme(name=name, slug=slugify(name))
        db.session.add(theme)
        db.session.commit()
    return theme


def _session_times(
    sessions: int | list[tuple[datetime, datetime]], first: datetime | None
) -> list[tuple[datetime, datetime]]:
    if not isinstance(sessions, int):
        return list(sessions)
    if first is None:
        # A week from today at 10:00 Brussels time: a fixed time of day, so no default
        # session ever runs past midnight (forms and reports are per day).
        day = (utcnow() + timedelta(days=7)).astimezone(BRUSSELS).date()
        first = brussels(day.year, day.month, day.day, 10)
    start = first
    return [
        (start + timedelta(days=7 * i), start + timedelta(days=7 * i, hours=3))
        for i in range(sessions)
    ]


def create_activity(
    *,
    kind: ActivityKind | str = ActivityKind.COURSE,
    title: str | None = None,
    capacity: int | None = 10,
    status: ActivityStatus | str = ActivityStatus.PUBLISHED,
    sessions: int | list[tuple[datetime, datetime]] = 1,
    first: datetime | None = None,
    trainers: list[User] | None = None,
    themes: list[Theme] | None = None,
    parent: Activity | None = None,
    location: str = "Zaal De Kring, Gent",
    online_url: str = "",
    **fields: Any,
) -> Activity:
    """``create_activity(kind="course", capacity=10, sessions=3, trainers=[u], ...)``.

    ``sessions`` is a count (weekly, 3 hours, from a week from now, or from ``first``) or
    a list of ``(starts_at, ends_at)``. Other keyword arguments set Activity columns.
    """
    n = next(_counter)
    kind = ActivityKind(kind)
    title = title or f"Activiteit {n}"
    fields.setdefault("requires_approval", kind in APPROVAL_BY_DEFAULT)
    fields.setdefault("price_member", Decimal("0"))
    fields.setdefault("price_non_member", Decimal("0"))
    activity = Activity(
        kind=kind,
        title=title,
        slug=f"{slugify(title)}-{n}",
        summary=fields.pop("summary", f"Samenvatting van {title}"),
        capacity=capacity,
        status=ActivityStatus(status),
        trainers=list(trainers or []),
        themes=list(themes or []),
        parent=parent,
        **fields,
    )
    for starts_at, ends_at in _session_times(sessions, first):
        activity.sessions.append(
            ActivitySession(
                starts_at=starts_at, ends_at=ends_at, location=location, online_url=online_url
            )
        )
    db.session.add(activity)
    db.session.commit()
    return activity


def enrol(activity: Activity, user: User, **options: Any) -> Enrolment:
    """``user`` enrols in ``activity`` through the enrolment service (its rules decide
    confirmed, waiting list or pending); committed. ``options`` go to the service."""
    enrolment, _changed = enrolment_service.enrol(activity, user, **options)
    db.session.commit()
    return enrolment


def create_enrolment(
    activity: Activity,
    user: User,
    status: EnrolmentStatus | str = EnrolmentStatus.CONFIRMED,
    *,
    offered: bool = False,
    **fields: Any,
) -> Enrolment:
    """An enrolment row as the enrolment feature would leave it, without its rules
    (no seat count, no mail, no audit); committed. A waiting-list row gets its place in
    the queue; ``offered`` gives it a seat offer open for 48 hours. ``fields`` set other
    Enrolment columns (``programme_enrolment_id``, ...)."""
    status = EnrolmentStatus(status)
    if status == EnrolmentStatus.WAITLISTED:
        fields.setdefault("waitlisted_at", utcnow())
    if offered:
        fields.setdefault("offer_expires_at", utcnow() + timedelta(hours=48))
    enrolment = Enrolment(user=user, activity=activity, status=status, **fields)
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def fill(activity: Activity, count: int) -> list[Enrolment]:
    """``count`` new participants enrol through the service, one after the other."""
    return [enrol(activity, create_user()) for _ in range(count)]


def attend(
    user: User, session: ActivitySession, status: str, minutes: int | None = None
) -> Attendance:
    """An attendance mark (``present``, ``absent``, ``excused``, ``partial`` with
    ``minutes``), committed."""
    record = Attendance(
        session_id=session.id, user_id=user.id, status=AttendanceStatus(status), minutes=minutes
    )
    db.session.add(record)
    db.session.commit()
    return record


def weekly(count: int, *, first: datetime, minutes: int = 180) -> list[tuple[datetime, datetime]]:
    """``count`` weekly sessions of ``minutes`` from ``first``, for ``sessions=``."""
    return [
        (first + timedelta(days=7 * i), first + timedelta(days=7 * i, minutes=minutes))
        for i in range(count)
    ]


def past_start(weeks: int) -> datetime:
    """A start ``weeks`` weeks ago, on a whole minute."""
    return utcnow().replace(second=0, microsecond=0) - timedelta(weeks=weeks)


def create_enrolments(
    activity: Activity, *, confirmed: int = 0, waitlisted: int = 0, pending: int = 0
) -> list[Enrolment]:
    """That many new people with an enrolment row of each status (see
    :func:`create_enrolment`)."""
    return [
        create_enrolment(activity, create_user(), status)
        for status, count in (
            (EnrolmentStatus.CONFIRMED, confirmed),
            (EnrolmentStatus.WAITLISTED, waitlisted),
            (EnrolmentStatus.PENDING, pending),
        )
        for _ in range(count)
    ]
