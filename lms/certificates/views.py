"""Certificate pages: public verification, the PDF, Mijn leertraject, issuing and revoking.

Thin: forms in, :mod:`lms.certificates.service` does the rules, one commit per request.
"""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.access import forbid_unless
from lms.certificates import service
from lms.certificates.codes import normalise
from lms.certificates.forms import IssueForm, KeepForm, ReissueForm, RevokeForm, VerifyForm
from lms.certificates.record import learning_record as build_learning_record
from lms.common.timeutil import iso
from lms.extensions import db, limiter
from lms.models import Activity, Certificate, Role, User, utcnow
from lms.web import wants_json
from lms.web.access import coordinator_required
from lms.web.errors import flash_refusal
from lms.web.redirects import safe_next

VERIFY_LIMIT_MESSAGE = _l(
    "Te veel controles in korte tijd. Wacht een minuut en probeer het dan opnieuw."
)


def _verify_limit() -> str:
    return current_app.config.get("CERTIFICATE_VERIFY_RATE_LIMIT", "30 per minute")


# --- Public verification -------------------------------------------------------------------------


@limiter.shared_limit(_verify_limit, scope="certificate-verify", error_message=VERIFY_LIMIT_MESSAGE)
def verify_form() -> Any:
    form = VerifyForm(formdata=request.args if "code" in request.args else None)
    if "code" in request.args and form.validate():
        canonical = normalise(form.code.data)
        if canonical is None:
            form.code.errors.append(
                _("Dit is geen geldige code: een code heeft 16 tekens, zoals 7KQ4-M2XD-9FJ1-PZ3W.")
            )
        else:
            return redirect(url_for("certificates.verify", code=canonical))
    return render_template("certificates/verify_form.html", form=form)


def _verification(
    certificate: Certificate | None, replacement: Certificate | None = None
) -> dict[str, Any]:
    """The public JSON of CONTRACT.md: only what the certificate itself shows.

    A revoked certificate adds ``replaced_by``: the code of the one issued in its place
    (or null).
    """
    if certificate is None:
        return {
            "status": "unknown",
            "holder": None,
            "activity": None,
            "hours": None,
            "issued_at": None,
            "revoked_at": None,
        }
    snapshot = certificate.snapshot
    return {
        "status": "revoked" if certificate.is_revoked else "valid",
        "code": certificate.code,
        "holder": snapshot.get("holder_name"),
        "activity": snapshot.get("activity_title"),
        "kind": snapshot.get("kind"),
        "document": snapshot.get("document"),
        "hours": snapshot.get("hours"),
        "start_date": snapshot.get("start_date"),
        "end_date": snapshot.get("end_date"),
        "themes": snapshot.get("themes") or [],
        "policy": snapshot.get("policy_name"),
        "policy_valid_from": snapshot.get("policy_valid_from"),
        "issued_at": iso(certificate.issued_at),
        "revoked_at": iso(certificate.revoked_at),
        **(
            {"replaced_by": replacement.code if replacement is not None else None}
            if certificate.is_revoked
            else {}
        ),
    }


@limiter.shared_limit(_verify_limit, scope="certificate-verify", error_message=VERIFY_LIMIT_MESSAGE)
def verify(code: str) -> Any:
    canonical = normalise(code)
    if canonical is not None and canonical != code:
        return redirect(url_for("certificates.verify", code=canonical), code=301)
    certificate = service.find_by_code(canonical)
    status = 200 if certificate is not None else 404
    replacement = service.replacement_of(certificate) if certificate is not None else None
    if wants_json():
        response = jsonify(_verification(certificate, replacement))
    else:
        response = make_response(
            render_template(
                "certificates/verify.html",
                certificate=certificate,
                code=canonical or code,
                data=_verification(certificate, replacement),
                replacement=replacement,
            )
        )
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.vary.add("Accept")
    return response


# --- The PDF -------------------------------------------------------------------------------------


@login_required
def pdf(code: str) -> Any:
    certificate = service.find_by_code(code)
    if certificate is None:
        abort(404)
    is_holder = certificate.user_id is not None and certificate.user_id == current_user.id
    forbid_unless(is_holder or current_user.has_role(Role.COORDINATOR))
    if certificate.is_revoked and not current_user.has_role(Role.COORDINATOR):
        message = "Dit attest is ingetrokken en kan niet meer gedownload worden."
        if wants_json() or request.authorization is not None:
            return jsonify(error=message), 410
        page = render_template("errors/error.html", status=410, title="Ingetrokken", text=message)
        return page, 410
    fresh = certificate.pdf is None
    data = service.pdf_of(certificate)
    if fresh:
        db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'inline; filename="{certificate.snapshot.get("document", "attest")}-'
        f'{certificate.code}.pdf"'
    )
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    # The revoked PDF carries a mark the original did not: another entity.
    response.set_etag(certificate.code + ("-ingetrokken" if certificate.is_revoked else ""))
    return response.make_conditional(request)


# --- Mijn leertraject ---------------------------------------------------------------------------


def _year_arg() -> int | None:
    value = request.args.get("year", "")
    return int(value) if value.isdigit() and 1900 < int(value) < 3000 else None


@login_required
def learning_record() -> Any:
    record = build_learning_record(current_user, _year_arg())
    return render_template(
        "certificates/learning_record.html", record=record, own=True, now=utcnow()
    )


