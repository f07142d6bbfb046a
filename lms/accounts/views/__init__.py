"""Account pages. Thin: forms in, :mod:`lms.accounts.service` does the rules, one commit."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from lms.access import forbid_unless
from lms.accounts import service
from lms.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmEmailForm,
    ForgotPasswordForm,
    LoginForm,
    NewTokenForm,
    ProfileForm,
    RegistrationForm,
    ResendVerificationForm,
    ResetPasswordForm,
    organisation_form,
)
from lms.accounts.tokens import create_api_token, revoke_api_token
from lms.attendance.landing import landing_endpoint
from lms.calendar.service import rotate_feed_token
from lms.extensions import db, limiter
from lms.models import ApiToken, utcnow
from lms.organisations.membership import MembershipError
from lms.web.errors import flash_refusal
from lms.web.redirects import safe_next


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_address_limit() -> str:
    return current_app.config.get("LOGIN_ADDRESS_RATE_LIMIT", "60 per minute")


def _account_and_address() -> str:
    """Failed logins are counted per account *and* client address: guessing one person's
    password is slowed down, while colleagues behind the same office router (one address)
    do not lock each other out. A much higher limit per address alone
    (``LOGIN_ADDRESS_RATE_LIMIT``) still stops one address trying many accounts."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"{email}|{get_remote_address()}"


@limiter.limit(
    _login_limit,
    key_func=_account_and_address,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    error_message=_l("Te veel mislukte aanmeldpogingen. Wacht een minuut en probeer opnieuw."),
)
@limiter.limit(
    _login_address_limit,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    error_message=_l(
        "Te veel mislukte aanmeldpogingen vanaf dit netwerk. Wacht een minuut en probeer opnieuw."
    ),
)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            service.record_login(user)
            db.session.commit()
            flash(_("Welkom, %(name)s.", name=user.first_name), "success")
            return redirect(safe_next(request.args.get("next")) or _first_page(user))
        form.password.errors.append(_("E-mailadres of wachtwoord klopt niet."))
    return render_template("accounts/login.html", form=form)


def _first_page(user: Any) -> str:
    """A trainer lands on today's session (or Mijn sessies); everyone else on the home page."""
    target = landing_endpoint(user, utcnow())
    return url_for(target[0], **target[1]) if target else url_for("core.index")


def logout() -> Any:
    if current_user.is_authenticated:
        service.end_all_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    flash(_("Je bent afgemeld."), "info")
    return redirect(url_for("core.index"))


@limiter.limit(
    "20 per hour",
    methods=["POST"],
    error_message=_l(
        "Te veel registratiepogingen vanaf dit adres. Probeer het over een uur opnieuw."
    ),
)
def register() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = organisation_form(RegistrationForm)
    if form.validate_on_submit():
        organisation, unlisted = form.chosen()
        try:
            service.register_participant(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                organisation=organisation,
                unlisted_organisation=unlisted,
            )
        except (service.AccountError, MembershipError) as exc:
            db.session.rollback()
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            db.session.commit()
            # The same answer whether or not the address already had an account.
            return redirect(url_for("accounts.check_mail"))
    return render_template("accounts/register.html", form=form)


def check_mail() -> Any:
    return render_template("accounts/check_mail.html")


def _verify_link_and_address() -> str:
    """Wrong passwords on a confirmation link are counted per link (one account) and
    client address, like failed logins are per account and address."""
    return f"{request.path[:300]}|{get_remote_address()}"


