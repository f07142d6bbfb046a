"""Enrolment forms: small POST buttons (each with its CSRF token) and the colleague picker."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired


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
