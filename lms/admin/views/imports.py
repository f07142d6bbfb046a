"""Coordinators import users from a CSV file: upload, preview, confirm, follow, report.

Nothing is written until the coordinator has seen the preview (per line: create, update
with the changes, refuse with the reason; a trainer who still runs activities keeps that
role unless it is ticked off explicitly) and confirmed it. A small file is applied in the
request; a large one by a background thread with its own application context, which
commits its progress (the page polls ``status.json``). A job whose thread died with its
server is queued again and restarted when its page or status is asked for, or by
``flask lms user import-jobs``. The rules live in
:mod:`lms.accounts.import_plan` and :mod:`lms.accounts.import_jobs`.
"""

from __future__ import annotations

import csv
import io
import threading
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts import import_jobs
from lms.accounts.import_plan import Action, plan_import
from lms.accounts.upload import UploadError, read_upload
from lms.admin.forms import ImportForm
from lms.extensions import db
from lms.models import ImportJob, ImportJobStatus

#: Files up to this many lines are applied in the request; longer ones in the background.
INLINE_MAX_LINES = 300
#: Lines of the preview table (the refused and the role warnings first).
PREVIEW_ROWS = 500


def _job_or_404(token: str) -> ImportJob:
    job = import_jobs.find_job(token, actor=current_user)
    if job is None:
        abort(404)
    _resume_if_stalled(job)
    return job


def _resume_if_stalled(job: ImportJob) -> None:
    """Restart a job whose worker died (its progress stood still too long)."""
    stall = current_app.config.get("LMS_IMPORT_STALL_SECONDS", import_jobs.STALL_SECONDS)
    if not import_jobs.is_stalled(job, stall_seconds=stall):
        return
    if job.id in import_jobs.requeue_stalled(stall_seconds=stall):
        _apply(job.id, job.total)
    db.session.refresh(job)


def _apply(job_id: int, total: int) -> None:
    """Apply a queued job: a small one in this request, a large one in a thread."""
    if total <= current_app.config.get("LMS_IMPORT_INLINE_LINES", INLINE_MAX_LINES):
        import_jobs.run(job_id)
    else:
        _start_worker(job_id)


def users_import() -> Any:
    """Upload: the file is kept under a random token and its preview shown."""
    form = ImportForm()
    status = 200
    if form.validate_on_submit():
        try:
            text = read_upload(form.file.data.read(2 * 1024 * 1024 + 1))
        except UploadError as error:
            form.file.errors = [*form.file.errors, error.message]
            status = 422
        else:
            plan = plan_import(text)
            if plan.header_error:
                form.file.errors = [*form.file.errors, plan.header_error]
                status = 422
            else:
                job = import_jobs.create_preview(
                    text, filename=form.file.data.filename or "", actor=current_user
                )
                db.session.commit()
                return redirect(url_for("admin.users_import_job", token=job.token))
    elif request.method == "POST":
        status = 422
    return render_template("admin/users_import.html", form=form), status


def users_import_job(token: str) -> Any:
    """The preview (before confirmation), the progress, or the result."""
    job = _job_or_404(token)
    plan = plan_import(job.text) if job.status == ImportJobStatus.PREVIEW else None
    shown = []
    if plan is not None:
        changing = [line for line in plan.lines if line.action != Action.UNCHANGED]
        changing.sort(key=lambda line: (line.action != Action.REFUSE, not line.drops_trainer))
        shown = sorted(changing[:PREVIEW_ROWS], key=lambda line: line.line)
    report_lines = []
    if job.finished and job.report:
        report_lines = list(csv.reader(io.StringIO(job.report)))[1 : PREVIEW_ROWS + 1]
    return render_template(
        "admin/users_import_job.html",
        job=job,
        plan=plan,
        shown=shown,
        hidden_count=(
            sum(1 for line in plan.lines if line.action != Action.UNCHANGED) - len(shown)
            if plan
            else 0
        ),
        report_lines=report_lines,
        Action=Action,
        Status=ImportJobStatus,
    )


def users_import_confirm(token: str) -> Any:
    """Apply a previewed file, with the trainer-role removals that were ticked."""
    job = _job_or_404(token)
    if request.form.get("cancel"):
        if job.status == ImportJobStatus.PREVIEW:
            db.session.delete(job)
            db.session.commit()
        flash(_("De import is geannuleerd; er is niets gewijzigd."), "info")
        return redirect(url_for("admin.users_import"))
    allowed = request.form.getlist("allow_role_removal")
    if not import_jobs.confirm(job, allowed_role_removals=allowed, actor=current_user):
        db.session.rollback()
        flash(_("Deze import was al bevestigd."), "info")
        return redirect(url_for("admin.users_import_job", token=token))
    db.session.commit()
    _apply(job.id, job.total)
    return redirect(url_for("admin.users_import_job", token=token))


def _start_worker(job_id: int) -> threading.Thread:
    """Apply the job in a thread of this process, with an application context of its own
    (the request's session and transaction stay the request's)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def work() -> None:
        with app.app_context():
            try:
                import_jobs.run(job_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"user-import-{job_id}", daemon=True)
    thread.start()
    return thread


def users_import_status(token: str) -> Any:
    job = _job_or_404(token)
    response = jsonify(
        {
            "status": job.status.value,
            "processed": job.processed,
            "total": job.total,
            "counts": job.counts or {},
            "finished": job.finished,
        }
    )
    return response  # private, no-store like every coordinators' page


def users_import_report(token: str) -> Any:
    job = _job_or_404(token)
    if not job.finished:
        abort(404)
    response = Response(job.report.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="import-rapport-{job.token[:8]}.csv"'
    )
    return response
