"""Enrolment forms: small POST buttons (each with its CSRF token), the colleague picker and
the invoice details of a paid enrolment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)


class ActionForm(FlaskForm):
    """A button that changes something (enrol, cancel, accept, decline): CSRF only."""

    submit = SubmitField(_l("Bevestigen"))


class ColleagueForm(FlaskForm):
    """An organisation contact enrols a colleague of their own organisation."""

    colleague = SelectField(
        _l("Collega"),
        coerce=int,
        validators=[DataRequired(_l("Kies een collega."))],
        validate_choice=True,
    )
    submit = SubmitField(_l("Collega inschrijven"))

    def __init__(self, colleagues, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.colleague.choices = [SelectChoice(0, str(_l("Kies een collega…")))] + [
            SelectChoice(u.id, u.name) for u in colleagues
        ]
        self.colleague.validators[0].message = str(_l("Kies een collega."))


class InvoiceForm(FlaskForm):
    """The confirmation step of a paid enrolment: whom to invoice. Checked once more by
    :func:`lms.enrolment.billing.clean_details` (the same rules as the API)."""

    invoice_to = RadioField(
        _l("Factuur naar"),
        choices=[
            SelectChoice("organisation", _l("Mijn organisatie")),
            SelectChoice("private", _l("Mezelf (privé)")),
        ],
        validators=[InputRequired(_l("Kies naar wie de factuur gaat."))],
    )
    organisation_name = StringField(
        _l("Naam van de organisatie"),
        validators=[Optional(), Length(max=200)],
        description=_l("Alleen nodig als de factuur naar je organisatie gaat."),
    )
    reference = StringField(
        _l("Referentie, bestelbon of kostenplaats (niet verplicht)"),
        validators=[Optional(), Length(max=120)],
    )
    billing_email = EmailField(
        _l("E-mailadres voor de factuur"),
        validators=[
            InputRequired(_l("Vul het e-mailadres voor de factuur in.")),
            Length(max=254),
            Email(_l("Vul een geldig e-mailadres in.")),
        ],
    )
    submit = SubmitField(_l("Bevestigen en inschrijven"))

    def validate_organisation_name(self, field: StringField) -> None:
        if self.invoice_to.data == "organisation" and not (field.data or "").strip():
            raise ValidationError(_l("Vul de naam van de organisatie in die de factuur krijgt."))


class AnswersForm(FlaskForm):
    """The intake step's form (:mod:`lms.enrolment.views.intake`): CSRF only, the answers
    are read per question from the posted fields."""

    submit = SubmitField(_l("Versturen"))
