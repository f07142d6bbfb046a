"""Account forms. Messages are Dutch; every field error is shown next to its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from lms.accounts.passwords import MIN_LENGTH

EMAIL_REQUIRED = _l("Vul je e-mailadres in.")
EMAIL_INVALID = _l("Dit is geen geldig e-mailadres.")


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(EMAIL_REQUIRED)])
    password = PasswordField(
        _l("Wachtwoord"), validators=[DataRequired(_l("Vul je wachtwoord in."))]
    )
    remember = BooleanField(_l("Aangemeld blijven op dit toestel"))
    submit = SubmitField(_l("Aanmelden"))


class RegistrationForm(FlaskForm):
    name = StringField(
        _l("Voor- en achternaam"),
        validators=[DataRequired(_l("Vul je naam in.")), Length(max=200)],
    )
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(EMAIL_REQUIRED), Email(EMAIL_INVALID), Length(max=254)],
    )
    organisation = StringField(
        _l("Organisatie (werkgever)"),
        validators=[Length(max=200)],
        description=_l("Laat leeg als je niet voor een organisatie werkt."),
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(_l("Kies een wachtwoord."))],
        description=_l(f"Minstens {MIN_LENGTH} tekens. Een zin van enkele woorden werkt goed."),
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
        description=_l(f"Minstens {MIN_LENGTH} tekens."),
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


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Voor- en achternaam"), validators=[DataRequired(_l("Vul je naam in.")), Length(max=200)]
    )
    organisation = StringField(_l("Organisatie (werkgever)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Gegevens bewaren"))


class NewTokenForm(FlaskForm):
    label = StringField(
        _l("Waarvoor dient de sleutel?"),
        validators=[Length(max=100)],
        description=_l("Bijvoorbeeld: agenda-koppeling, rapportage-script."),
    )
    submit = SubmitField(_l("Nieuwe API-sleutel maken"))
