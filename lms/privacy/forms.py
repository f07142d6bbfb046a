"""Privacy forms: the coordinator's confirmation of an erasure."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("De persoon vroeg zelf om het wissen, en ik begrijp dat het niet ongedaan kan worden."),
        validators=[DataRequired(_l("Vink dit aan om te bevestigen."))],
    )
    submit = SubmitField(_l("Gegevens definitief wissen"))
