"""User management: list and search, create, edit name/organisation/roles, deactivate and
reactivate, import from CSV. Rules: :mod:`lms.accounts.service` (at least one active
coordinator remains; nobody removes their own coordinator role or deactivates themselves)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lms.accounts import queries as users
from lms.accounts import service as accounts
from lms.accounts.service import AccountError, NewUser
from lms.admin.forms import ConfirmForm, NewUserForm, UserForm
from lms.extensions import db
from lms.models import MAX_ID, ROLE_LABELS, ApiToken, AuditEntry, Enrolment, Role, User
from lms.web.errors import flash_refusal


def _user_or_404(user_id: int) -> User:
    user = (
        db.session.scalar(
            select(User).where(User.id == user_id).options(joinedload(User.organisation))
        )
        if 0 < user_id <= MAX_ID
        else None
    )
    if user is None:
        abort(404)
    return user


def _show(form: Any, error: AccountError) -> None:
    db.session.rollback()
    target = getattr(form, error.field or "", None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, str(error)]
    else:
        flash_refusal(error)


def users_list() -> Any:
    filters = users.UserFilters.from_args(request.args)
    return render_template(
        "admin/users.html",
        page=users.list_users(filters),
        filters=filters,
        organisations=users.organisations(),
        roles=[(r.value, ROLE_LABELS[r]) for r in Role],
    )


def user_new() -> Any:
    form = NewUserForm()
    if request.method == "GET":
        form.roles.data = [Role.PARTICIPANT.value]
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                NewUser(
                    email=form.email.data or "",
                    name=form.name.data or "",
                    roles={Role(r) for r in form.roles.data or []},
                    organisation=form.organisation.data or None,
                    invite=bool(form.send_reset.data),
                ),
                actor=current_user,
            )
        except AccountError as error:
            _show(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Het account van %(name)s is aangemaakt; er is een mail verstuurd om een "
                    "wachtwoord te kiezen.",
                    name=user.name,
                )
                if form.send_reset.data
                else _("Het account van %(name)s is aangemaakt.", name=user.name),
                "success",
            )
            return redirect(url_for("admin.user", user_id=user.id))
    if request.method == "POST":
        status = 422
    return render_template("admin/user_new.html", form=form), status


def user(user_id: int) -> Any:
    person = _user_or_404(user_id)
    form = UserForm()
    if request.method == "GET":
        form.name.data = person.name
        form.organisation.data = person.organisation.name if person.organisation else ""
        form.roles.data = sorted(r.value for r in person.roles)
    status = 200
    if form.validate_on_submit():
        try:
            changed = accounts.update_details(
                person,
                name=form.name.data or "",
                organisation_name=form.organisation.data,
                actor=current_user,
            )
            before = person.roles
            accounts.set_roles(person, {Role(r) for r in form.roles.data or []}, actor=current_user)
            if person.roles != before:
                changed.append("rollen")
        except AccountError as error:
            _show(form, error)
        else:
            db.session.commit()
            flash(
                _("Bewaard: %(fields)s.", fields=", ".join(changed))
                if changed
                else _("Er was niets gewijzigd."),
                "success" if changed else "info",
            )
            return redirect(url_for("admin.user", user_id=user_id))
        person = _user_or_404(user_id)
    if request.method == "POST":
        status = 422
    enrolments = db.session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.user_id == person.id)
    )
    tokens = db.session.scalar(
        select(func.count(ApiToken.id)).where(
            ApiToken.user_id == person.id, ApiToken.revoked_at.is_(None)
        )
    )
    history = list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_user_id == person.id, AuditEntry.action.startswith("user."))
            .options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(10)
        )
    )
    return (
        render_template(
            "admin/user.html",
            person=person,
            form=form,
            action_form=ConfirmForm(),
            enrolments=enrolments or 0,
            tokens=tokens or 0,
            history=history,
        ),
        status,
    )


def _set_active(user_id: int, active: bool) -> Any:
    person = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
        return redirect(url_for("admin.user", user_id=user_id))
    try:
        accounts.set_active(person, active, actor=current_user)
    except AccountError as error:
        db.session.rollback()
        flash_refusal(error)
    else:
        db.session.commit()
        flash(
            _("Het account van %(name)s is weer actief.", name=person.name)
            if active
            else _(
                "Het account van %(name)s is gedeactiveerd: aanmelden, de agenda-link en de "
                "API-sleutels werken niet meer.",
                name=person.name,
            ),
            "success",
        )
    return redirect(url_for("admin.user", user_id=user_id))


def user_deactivate(user_id: int) -> Any:
    return _set_active(user_id, False)


def user_reactivate(user_id: int) -> Any:
    return _set_active(user_id, True)
