"""The learning offer: activities, their dated sessions, themes and trainers."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.models.base import db, str_enum, utcnow
from lms.models.markers import N_
from lms.models.user import User


class ActivityKind(enum.StrEnum):
    PROGRAMME = "programme"
    COURSE = "course"
    LECTURE = "lecture"
    INTERVISION = "intervision"
    PRACTICE_GROUP = "practice_group"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    ActivityKind.PROGRAMME: N_("beroepsopleiding"),
    ActivityKind.COURSE: N_("cursus"),
    ActivityKind.LECTURE: N_("lezing"),
    ActivityKind.INTERVISION: N_("intervisie"),
    ActivityKind.PRACTICE_GROUP: N_("praktijkgroep"),
    ActivityKind.CUSTOM: N_("leeractiviteit op maat"),
}

#: Kinds whose enrolment needs a coordinator's approval unless the activity says otherwise.
APPROVAL_BY_DEFAULT = frozenset({ActivityKind.PROGRAMME, ActivityKind.INTERVISION})


class ActivityStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return {
            "draft": N_("ontwerp"),
            "published": N_("gepubliceerd"),
            "cancelled": N_("geannuleerd"),
            "archived": N_("gearchiveerd"),
        }[self.value]


class SeatRelease(enum.StrEnum):
    """What happens to a seat that frees up while people wait."""

    AUTOMATIC = "automatic"  # the first on the waiting list is confirmed at once
    OFFER = "offer"  # the first on the waiting list gets N hours to accept


class HoursCredit(enum.StrEnum):
    ATTENDED = "attended"
    NOMINAL = "nominal"


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


activity_themes = Table(
    "activity_themes",
    db.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)

activity_trainers = Table(
    "activity_trainers",
    db.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Theme(db.Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class Activity(db.Model):
    """One item of the offer. A programme's modules are activities with ``parent_id``."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("offer_hours > 0", name="offer_hours_positive"),
        Index("ix_activities_status_kind", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind))
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    audience: Mapped[str] = mapped_column(Text, default="", server_default="")
    what_to_bring: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: ``None`` means unlimited.
    capacity: Mapped[int | None]
    waitlist_enabled: Mapped[bool] = mapped_column(default=True, server_default="1")
    requires_approval: Mapped[bool] = mapped_column(default=False, server_default="0")
    seat_release: Mapped[SeatRelease] = mapped_column(
        str_enum(SeatRelease), default=SeatRelease.AUTOMATIC, server_default="automatic"
    )
    offer_hours: Mapped[int] = mapped_column(default=48, server_default="48")
    enrolment_opens_at: Mapped[datetime | None]
    enrolment_closes_at: Mapped[datetime | None]
    cancellation_deadline: Mapped[datetime | None]
    price_member: Mapped[Decimal] = mapped_column(
        Numeric(8, 2), default=Decimal("0"), server_default="0"
    )
    price_non_member: Mapped[Decimal] = mapped_column(
        Numeric(8, 2), default=Decimal("0"), server_default="0"
    )
    status: Mapped[ActivityStatus] = mapped_column(
        str_enum(ActivityStatus), default=ActivityStatus.DRAFT, server_default="draft"
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    #: A custom activity is organised for one organisation.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    #: Hours credited when the rule credits nominal hours; defaults to the planned hours.
    nominal_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    # Overrides of the learning-policy rule for this activity's kind (None: use the rule).
    rule_min_attendance_pct: Mapped[int | None]
    rule_excused_counts: Mapped[bool | None]
    rule_hours_credit: Mapped[HoursCredit | None] = mapped_column(str_enum(HoursCredit))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    themes: Mapped[list[Theme]] = relationship(
        secondary=activity_themes, order_by=Theme.name, lazy="selectin"
    )
    trainers: Mapped[list[User]] = relationship(secondary=activity_trainers, order_by=User.name)
    sessions: Mapped[list[ActivitySession]] = relationship(
        back_populates="activity",
        cascade="all, delete-orphan",
        order_by="ActivitySession.starts_at",
    )
    parent: Mapped[Activity | None] = relationship(
        remote_side=[id], back_populates="modules", foreign_keys=[parent_id]
    )
    modules: Mapped[list[Activity]] = relationship(
        back_populates="parent", order_by="Activity.id", foreign_keys=[parent_id]
    )

    @property
    def is_programme(self) -> bool:
        return self.kind == ActivityKind.PROGRAMME

    @property
    def is_published(self) -> bool:
        return self.status == ActivityStatus.PUBLISHED

    @property
    def active_sessions(self) -> list[ActivitySession]:
        return [s for s in self.sessions if s.status == SessionStatus.SCHEDULED]

    @property
    def dated_sessions(self) -> list[ActivitySession]:
        """The scheduled sessions that say when the activity runs: its own and, for a
        programme, those of its modules."""
        sessions = list(self.active_sessions)
        if self.is_programme:
            sessions += [s for module in self.modules for s in module.active_sessions]
        return sessions

    @property
    def first_start(self) -> datetime | None:
        """When the activity starts: its first scheduled session, a programme's modules
        included. The one definition in Python; :func:`lms.models.activity_dates.activity_dates`
        answers the same in SQL."""
        return min((s.starts_at for s in self.dated_sessions), default=None)

    @property
    def last_end(self) -> datetime | None:
        """When the activity ends: the end of its last scheduled session, a programme's
        modules included (see :attr:`first_start`)."""
        return max((s.ends_at for s in self.dated_sessions), default=None)

    @property
    def planned_minutes(self) -> int:
        return sum(s.duration_minutes for s in self.active_sessions)

    @property
    def is_online(self) -> bool:
        sessions = self.active_sessions
        return bool(sessions) and all(s.online_url and not s.location for s in sessions)

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.title!r}>"


def new_session_uid() -> str:
    """A UID that stays the session's for ever (RFC 5545 §3.8.4.7): feeds, mail, downloads."""
    return f"{uuid.uuid4()}@leerplatform.samenlevingsopbouw.be"


class ActivitySession(db.Model):
    """One dated meeting of an activity (not named ``Session``: that clashes with db.session)."""

    __tablename__ = "activity_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_activity_sessions_activity_starts", "activity_id", "starts_at"),
        Index("ix_activity_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(120), unique=True, default=new_session_uid)
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="", server_default="")
    online_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus), default=SessionStatus.SCHEDULED, server_default="scheduled"
    )
    #: RFC 5545 SEQUENCE: raised on every change calendar clients must notice.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    activity: Mapped[Activity] = relationship(back_populates="sessions")

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    def touch(self) -> None:
        """Record a change calendar clients must pick up (new SEQUENCE, new LAST-MODIFIED)."""
        self.sequence = (self.sequence or 0) + 1
        self.updated_at = utcnow()

    def __repr__(self) -> str:
        return f"<ActivitySession {self.id} of {self.activity_id} at {self.starts_at}>"
