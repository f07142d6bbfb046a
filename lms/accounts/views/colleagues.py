"""Mijn organisatie → "Een collega uitnodigen": an organisation contact invites a new
colleague by e-mail (``/account/colleagues/invite``, in ``lms/accounts/blueprint.py``).

It lives with the accounts feature because it makes an account
(:func:`lms.accounts.service.invite_colleague` decides, with the membership rules of
:mod:`lms.organisations.membership`); the contact's pages link to it. Thin: a form in,
one commit, the same answer whether or not the address already has an account.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts import service
from lms.accounts.forms import InviteColleagueForm
from lms.extensions import db, limiter
from lms.models import Role
from lms.web.access import role_required


@role_required(Role.ORGANISATION_CONTACT)
@limiter.limit("30 per hour", methods=["POST"])
def invite_colleague() -> Any:
    """The contact gives a name and an address; the colleague gets the invitation mail."""
    if current_user.organisation_id is None:
        return render_template("organisations/no_organisation.html")
    form = InviteColleagueForm()
    if form.validate_on_submit():
        try:
            service.invite_colleague(current_user, name=form.name.data, email=form.email.data)
        except service.AccountError as exc:
            db.session.rollback()
            field = getattr(form, exc.field or "email", form.email)
            field.errors = [*field.errors, str(exc)]
        else:
            db.session.commit()
            flash(
                _(
                    "We stuurden een uitnodiging naar %(email)s. Zodra je collega een "
                    "wachtwoord kiest, staat die bij je medewerkers. Je krijgt een kopie "
                    "per mail.",
                    email=form.email.data.strip(),
                ),
                "success",
            )
            return redirect(url_for("organisations.staff"), code=303)
    return render_template(
        "organisations/invite.html",
        form=form,
        organisation=current_user.organisation,
    ), (422 if form.errors else 200)
