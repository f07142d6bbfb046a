"""The learning policy (leerbeleid): versioned rules that decide certificates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.models.activity import ActivityKind, HoursCredit, Theme
from lms.models.base import db, str_enum, utcnow

rule_themes = Table(
    "certification_rule_themes",
    db.metadata,
    Column("rule_id", ForeignKey("certification_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class LearningPolicy(db.Model):
    """One version of the policy, in force from ``valid_from`` until the next version."""

    __tablename__ = "learning_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    valid_from: Mapped[date] = mapped_column(unique=True)
    yearly_hours_target: Mapped[int] = mapped_column(default=20, server_default="20")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    rules: Mapped[list[CertificationRule]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", lazy="selectin"
    )

    def rule_for(self, kind: ActivityKind) -> CertificationRule | None:
        return next((r for r in self.rules if r.kind == kind), None)


class CertificationRule(db.Model):
    """How one kind of activity earns a certificate under a policy version."""

    __tablename__ = "certification_rules"
    __table_args__ = (UniqueConstraint("policy_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("learning_policies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind))
    #: Share of the planned minutes (not cancelled) a participant must attend.
    min_attendance_pct: Mapped[int] = mapped_column(default=80, server_default="80")
    excused_counts: Mapped[bool] = mapped_column(default=False, server_default="0")
    hours_credit: Mapped[HoursCredit] = mapped_column(
        str_enum(HoursCredit), default=HoursCredit.ATTENDED, server_default="attended"
    )
    #: Competences this kind counts toward, in words (themes come from the activity).
    competences: Mapped[str] = mapped_column(Text, default="", server_default="")

    policy: Mapped[LearningPolicy] = relationship(back_populates="rules")
    themes: Mapped[list[Theme]] = relationship(secondary=rule_themes, lazy="selectin")
