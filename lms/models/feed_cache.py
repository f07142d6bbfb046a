"""Built calendar feeds, reused until their fingerprint changes (shared by all workers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.models.base import db, utcnow


class FeedCache(db.Model):
    __tablename__ = "feed_cache"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    etag: Mapped[str] = mapped_column(String(80))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
