"""What an organisation contact sees of their organisation: the staff, each person's
current enrolments, hours this year against the policy's yearly target, certificates, and
the activities a colleague can be enrolled in. A fixed number of queries, whatever the
number of people.

Hours follow Mijn leertraject (:mod:`lms.certificates.record`): the hours on valid
certificates, counted in the calendar year the activity ended; a programme's diploma is
not counted again (its modules' certificates are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.certificates.record import TowardsTarget, certificate_year, counts_hours
from lms.certificates.service import hours_of
from lms.common.timeutil import to_local
from lms.enrolment import rules
from lms.enrolment.queries import SeatSummary, seat_summaries, waitlist_positions
from lms.extensions import db
from lms.models import (
    ACTIVE_STATUSES,
    Activity,
    ActivityKind,
    ActivityStatus,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    Organisation,
    Role,
    User,
    UserRole,
    utcnow,
)
from lms.policy.service import all_policies, policy_on


@dataclass(frozen=True)
class CurrentEnrolment:
    enrolment: Enrolment
    position: int | None

    @property
    def activity(self) -> Activity:
        return self.enrolment.activity

    @property
    def status(self) -> EnrolmentStatus:
        return self.enrolment.status


@dataclass
class StaffMember(TowardsTarget):
    user: User
    target: int
    hours: Decimal = Decimal(0)
    certificates: int = 0
    current: list[CurrentEnrolment] = field(default_factory=list)

    @property
    def is_participant(self) -> bool:
        return self.user.has_role(Role.PARTICIPANT)


@dataclass
class StaffOverview:
    organisation: Organisation
    year: int
    target: int
    policy_name: str
    members: list[StaffMember]

    @property
    def active_members(self) -> list[StaffMember]:
        return [m for m in self.members if m.user.is_active]

    @property
    def total_hours(self) -> Decimal:
        return sum((m.hours for m in self.members), Decimal(0))

    @property
    def reached_target(self) -> int:
        return sum(1 for m in self.members if m.user.is_active and m.hours >= m.target)


def _is_current(enrolment: Enrolment, now: datetime) -> bool:
    """Holds or claims a place in a published activity that is not over."""
    if enrolment.status not in ACTIVE_STATUSES:
        return False
    activity = enrolment.activity
    if activity.status != ActivityStatus.PUBLISHED:
        return False
    end = activity.last_end
    return end is None or end > now


def staff_figures(users: list[User], *, now: datetime | None = None) -> tuple[list, int, str]:
    """``(members, target, policy name)`` for these people: five queries for any number."""
    now = now or utcnow()
    year = to_local(now).date().year
    policy = policy_on(to_local(now).date(), all_policies())
    members = {u.id: StaffMember(user=u, target=policy.yearly_hours_target) for u in users}
    if not members:
        return [], policy.yearly_hours_target, policy.name
    ids = list(members)

    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.user_id.in_(ids),
                Enrolment.status.in_(ACTIVE_STATUSES),
                # A module enrolment that came with a programme is shown through the programme.
                Enrolment.programme_enrolment_id.is_(None),
            )
            .options(
                joinedload(Enrolment.activity).options(
                    selectinload(Activity.sessions),
                    selectinload(Activity.modules).selectinload(Activity.sessions),
                )
            )
            .order_by(Enrolment.id)
        ).unique()
    )
    positions = waitlist_positions(
        e.activity_id for e in enrolments if e.status == EnrolmentStatus.WAITLISTED
    )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    for enrolment in enrolments:
        if _is_current(enrolment, now):
            members[enrolment.user_id].current.append(
                CurrentEnrolment(enrolment, positions.get(enrolment.id))
            )
    for member in members.values():
        member.current.sort(key=lambda c: (c.activity.first_start or far, c.activity.id))

    for certificate in db.session.scalars(
        select(Certificate).where(Certificate.user_id.in_(ids), Certificate.revoked_at.is_(None))
    ):
        member = members[certificate.user_id]
        member.certificates += 1
        if counts_hours(certificate) and certificate_year(certificate) == year:
            member.hours += hours_of(certificate)
    return list(members.values()), policy.yearly_hours_target, policy.name


def staff_overview(organisation: Organisation, *, now: datetime | None = None) -> StaffOverview:
    """Everyone of the organisation (not erased), by name, with their figures."""
    now = now or utcnow()
    users = list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == organisation.id, User.erased_at.is_(None))
            .order_by(User.name, User.id)
        )
    )
    members, target, policy_name = staff_figures(users, now=now)
    return StaffOverview(
        organisation=organisation,
        year=to_local(now).date().year,
        target=target,
        policy_name=policy_name,
        members=members,
    )


def same_organisation(contact: User, person: User) -> bool:
    """The contact may see this person: an organisation contact of the same organisation."""
    return (
        contact.has_role(Role.ORGANISATION_CONTACT)
        and contact.organisation_id is not None
        and person.organisation_id == contact.organisation_id
    )


def colleagues(contact: User) -> list[User]:
    """Active participants of the contact's organisation (the contact included, if a
    participant: the contact may enrol themselves here too)."""
    if contact.organisation_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == contact.organisation_id,
                User.active.is_(True),
                User.erased_at.is_(None),
                UserRole.role == Role.PARTICIPANT,
            )
            .order_by(User.name, User.id)
        )
    )


@dataclass(frozen=True)
class OpenActivity:
    activity: Activity
    seats: SeatSummary

    @property
    def first_start(self) -> datetime | None:
        return self.activity.first_start


def open_activities(contact: User, *, now: datetime | None = None) -> list[OpenActivity]:
    """Published activities one can enrol in now (window open, not over; no module; a
    custom activity only for its own organisation), soonest first. Four queries."""
    now = now or utcnow()
    activities = list(
        db.session.scalars(
            select(Activity)
            .where(Activity.status == ActivityStatus.PUBLISHED, Activity.parent_id.is_(None))
            .options(
                selectinload(Activity.sessions),
                selectinload(Activity.modules).selectinload(Activity.sessions),
            )
        )
    )
    wanted = [
        a
        for a in activities
        if rules.window_refusal(a, now) is None
        and (a.kind != ActivityKind.CUSTOM or a.organisation_id == contact.organisation_id)
    ]
    seats = seat_summaries(wanted)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    wanted.sort(key=lambda a: (a.first_start or far, a.title.lower(), a.id))
    return [OpenActivity(a, seats[a.id]) for a in wanted]


def enrolment_history(user: User) -> list[Enrolment]:
    """Every enrolment of a person (modules that came with a programme left out), newest
    activity first: two queries."""
    rows = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.programme_enrolment_id.is_(None))
            .options(
                joinedload(Enrolment.activity).options(
                    selectinload(Activity.sessions),
                    selectinload(Activity.modules).selectinload(Activity.sessions),
                )
            )
        ).unique()
    )
    far = datetime.min.replace(tzinfo=utcnow().tzinfo)
    rows.sort(key=lambda e: (e.activity.first_start or far, e.id), reverse=True)
    return rows
