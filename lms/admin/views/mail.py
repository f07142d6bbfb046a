"""The mail queue (retry or abort a failed mail) and the audit log."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.admin.forms import ConfirmForm
from lms.admin.views import back_to
from lms.audit import queries as audit_log
from lms.extensions import db
from lms.mail import queue as mail_queue
from lms.mail.rendering import RenderedMail, render_outbox_mail
from lms.models import MAX_ID, MailStatus, OutboxMail
from lms.web.errors import flash_refusal


def _mail_or_404(mail_id: int) -> OutboxMail:
    mail = db.session.get(OutboxMail, mail_id) if 0 < mail_id <= MAX_ID else None
    if mail is None:
        abort(404)
    return mail


def mail() -> Any:
    filters = mail_queue.MailFilters.from_args(request.args)
    counts = mail_queue.status_counts()
    return render_template(
        "admin/mail_queue.html",
        page=mail_queue.list_mails(filters),
        filters=filters,
        counts=counts,
        failed=counts[MailStatus.FAILED],
        kinds=mail_queue.kinds(),
        labels=mail_queue.STATUS_LABELS,
        statuses=list(MailStatus),
        action_form=ConfirmForm(),
        explain=mail_queue.explain_failure,
    )


def mail_detail(mail_id: int) -> Any:
    item = _mail_or_404(mail_id)
    try:
        # The text as the worker sends it: mail keeps facts and is rendered at send time.
        rendered: RenderedMail | None = render_outbox_mail(item)
    except Exception:  # a mail that cannot be rendered is shown with its facts' failure
        current_app.logger.warning("Mail %s cannot be rendered", item.id, exc_info=True)
        rendered = None
    return render_template(
        "admin/mail_detail.html",
        mail=item,
        rendered=rendered,
        labels=mail_queue.STATUS_LABELS,
        action_form=ConfirmForm(),
        explain=mail_queue.explain_failure,
    )


def _mail_action(mail_id: int, action: Any, done: str) -> Any:
    item = _mail_or_404(mail_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
        return redirect(back_to(url_for("admin.mail")))
    to = item.to_email
    try:
        action(item, actor=current_user)
    except mail_queue.MailQueueError as error:
        db.session.rollback()
        flash_refusal(error)
    else:
        db.session.commit()
        flash(done.format(to=to), "success")
    return redirect(back_to(url_for("admin.mail")))


def mail_retry(mail_id: int) -> Any:
    return _mail_action(
        mail_id,
        mail_queue.retry,
        "De mail aan {to} staat weer in de wachtrij; de volgende verzendronde probeert ze opnieuw.",
    )


def mail_abort(mail_id: int) -> Any:
    return _mail_action(
        mail_id, mail_queue.abort, "De mail aan {to} is afgebroken en wordt niet verstuurd."
    )


def audit() -> Any:
    filters = audit_log.AuditFilters.from_args(request.args)
    return render_template(
        "admin/audit.html",
        page=audit_log.list_entries(filters),
        filters=filters,
        groups=audit_log.ACTION_GROUPS,
        actions=audit_log.known_actions(),
        activity_title=audit_log.activity_title(filters.activity),
    )