@login_required
def staff_learning_record(user_id: int) -> Any:
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    same_organisation = (
        current_user.has_role(Role.ORGANISATION_CONTACT)
        and current_user.organisation_id is not None
        and person.organisation_id == current_user.organisation_id
    )
    forbid_unless(same_organisation or current_user.has_role(Role.COORDINATOR))
    record = build_learning_record(person, _year_arg())
    return render_template(
        "certificates/learning_record.html",
        record=record,
        own=person.id == current_user.id,
        now=utcnow(),
    )


# --- Coordinators: overview, issue, revoke, re-issue ----------------------------------------------


@coordinator_required
def index() -> Any:
    from lms.certificates.overview import issuing_overview

    overview = issuing_overview()
    return render_template("certificates/index.html", overview=overview, form=IssueForm())


@coordinator_required
def issue(activity_id: int) -> Any:
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        abort(404)
    form = IssueForm()
    back = safe_next(
        request.form.get("next"), url_for("policy.activity_progress", activity_id=activity_id)
    )
    if not form.validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
        return redirect(back)
    try:
        result = service.issue_for_activity(activity_id, actor=current_user)
    except service.CertificateError as exc:
        db.session.rollback()
        flash_refusal(exc)
        return redirect(back)
    db.session.commit()
    flash(result.summary, "success" if result.issued else "info")
    return redirect(back)


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(joinedload(Certificate.user), joinedload(Certificate.activity))
    )
    if certificate is None:
        abort(404)
    return certificate


def _detail(
    certificate: Certificate, revoke_form=None, reissue_form=None, status=200, keep_form=None
) -> Any:
    history = list(
        db.session.scalars(
            select(Certificate)
            .where(
                Certificate.activity_id == certificate.activity_id,
                Certificate.user_id == certificate.user_id,
                Certificate.user_id.is_not(None),
                Certificate.id != certificate.id,
            )
            .order_by(Certificate.issued_at.desc())
        )
    )
    return (
        render_template(
            "certificates/detail.html",
            certificate=certificate,
            history=history,
            revoke_form=revoke_form or RevokeForm(prefix="revoke"),
            reissue_form=reissue_form or ReissueForm(prefix="reissue"),
            keep_form=keep_form or KeepForm(prefix="keep"),
            current=_current_progress(certificate),
        ),
        status,
    )


def _current_progress(certificate: Certificate) -> Any:
    """Today's judgement of the holder, beside what the certificate states (for review)."""
    if not certificate.needs_review or certificate.user_id is None:
        return None
    from lms.policy.progress import activity_progress

    found = activity_progress(certificate.activity_id, [certificate.user_id])
    return found[0] if found else None


@coordinator_required
def keep(certificate_id: int) -> Any:
    """Keep a certificate whose attendance changed after issuing (off the to-do list)."""
    certificate = _certificate_or_404(certificate_id)
    form = KeepForm(prefix="keep")
    if form.validate_on_submit():
        try:
            service.keep_after_review(certificate, actor=current_user, reason=form.reason.data)
        except service.CertificateError as exc:
            db.session.rollback()
            form.reason.errors.append(exc.message)
        else:
            db.session.commit()
            flash(
                _(
                    "Attest %(code)s blijft geldig; het staat niet meer op de takenlijst.",
                    code=certificate.code,
                ),
                "success",
            )
            return redirect(url_for("certificates.detail", certificate_id=certificate_id))
    certificate = _certificate_or_404(certificate_id)
    return _detail(certificate, keep_form=form, status=422)


@coordinator_required
def detail(certificate_id: int) -> Any:
    return _detail(_certificate_or_404(certificate_id))


@coordinator_required
def revoke(certificate_id: int) -> Any:
    certificate = _certificate_or_404(certificate_id)
    form = RevokeForm(prefix="revoke")
    if form.validate_on_submit():
        try:
            service.revoke(certificate, actor=current_user, reason=form.reason.data)
        except service.CertificateError as exc:
            db.session.rollback()
            form.reason.errors.append(exc.message)
        else:
            db.session.commit()
            flash(
                _(
                    "Attest %(code)s is ingetrokken. De houder krijgt een mail.",
                    code=certificate.code,
                ),
                "success",
            )
            return redirect(url_for("certificates.detail", certificate_id=certificate_id))
    return _detail(certificate, revoke_form=form, status=422)


@coordinator_required
def reissue(certificate_id: int) -> Any:
    certificate = _certificate_or_404(certificate_id)
    form = ReissueForm(prefix="reissue")
    if form.validate_on_submit():
        try:
            new = service.reissue(certificate, actor=current_user, reason=form.reason.data or "")
        except service.CertificateError as exc:
            db.session.rollback()
            form.reason.errors.append(exc.message)
        else:
            db.session.commit()
            flash(
                _(
                    "Nieuw attest %(code)s uitgereikt; het vorige (%(previous)s) is ingetrokken.",
                    code=new.code,
                    previous=certificate.code,
                ),
                "success",
            )
            return redirect(url_for("certificates.detail", certificate_id=new.id))
    certificate = _certificate_or_404(certificate_id)
    return _detail(certificate, reissue_form=form, status=422)
