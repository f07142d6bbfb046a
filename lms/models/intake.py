"""Intake questions of an activity, the answers given when enrolling, interest lists and
the link between an activity and the edition it was copied from.

Answers hang on the enrolment (one row per person and activity, reused after a cancel),
so someone who enrols again finds their previous answers. Interest rows are the people
who asked to be told about a next edition of an activity or about new activities in a
theme; a row is deleted when the person stops, so nobody who stopped is mailed again.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.models.activity import Activity, Theme
from lms.models.base import db, str_enum, utcnow
from lms.models.enrolment import Enrolment
from lms.models.markers import N_
from lms.models.user import User


class QuestionKind(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"

    @property
    def label(self) -> str:
        return {"text": N_("vrije tekst"), "choice": N_("keuze")}[self.value]


class IntakeQuestion(db.Model):
    """One question an activity asks the people who enrol or request a place."""

    __tablename__ = "intake_questions"
    __table_args__ = (Index("ix_intake_questions_activity_position", "activity_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    label: Mapped[str] = mapped_column(String(300))
    kind: Mapped[QuestionKind] = mapped_column(
        str_enum(QuestionKind), default=QuestionKind.TEXT, server_default="text"
    )
    #: The options of a choice question, one per line.
    options: Mapped[str] = mapped_column(Text, default="", server_default="")
    required: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity: Mapped[Activity] = relationship()

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in (self.options or "").splitlines() if line.strip()]


class IntakeAnswer(db.Model):
    """A person's answer to one intake question, kept with their enrolment."""

    __tablename__ = "intake_answers"
    __table_args__ = (UniqueConstraint("enrolment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("intake_questions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(Text, default="", server_default="")
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    question: Mapped[IntakeQuestion] = relationship()


class Interest(db.Model):
    """“Houd me op de hoogte”: a person on the interest list of an activity or a theme."""

    __tablename__ = "interests"
    __table_args__ = (
        CheckConstraint("(activity_id IS NULL) <> (theme_id IS NULL)", name="activity_or_theme"),
        UniqueConstraint("user_id", "activity_id", "theme_id"),
        Index("ix_interests_activity_id", "activity_id"),
        Index("ix_interests_theme_id", "theme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    activity: Mapped[Activity | None] = relationship()
    theme: Mapped[Theme | None] = relationship()


class EditionLink(db.Model):
    """An activity copied as the next edition of another (“Volgende editie”).

    A table of its own rather than a column on ``activities``: the interest list of an
    earlier edition reaches the new one through it.
    """

    __tablename__ = "edition_links"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    previous_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
