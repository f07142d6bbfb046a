"""Account forms. Messages are Dutch; every field error is shown next to its field."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from lms.accounts.passwords import MIN_LENGTH
from lms.extensions import db
from lms.models import Organisation, User
from lms.organisations import membership

#: The choice "mijn organisatie staat er niet bij" in the organisation list.
NOT_LISTED = "new"

EMAIL_REQUIRED = _l("Vul je e-mailadres in.")
EMAIL_INVALID = _l("Dit is geen geldig e-mailadres.")


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(EMAIL_REQUIRED)])
    password = PasswordField(
        _l("Wachtwoord"), validators=[DataRequired(_l("Vul je wachtwoord in."))]
    )
    remember = BooleanField(_l("Aangemeld blijven op dit toestel"))
    submit = SubmitField(_l("Aanmelden"))


class OrganisationChoice(Form):
    """Pick the employer from the list (filtered by typing, see static/js/select_filter.js),
    or name one that is not listed for a coordinator to add. A choice is a request that
    the organisation confirms."""

    organisation = SelectField(
        _l("Organisatie (werkgever)"),
        validate_choice=False,
        description=_l(
            "Kies je werkgever uit de lijst. Je organisatie bevestigt dat je er werkt; "
            "daarna ziet ze je inschrijvingen en betaal je het ledentarief als ze lid is."
        ),
    )
    new_organisation = StringField(
        _l("Naam van je organisatie, als ze niet in de lijst staat"),
        description=_l(
            "Kies dan hierboven „Mijn organisatie staat er niet bij”. SAM voegt ze toe."
        ),
    )

    def set_organisation_choices(self, organisations: list[Organisation]) -> None:
        self._organisation_ids = {str(o.id) for o in organisations}
        self.organisation.choices = [
            SelectChoice("", str(_l("Geen organisatie (ik werk zelfstandig of voor mezelf)"))),
            *(SelectChoice(str(o.id), o.name) for o in organisations),
            SelectChoice(NOT_LISTED, str(_l("Mijn organisatie staat er niet bij"))),
        ]

    def select_current(self, user: User) -> None:
        """Show what the person chose last: pending, confirmed or not listed."""
        if user.requested_organisation_name:
            self.organisation.data = NOT_LISTED
            self.new_organisation.data = user.requested_organisation_name
        elif user.pending_organisation_id is not None:
            self.organisation.data = str(user.pending_organisation_id)
        elif user.organisation_id is not None:
            self.organisation.data = str(user.organisation_id)
        else:
            self.organisation.data = ""

    def validate_organisation(self, field: SelectField) -> None:
        value = field.data or ""
        if value and value != NOT_LISTED and value not in self._organisation_ids:
            raise ValidationError(_l("Kies een organisatie uit de lijst."))

    def validate_new_organisation(self, field: StringField) -> None:
        if self.organisation.data != NOT_LISTED:
            return
        problem = membership.name_problem(field.data)
        if problem is not None:
            raise ValidationError(problem)

    def chosen(self) -> tuple[Organisation | None, str | None]:
        """``(organisation, unlisted name)`` as chosen (both None: no organisation)."""
        value = self.organisation.data or ""
        if value == NOT_LISTED:
            return None, membership.normalise_name(self.new_organisation.data)
        if value:
            return db.session.get(Organisation, int(value)), None
        return None, None


class RegistrationForm(FlaskForm, OrganisationChoice):
    name = StringField(
        _l("Voor- en achternaam"),
        validators=[DataRequired(_l("Vul je naam in.")), Length(max=200)],
    )
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(EMAIL_REQUIRED), Email(EMAIL_INVALID), Length(max=254)],
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(_l("Kies een wachtwoord."))],
        description=_l(
            "Minstens %(num)d tekens. Een zin van enkele woorden werkt goed.", num=MIN_LENGTH
        ),
    )
    password_again = PasswordField(
        _l("Wachtwoord herhalen"),
        validators=[
            DataRequired(_l("Herhaal je wachtwoord.")),
            EqualTo("password", _l("De twee wachtwoorden zijn niet gelijk.")),
        ],
    )
    submit = SubmitField(_l("Account aanmaken"))

    def validate_email(self, field: EmailField) -> None:
        """Refuse an address our mail server cannot deliver to, and say why
        (:mod:`lms.mail.addresses`): otherwise the mails about it would never arrive."""
        from lms.mail.addresses import deliverable_reason

        reason = deliverable_reason(field.data or "") if not field.errors else None
        if reason:
            raise ValidationError(reason)


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"), validators=[DataRequired(EMAIL_REQUIRED), Email(EMAIL_INVALID)]
    )
    submit = SubmitField(_l("Stuur me een link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=[DataRequired(_l("Kies een wachtwoord."))],
        description=_l("Minstens %(num)d tekens.", num=MIN_LENGTH),
    )
    password_again = PasswordField(
        _l("Nieuw wachtwoord herhalen"),
        validators=[
            DataRequired(_l("Herhaal je wachtwoord.")),
            EqualTo("password", _l("De twee wachtwoorden zijn niet gelijk.")),
        ],
    )
    submit = SubmitField(_l("Wachtwoord instellen"))


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        _l("Huidig wachtwoord"), validators=[DataRequired(_l("Vul je huidige wachtwoord in."))]
    )
    #: The personal feed link is a secret too: whoever feared for the password may want
    #: a new link (the old one stops working).
    renew_feed = BooleanField(
        _l("Ook mijn agenda-link vernieuwen"),
        description=_l(
            "Doe dit als iemand anders je agenda-link kan kennen. De oude link werkt dan niet "
            "meer; je voegt de nieuwe toe in je agenda-app."
        ),
    )
    submit = SubmitField(_l("Wachtwoord wijzigen"))


class ProfileForm(FlaskForm, OrganisationChoice):
    name = StringField(
        _l("Voor- en achternaam"), validators=[DataRequired(_l("Vul je naam in.")), Length(max=200)]
    )
    submit = SubmitField(_l("Gegevens bewaren"))


class ChangeEmailForm(FlaskForm):
    email = EmailField(
        _l("Nieuw e-mailadres"),
        validators=[DataRequired(EMAIL_REQUIRED), Email(EMAIL_INVALID), Length(max=254)],
        description=_l(
            "We sturen een link naar het nieuwe adres; je adres wijzigt pas als je die volgt."
        ),
    )
    current_password = PasswordField(
        _l("Huidig wachtwoord"), validators=[DataRequired(_l("Vul je huidige wachtwoord in."))]
    )
    submit = SubmitField(_l("E-mailadres wijzigen"))


class ResendVerificationForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"), validators=[DataRequired(EMAIL_REQUIRED), Email(EMAIL_INVALID)]
    )
    submit = SubmitField(_l("Stuur de link opnieuw"))


class ConfirmEmailForm(FlaskForm):
    """The button behind a confirmation link. The password proves the person who follows
    the link also made the account (see ``proves_ownership`` in lms/accounts/service.py);
    a logged-in owner confirming a new address of their own may leave it empty."""

    password = PasswordField(_l("Wachtwoord"))
    submit = SubmitField(_l("Mijn e-mailadres bevestigen"))


def organisation_form(form_class: type[Any], **kwargs: Any) -> Any:
    """``form_class`` with the organisation list filled in."""
    form = form_class(**kwargs)
    form.set_organisation_choices(membership.all_organisations())
    return form


class NewTokenForm(FlaskForm):
    label = StringField(
        _l("Waarvoor dient de sleutel?"),
        validators=[Length(max=100)],
        description=_l("Bijvoorbeeld: agenda-koppeling, rapportage-script."),
    )
    submit = SubmitField(_l("Nieuwe API-sleutel maken"))


class InviteColleagueForm(FlaskForm):
    """An organisation contact invites a new colleague by e-mail."""

    name = StringField(
        _l("Voor- en achternaam van je collega"),
        validators=[DataRequired(_l("Vul de naam van je collega in.")), Length(max=200)],
    )
    email = EmailField(
        _l("E-mailadres van je collega"),
        validators=[DataRequired(EMAIL_REQUIRED), Email(EMAIL_INVALID), Length(max=254)],
    )
    submit = SubmitField(_l("Uitnodiging versturen"))

    def validate_email(self, field: EmailField) -> None:
        """An address our mail server cannot deliver to would never get the invitation."""
        from lms.mail.addresses import deliverable_reason

        reason = deliverable_reason(field.data or "") if not field.errors else None
        if reason:
            raise ValidationError(reason)
