"""Who was at which session, and every correction made to it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.models.activity import ActivitySession
from lms.models.base import db, str_enum, utcnow
from lms.models.markers import N_
from lms.models.user import User


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"
    PARTIAL = "partial"

    @property
    def label(self) -> str:
        return ATTENDANCE_LABELS[self]


ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: N_("aanwezig"),
    AttendanceStatus.ABSENT: N_("afwezig"),
    AttendanceStatus.EXCUSED: N_("verontschuldigd"),
    AttendanceStatus.PARTIAL: N_("deels aanwezig"),
}


class Attendance(db.Model):
    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("activity_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus))
    #: Minutes present, for a partial attendance.
    minutes: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: trainer, checkin, api or participant (an absence reported in advance).
    source: Mapped[str] = mapped_column(String(20), default="trainer", server_default="trainer")
    #: A remark with the record (e.g. why someone is excused), shown to staff.
    remark: Mapped[str] = mapped_column(Text, default="", server_default="")

    session: Mapped[ActivitySession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    changes: Mapped[list[AttendanceChange]] = relationship(
        back_populates="attendance", cascade="all, delete-orphan", order_by="AttendanceChange.id"
    )


class AttendanceChange(db.Model):
    """History of an attendance record: the old and the new value, who and when."""

    __tablename__ = "attendance_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(
        ForeignKey("attendances.id", ondelete="CASCADE"), index=True
    )
    old_status: Mapped[AttendanceStatus | None] = mapped_column(str_enum(AttendanceStatus))
    old_minutes: Mapped[int | None]
    new_status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus))
    new_minutes: Mapped[int | None]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="trainer", server_default="trainer")
    #: The record's remark as it was set by this change.
    remark: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Why a recorded value was changed (required when an issued certificate is affected).
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    attendance: Mapped[Attendance] = relationship(back_populates="changes")
    changed_by: Mapped[User | None] = relationship()