@limiter.limit(
    _login_limit,
    key_func=_verify_link_and_address,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    error_message=_l("Te veel mislukte aanmeldpogingen. Wacht een minuut en probeer opnieuw."),
)
@limiter.limit(
    _login_address_limit,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    error_message=_l(
        "Te veel mislukte aanmeldpogingen vanaf dit netwerk. Wacht een minuut en probeer opnieuw."
    ),
)
def verify_email(token: str) -> Any:
    """GET shows the form, POST confirms: a mail scanner that opens the link does not
    use it up. The link alone is not enough: the account's password (or, for a new
    address, the owner's own session) proves the person clicking also made the account."""
    found = service.user_for_verification_token(token)
    if found is None:
        return render_template("accounts/verify_invalid.html"), 400
    user, email = found
    registering = email == user.email
    session_user_id = current_user.id if current_user.is_authenticated else None
    page = {"email": email, "registering": registering}
    page["needs_password"] = registering or session_user_id != user.id
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        if not service.proves_ownership(
            user, email, password=form.password.data, session_user_id=session_user_id
        ):
            form.password.errors.append(_("E-mailadres of wachtwoord klopt niet."))
            return render_template("accounts/verify.html", form=form, **page)
        try:
            outcome = service.confirm_email(user, email)
        except service.AccountError as exc:
            db.session.commit()
            flash_refusal(exc)
            return redirect(url_for("accounts.login"))
        db.session.commit()
        if outcome == "registered":
            login_user(user)
            service.record_login(user)
            db.session.commit()
            flash(_("Je e-mailadres is bevestigd. Welkom op het SAM Leerplatform!"), "success")
            return redirect(url_for("core.index"))
        flash(_("Je nieuwe e-mailadres is bevestigd."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/verify.html", form=form, **page)


@limiter.limit("10 per minute")
def withdraw_registration(token: str) -> Any:
    """ "Dit was ik niet": the owner of the address removes an account someone else
    registered with it (only while unconfirmed and unused), and can then register."""
    found = service.user_for_verification_token(token)
    if found is None:
        return render_template("accounts/verify_invalid.html"), 400
    user, email = found
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    if not service.withdraw_registration(user, email):
        db.session.rollback()
        return render_template("accounts/verify_invalid.html"), 400
    db.session.commit()
    flash(
        _(
            "Het account met dit adres is verwijderd. Je kunt nu zelf een account aanmaken "
            "met je e-mailadres."
        ),
        "success",
    )
    return redirect(url_for("accounts.register"))


@limiter.limit("5 per minute", methods=["POST"])
def resend_verification() -> Any:
    form = ResendVerificationForm()
    if form.validate_on_submit():
        service.resend_verification(form.email.data)
        db.session.commit()
        return redirect(url_for("accounts.check_mail"))
    return render_template("accounts/resend_verification.html", form=form)


@limiter.limit("10 per minute", methods=["POST"])
def accept_invitation(token: str) -> Any:
    user = service.user_for_invitation_token(token)
    if user is None:
        return render_template("accounts/invitation_invalid.html"), 400
    return _choose_password(
        user,
        service.accept_invitation,
        _("Je wachtwoord is ingesteld. Welkom op het SAM Leerplatform!"),
        "accounts/invitation.html",
        person=user,
    )


@login_required
@limiter.limit("10 per hour", methods=["POST"])
def change_email() -> Any:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            service.request_email_change(
                current_user, new_email=form.email.data, password=form.current_password.data
            )
        except service.AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                _(
                    "We stuurden een link naar het nieuwe adres. Je e-mailadres wijzigt zodra "
                    "je die volgt."
                ),
                "info",
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/email.html", form=form)


@limiter.limit("5 per minute", methods=["POST"])
def forgot_password() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "Als er een account bestaat met dit e-mailadres, krijg je binnen enkele minuten "
                "een mail met een link om een nieuw wachtwoord te kiezen."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token: str) -> Any:
    user = service.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 400
    return _choose_password(
        user, service.reset_password, _("Je nieuwe wachtwoord is ingesteld."), "accounts/reset.html"
    )


def _choose_password(user: Any, apply: Any, done: str, template: str, **context: Any) -> Any:
    """The form behind a mailed link where a person chooses a password (reset or
    invitation): ``apply`` keeps it through the service, then the person is signed in."""
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            apply(user, form.password.data)
        except service.AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(user)
            flash(done, "success")
            return redirect(url_for("core.index"))
    return render_template(template, form=form, **context)


@login_required
def profile() -> Any:
    form = organisation_form(ProfileForm, obj=None, data={"name": current_user.name})
    if request.method == "GET":
        form.select_current(current_user)
    if form.validate_on_submit():
        organisation, unlisted = form.chosen()
        try:
            service.update_profile(
                current_user,
                name=form.name.data,
                organisation=organisation,
                unlisted_organisation=unlisted,
            )
        except (service.AccountError, MembershipError) as exc:
            db.session.rollback()
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Je gegevens zijn bewaard."), "success")
            return redirect(url_for("accounts.profile"))
    tokens = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == current_user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    ).all()
    return render_template(
        "accounts/profile.html",
        form=form,
        token_form=NewTokenForm(),
        tokens=tokens,
        revoke_form=FlaskForm(),
    )


@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(
                current_user, current=form.current_password.data, new=form.password.data
            )
        except service.AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field or "password").errors.append(str(exc))
        else:
            user = current_user._get_current_object()
            if form.renew_feed.data:
                rotate_feed_token(user, actor=user)
            db.session.commit()
            login_user(user)  # keep this session, end the others
            flash(_("Je wachtwoord is gewijzigd. Andere sessies zijn afgemeld."), "success")
            if form.renew_feed.data:
                flash(
                    _(
                        "Je agenda-link is vernieuwd. Voeg de nieuwe link toe in je agenda-app "
                        "en verwijder het oude abonnement."
                    ),
                    "info",
                )
                return redirect(url_for("calendar.subscription"))
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


@login_required
@limiter.limit("10 per hour")
def create_token() -> Any:
    form = NewTokenForm()
    if not form.validate_on_submit():
        abort(400)
    raw = create_api_token(current_user, form.label.data or "")
    db.session.commit()
    return render_template("accounts/token_created.html", token=raw)


@login_required
def revoke_token(token_id: int) -> Any:
    if not FlaskForm().validate_on_submit():
        abort(400)
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    forbid_unless(token.user_id == current_user.id)
    revoke_api_token(token, actor=current_user)
    db.session.commit()
    flash(_("De API-sleutel is ingetrokken."), "success")
    return redirect(url_for("accounts.profile"))
