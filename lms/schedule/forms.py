"""Forms for sessions. Times are typed in Brussels time; the service stores UTC."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField, TextAreaField, TimeField, URLField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from lms.common.timeutil import local_to_utc, to_local
from lms.schedule.service import SessionData


class SessionForm(FlaskForm):
    day = DateField(
        _l("Datum"),
        validators=[InputRequired(_l("Vul de datum in."))],
        invalid_value_message=_l("Vul een geldige datum in (dd-mm-jjjj)."),
    )
    start_time = TimeField(
        _l("Begin"),
        validators=[InputRequired(_l("Vul het beginuur in."))],
        invalid_value_message=_l("Vul een geldig uur in (uu:mm)."),
    )
    end_time = TimeField(
        _l("Einde"),
        validators=[InputRequired(_l("Vul het einduur in."))],
        invalid_value_message=_l("Vul een geldig uur in (uu:mm)."),
    )
    location = StringField(
        _l("Locatie"),
        validators=[Length(max=300, message=_l("Hoogstens 300 tekens."))],
        description=_l("Adres of zaal. Laat leeg voor een sessie die alleen online is."),
    )
    online_url = URLField(
        _l("Onlinelink"),
        validators=[Optional(), Length(max=500, message=_l("Hoogstens 500 tekens."))],
        description=_l("Bijvoorbeeld een Jitsi- of Teams-link (begint met https://)."),
    )
    title = StringField(
        _l("Titel van de sessie (niet verplicht)"),
        validators=[Length(max=200, message=_l("Hoogstens 200 tekens."))],
        description=_l("Bijvoorbeeld ‘Dag 2: participatie’."),
    )
    submit = SubmitField(_l("Sessie bewaren"))

    def validate_end_time(self, field: TimeField) -> None:
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("Het einde moet na het begin liggen."))

    def validate_online_url(self, field: URLField) -> None:
        value = (field.data or "").strip()
        if value and not value.startswith(("https://", "http://")):
            raise ValidationError(_l("De onlinelink moet beginnen met https:// (of http://)."))

    def to_data(self) -> SessionData:
        return SessionData(
            starts_at=_utc(self.day.data, self.start_time.data),
            ends_at=_utc(self.day.data, self.end_time.data),
            location=self.location.data or "",
            online_url=self.online_url.data or "",
            title=self.title.data or "",
        )

    @classmethod
    def for_session(cls, session) -> SessionForm:
        starts, ends = to_local(session.starts_at), to_local(session.ends_at)
        return cls(
            data={
                "day": starts.date(),
                "start_time": starts.time().replace(second=0, microsecond=0),
                "end_time": ends.time().replace(second=0, microsecond=0),
                "location": session.location,
                "online_url": session.online_url,
                "title": session.title,
            }
        )


def _utc(day: date, at: time) -> datetime:
    return local_to_utc(datetime.combine(day, at))


class CancelSessionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden (staat in de mail aan de deelnemers)"),
        validators=[Length(max=500, message=_l("Hoogstens 500 tekens."))],
        description=_l("Bijvoorbeeld: de lesgever is ziek. Niet verplicht."),
    )
    submit = SubmitField(_l("Sessie annuleren"))


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token, for one-button actions."""
