"""Applying a previewed CSV user import, small files at once, large ones in the background.

A job (:class:`lms.models.ImportJob`) holds the uploaded text under a random token. The
preview (:mod:`lms.accounts.import_plan`) changes nothing; :func:`confirm` queues the job
with the trainer-role removals the coordinator explicitly allowed; :func:`run` applies
it line by line through :func:`lms.accounts.importer.import_users` (each good line
committed on its own), writes its progress as it goes, and keeps the report as CSV.

:func:`claim` moves a job from queued to running in one conditional UPDATE, so two
workers (a request's thread, ``flask lms user import-jobs``) never apply it twice. The
worker stamps ``progress_at`` with its progress; :func:`requeue_stalled` queues a running
job again when that stamp has stood still for :data:`STALL_SECONDS` (its worker died with
its server). Applying a line twice is harmless: a line already applied finds its account
as the file describes it and reports "ongewijzigd", and no invitation goes out twice.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select, update

from lms.accounts.importer import import_users, read_rows
from lms.audit import record
from lms.extensions import db
from lms.models import ImportJob, ImportJobStatus, User, utcnow
from lms.models.user import normalise_email

#: How often (in lines) the worker writes its progress.
PROGRESS_EVERY = 25
#: A running job whose progress has not moved for this long has lost its worker. Far above
#: the time between two progress writes (on PostgreSQL they become visible with the commit
#: every :data:`lms.accounts.importer.LINES_PER_COMMIT` lines, well under a minute).
STALL_SECONDS = 120


def create_preview(text: str, *, filename: str, actor: User | None) -> ImportJob:
    """Keep an uploaded file for its preview and later confirmation (the caller commits)."""
    rows, _header_error = read_rows(text)
    job = ImportJob(
        token=secrets.token_urlsafe(24),
        created_by_id=actor.id if actor else None,
        filename=(filename or "")[:255],
        status=ImportJobStatus.PREVIEW,
        text=text,
        total=len(rows),
        allowed_role_removals=[],
        counts={},
    )
    db.session.add(job)
    db.session.flush()
    return job


def find_job(token: str, *, actor: User) -> ImportJob | None:
    """The job with this token, if ``actor`` made it (a coordinator sees only their own)."""
    job = db.session.query(ImportJob).filter_by(token=token).one_or_none()
    if job is None or job.created_by_id != actor.id:
        return None
    return job


def confirm(job: ImportJob, *, allowed_role_removals: list[str], actor: User) -> bool:
    """Queue a previewed job; False when it was confirmed before (a second click)."""
    claimed = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status == ImportJobStatus.PREVIEW)
        .values(
            status=ImportJobStatus.QUEUED,
            confirmed_at=utcnow(),
            allowed_role_removals=sorted({normalise_email(e) for e in allowed_role_removals}),
        )
    ).rowcount
    db.session.refresh(job)
    if not claimed:
        return False
    record(
        "user.import_confirmed",
        actor=actor,
        summary=f"Import van {job.total} regels bevestigd ({job.filename or 'zonder naam'})",
        job=job.token[:8],
        lines=job.total,
        allowed_role_removals=job.allowed_role_removals,
    )
    return True


def claim(job_id: int) -> bool:
    """Move a queued job to running; True for the one worker that gets it."""
    claimed = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status == ImportJobStatus.QUEUED)
        .values(
            status=ImportJobStatus.RUNNING, started_at=utcnow(), progress_at=utcnow(), processed=0
        )
    ).rowcount
    db.session.commit()
    return bool(claimed)


def _stalled_since(stall_seconds: int) -> object:
    cutoff = utcnow() - timedelta(seconds=stall_seconds)
    return (ImportJob.status == ImportJobStatus.RUNNING) & (
        func.coalesce(ImportJob.progress_at, ImportJob.started_at) < cutoff
    )


def is_stalled(job: ImportJob, *, stall_seconds: int = STALL_SECONDS) -> bool:
    """Whether ``job`` runs without a worker: its progress stood still too long."""
    stamp = job.progress_at or job.started_at
    return (
        job.status == ImportJobStatus.RUNNING
        and stamp is not None
        and stamp < utcnow() - timedelta(seconds=stall_seconds)
    )


def requeue_stalled(*, stall_seconds: int = STALL_SECONDS) -> list[int]:
    """Queue again every running job that lost its worker; commits. Returns their ids.

    The UPDATE repeats the condition, so a worker that writes its progress meanwhile keeps
    its job, and of two callers only one requeues it."""
    ids = list(db.session.scalars(select(ImportJob.id).where(_stalled_since(stall_seconds))))
    requeued = []
    for job_id in ids:
        changed = db.session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, _stalled_since(stall_seconds))
            .values(status=ImportJobStatus.QUEUED)
        ).rowcount
        if changed:
            job = db.session.get(ImportJob, job_id)
            assert job is not None
            record(
                "user.import_resumed",
                actor=None,
                summary=f"Import hervat na een onderbreking bij regel {job.processed}",
                job=job.token[:8],
                processed=job.processed,
            )
            requeued.append(job_id)
    db.session.commit()
    return requeued


def run(job_id: int) -> ImportJob | None:
    """Apply a queued job (claiming it first); commits as it goes. None when another
    worker has it or it is not queued."""
    if not claim(job_id):
        return None
    job = db.session.get(ImportJob, job_id)
    assert job is not None
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    text, allowed = job.text, list(job.allowed_role_removals or [])

    def progress(done: int, total: int) -> None:
        # Written with the line's own commit (import_users commits every good line).
        if done % PROGRESS_EVERY == 0 or done == total:
            db.session.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id)
                .values(processed=done - 1, progress_at=utcnow())
            )

    try:
        report = import_users(text, actor=actor, on_progress=progress, allow_role_removal=allowed)
    except Exception as exc:  # the job must end, with the reason, whatever happened
        db.session.rollback()
        db.session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(status=ImportJobStatus.FAILED, error=str(exc)[:2000], finished_at=utcnow())
        )
        db.session.commit()
        return db.session.get(ImportJob, job_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["regel", "email", "resultaat", "toelichting"])
    for line in report.lines:
        writer.writerow([line.line, line.email, line.outcome.value, line.message])
    counts = Counter(line.outcome.value for line in report.lines)
    job = db.session.get(ImportJob, job_id)
    assert job is not None
    job.status = ImportJobStatus.FAILED if report.header_error else ImportJobStatus.DONE
    job.error = report.header_error or ""
    job.processed = len(report.lines)
    job.counts = dict(counts)
    job.report = out.getvalue()
    job.finished_at = utcnow()
    record(
        "user.import_done",
        actor=actor,
        summary=f"Import afgewerkt: {report.summary}",
        job=job.token[:8],
        counts=dict(counts),
    )
    db.session.commit()
    return job


def queued_job_ids() -> list[int]:
    """Jobs waiting for a worker, oldest first (for ``flask lms user import-jobs``)."""
    return list(
        db.session.scalars(
            db.select(ImportJob.id)
            .where(ImportJob.status == ImportJobStatus.QUEUED)
            .order_by(ImportJob.id)
        )
    )
