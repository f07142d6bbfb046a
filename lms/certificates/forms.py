"""Forms of the certificates feature (Dutch messages, CSRF on every form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class IssueForm(FlaskForm):
    submit = SubmitField(_l("Attesten uitreiken"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden van intrekking"),
        validators=[
            DataRequired(_l("Geef een reden op voor het intrekken.")),
            Length(max=2000, message=_l("Houd de reden korter dan 2000 tekens.")),
        ],
        description=_l(
            "De houder krijgt deze reden per mail. Op de openbare controlepagina staat alleen "
            "dat het attest is ingetrokken, en sinds wanneer."
        ),
    )
    submit = SubmitField(_l("Attest intrekken"))


class ReissueForm(FlaskForm):
    reason = TextAreaField(
        _l("Wat werd gecorrigeerd?"),
        validators=[Length(max=2000, message=_l("Houd de reden korter dan 2000 tekens."))],
        description=_l(
            "Een geldig attest wordt eerst ingetrokken met deze reden; daarna krijgt de "
            "houder een nieuw attest met een nieuwe code, op basis van de gegevens van nu."
        ),
    )
    submit = SubmitField(_l("Opnieuw uitreiken"))


class KeepForm(FlaskForm):
    """Keep a certificate after its attendance changed: the coordinator says why."""

    reason = TextAreaField(
        _l("Waarom blijft het attest geldig?"),
        validators=[
            DataRequired(_l("Geef een reden op waarom het attest blijft gelden.")),
            Length(max=2000, message=_l("Houd de reden korter dan 2000 tekens.")),
        ],
        description=_l(
            "Bijvoorbeeld: de persoon haalt de vereiste aanwezigheid nog altijd. De reden "
            "komt in de auditlog; de houder krijgt geen mail."
        ),
    )
    submit = SubmitField(_l("Attest behouden"))


class VerifyForm(FlaskForm):
    """The public lookup form (GET, so no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Verificatiecode"),
        validators=[DataRequired(_l("Vul de code van het attest in."))],
        description=_l(
            "Bijvoorbeeld 7KQ4-M2XD-9FJ1-PZ3W. Hoofd- of kleine letters, met of zonder "
            "streepjes: het maakt niet uit."
        ),
    )
    submit = SubmitField(_l("Controleren"))
