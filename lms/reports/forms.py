"""The reports' filter forms: GET forms whose field names are the URL's query parameters.

``van`` and ``tot`` are Brussels calendar days, both included (default: this calendar
year); the activity report adds ``soort``, ``status`` and ``volgorde``. The same
parameters drive the page and its CSV and XLSX downloads, so an export always holds
what the page shows.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from lms.models import ActivityKind, ActivityStatus
from lms.reports.common import Period
from lms.reports.per_activity import ORDERS, ActivityFilters

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    van = DateField(
        _l("Van"),
        validators=[Optional()],
        invalid_value_message=_l("Vul een geldige datum in (dd-mm-jjjj)."),
    )
    tot = DateField(
        _l("Tot en met"),
        validators=[Optional()],
        invalid_value_message=_l("Vul een geldige datum in (dd-mm-jjjj)."),
    )

    def validate_van(self, field: DateField) -> None:
        if field.data and not EARLIEST <= field.data <= LATEST:
            raise ValidationError(_l("Kies een datum tussen 2000 en 2100."))

    def validate_tot(self, field: DateField) -> None:
        if field.data and not EARLIEST <= field.data <= LATEST:
            raise ValidationError(_l("Kies een datum tussen 2000 en 2100."))
        start = self.van.data
        if field.data and start and field.data < start:
            raise ValidationError(_l("De einddatum mag niet voor de begindatum liggen."))

    def period(self, default: Period) -> Period:
        """The period asked for; a missing end is the start's year end, a missing start
        the end's year start, nothing at all the default."""
        start, end = self.van.data, self.tot.data
        if start is None and end is None:
            return default
        if start is None:
            start = date(end.year, 1, 1)
        if end is None:
            end = date(start.year, 12, 31)
        return Period(start, end)

    def fill_defaults(self, period: Period) -> None:
        """Show the period in use in the fields (also when it was the default)."""
        self.van.data = period.start
        self.tot.data = period.end


class ActivityReportForm(PeriodForm):
    soort = SelectField(_l("Soort"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    volgorde = SelectField(_l("Volgorde"), validate_choice=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.soort.choices = [SelectChoice("", _l("Alle soorten"))] + [
            SelectChoice(k.value, gettext(k.label).capitalize()) for k in ActivityKind
        ]
        self.status.choices = [SelectChoice("", _l("Alle behalve ontwerp"))] + [
            SelectChoice(s.value, gettext(s.label).capitalize()) for s in ActivityStatus
        ]
        self.volgorde.choices = [
            SelectChoice(key, label.capitalize()) for key, label in ORDERS.items()
        ]

    def validate_soort(self, field: SelectField) -> None:
        if field.data and field.data not in {k.value for k in ActivityKind}:
            raise ValidationError(_l("Kies een soort uit de lijst."))

    def validate_status(self, field: SelectField) -> None:
        if field.data and field.data not in {s.value for s in ActivityStatus}:
            raise ValidationError(_l("Kies een status uit de lijst."))

    def validate_volgorde(self, field: SelectField) -> None:
        if field.data and field.data not in ORDERS:
            raise ValidationError(_l("Kies een volgorde uit de lijst."))

    def filters(self, default: Period) -> ActivityFilters:
        return ActivityFilters(
            period=self.period(default),
            kind=ActivityKind(self.soort.data) if self.soort.data else None,
            status=ActivityStatus(self.status.data) if self.status.data else None,
            order=self.volgorde.data or "datum",
        )
