"""Intake forms: the coordinator's question form and the CSRF-only answer form (the
answer fields follow the activity's questions, see ``templates/intake/answer.html``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class QuestionForm(FlaskForm):
    label = StringField(
        _l("Vraag"), validators=[InputRequired(_l("Vul de vraag in.")), Length(max=300)]
    )
    kind = RadioField(
        _l("Soort antwoord"),
        choices=[("text", _l("Vrije tekst")), ("choice", _l("Keuze uit mogelijkheden"))],
        default="text",
        validators=[InputRequired(_l("Kies het soort vraag."))],
    )
    options = TextAreaField(
        _l("Mogelijkheden (één per regel)"),
        validators=[Optional(), Length(max=6000)],
        description=_l("Alleen voor een keuzevraag."),
    )
    required = BooleanField(_l("Verplicht te beantwoorden"))
    submit = SubmitField(_l("Vraag toevoegen"))


class AnswerForm(FlaskForm):
    """CSRF only: the answers are read per question by :mod:`lms.intake.views`."""

    submit = SubmitField(_l("Versturen"))
