"""Interest forms: one-click buttons (CSRF only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class InterestForm(FlaskForm):
    submit = SubmitField(_l("Houd me op de hoogte"))


class StopForm(FlaskForm):
    """The confirm button of the stop link: only a POST stops (a mail scanner that
    follows the link with GET changes nothing)."""

    submit = SubmitField(_l("Ja, stuur me hierover geen mails meer"))
