"""Issued certificates (attesten) with their frozen snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from lms.models.activity import Activity
from lms.models.base import db, utcnow
from lms.models.user import User


class Certificate(db.Model):
    """A certificate keeps a snapshot, so later edits never change what was issued."""

    __tablename__ = "certificates"
    __table_args__ = (
        # Never two valid certificates for one person and activity.
        Index(
            "uq_certificates_valid_user_activity",
            "user_id",
            "activity_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
            sqlite_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_policies.id", ondelete="SET NULL")
    )
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Set when attendance behind this certificate changed after it was issued: it is on
    #: the coordinators' to-do list until one keeps it (with a note) or revokes it.
    review_since: Mapped[datetime | None]
    #: Why the attendance changed (the correction's reason), shown on the to-do list.
    review_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Rendered from the snapshot on first download, then served as is.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    activity: Mapped[Activity] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def needs_review(self) -> bool:
        return self.review_since is not None and self.revoked_at is None
