"""Enrolments and their history. Only ``lms.enrolment.service`` changes them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.models.activity import Activity
from lms.models.base import db, str_enum, utcnow
from lms.models.markers import N_
from lms.models.user import User


class EnrolmentStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a coordinator's approval
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    EnrolmentStatus.PENDING: N_("aangevraagd"),
    EnrolmentStatus.CONFIRMED: N_("ingeschreven"),
    EnrolmentStatus.WAITLISTED: N_("wachtlijst"),
    EnrolmentStatus.CANCELLED: N_("geannuleerd"),
    EnrolmentStatus.REJECTED: N_("niet aanvaard"),
}

#: Statuses that hold or claim a place; a person has at most one row per activity anyway.
ACTIVE_STATUSES = (
    EnrolmentStatus.PENDING,
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.WAITLISTED,
)


class Enrolment(db.Model):
    """A person's place (or wish for one) in an activity.

    One row per person and activity, ever: enrolling again after cancelling reuses the row,
    and :class:`EnrolmentEvent` keeps every transition.
    """

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("user_id", "activity_id"),
        Index("ix_enrolments_activity_status", "activity_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Place in the queue: the waiting list is ordered by (waitlisted_at, id).
    waitlisted_at: Mapped[datetime | None]
    #: A freed seat offered to this waitlisted person until then (seat release "offer").
    offer_expires_at: Mapped[datetime | None]
    offer_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Why a coordinator rejected or cancelled, shown to the person.
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Who made the enrolment when it was not the person (a coordinator or their employer).
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: For a programme module: the enrolment in the programme that created this one.
    programme_enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolments.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    activity: Mapped[Activity] = relationship()
    enrolled_by: Mapped[User | None] = relationship(foreign_keys=[enrolled_by_id])
    events: Mapped[list[EnrolmentEvent]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan", order_by="EnrolmentEvent.id"
    )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Enrolment {self.user_id}→{self.activity_id} {self.status}>"


class EnrolmentEvent(db.Model):
    """One transition of an enrolment: who moved it from what to what, when, and why."""

    __tablename__ = "enrolment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[EnrolmentStatus | None] = mapped_column(str_enum(EnrolmentStatus))
    to_status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")

    enrolment: Mapped[Enrolment] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
