"""A user import from a CSV file: previewed first, applied after confirmation.

The uploaded text is kept here under a random token, so the confirmation applies exactly
what was previewed (no file travels twice) and a large file can be applied by a
background worker that commits its progress as it goes; the page polls this row.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.models.base import db, str_enum, utcnow
from lms.models.user import User


class ImportJobStatus(enum.StrEnum):
    PREVIEW = "preview"  # uploaded and shown, not confirmed
    QUEUED = "queued"  # confirmed, waiting for a worker
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(db.Model):
    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The random key in the job's URLs (the preview, the confirmation, the report).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str] = mapped_column(String(255), default="", server_default="")
    status: Mapped[ImportJobStatus] = mapped_column(
        str_enum(ImportJobStatus, 20),
        default=ImportJobStatus.PREVIEW,
        server_default=ImportJobStatus.PREVIEW.value,
    )
    #: The CSV text as uploaded (converted to UTF-8 with commas).
    text: Mapped[str] = mapped_column(Text)
    #: Data lines in the file, and how many the worker has done.
    total: Mapped[int] = mapped_column(default=0, server_default="0")
    processed: Mapped[int] = mapped_column(default=0, server_default="0")
    #: E-mail addresses whose roles may be removed although they still run activities
    #: (confirmed one by one on the preview).
    allowed_role_removals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: Counts per outcome once done: {"aangemaakt": n, ...}.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The report as CSV (line, email, outcome, message), filled in when done.
    report: Mapped[str] = mapped_column(Text, default="", server_default="")
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    confirmed_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    #: When the worker last wrote its progress: a running job whose progress has stood
    #: still for long lost its worker (a server restarted mid-import) and is queued again.
    progress_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)
