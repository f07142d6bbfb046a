"""Forms for taking attendance and checking in.

The attendance form is built per session: one radio group (and a minutes box) per
confirmed participant. Nothing is preselected for a person without a record, so nobody is
marked present by accident; "Iedereen aanwezig" fills in the empty rows with aanwezig and
the trainer then changes the exceptions before saving.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from lms.attendance.queries import SessionCard
from lms.attendance.service import Mark
from lms.common.timeutil import to_local
from lms.models import ATTENDANCE_LABELS, AttendanceStatus

#: The order of the grid's buttons, as in Moodle's P/L/E/A: the common case first, the
#: exceptions after it.
STATUS_ORDER = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.PARTIAL,
    AttendanceStatus.EXCUSED,
    AttendanceStatus.ABSENT,
)
STATUS_CHOICES = [SelectChoice(status.value, ATTENDANCE_LABELS[status]) for status in STATUS_ORDER]
#: What a button shows on a phone (its accessible name stays the full label).
SHORT_LABELS = {
    AttendanceStatus.PRESENT.value: _l("Aanw."),
    AttendanceStatus.PARTIAL.value: _l("Deels"),
    AttendanceStatus.EXCUSED.value: _l("Ver."),
    AttendanceStatus.ABSENT.value: _l("Afw."),
}
REMARK_MAX = 200
_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3])[:.u]([0-5]\d)\s*$")


def parse_clock(value: str | None) -> time | None:
    """``9:05``, ``09.05`` or ``9u05`` as a time of day; anything else is None."""
    match = _CLOCK.match(value or "")
    if not match:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def minutes_between(
    starts_at: datetime, ends_at: datetime, arrived: time | None, left: time | None
) -> int | None:
    """Minutes of the session someone was there, from when they arrived and left (local
    clock times on the session's day); None when neither is known or nothing remains."""
    if arrived is None and left is None:
        return None
    start, end = to_local(starts_at), to_local(ends_at)
    begin = start if arrived is None else start.replace(hour=arrived.hour, minute=arrived.minute)
    finish = end if left is None else start.replace(hour=left.hour, minute=left.minute)
    if finish < begin and left is not None and end.date() > start.date():
        finish += timedelta(days=1)  # a session that runs past midnight
    begin, finish = max(begin, start), min(finish, end)
    minutes = int((finish - begin).total_seconds() // 60)
    return minutes if minutes > 0 else None


class MinutesField(IntegerField):
    """Minutes present. A wrong value is reported (in Dutch) only when it matters:
    for a person marked deels aanwezig."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.unreadable = False
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            self.unreadable = True


class AttendanceFormBase(FlaskForm):
    all_present = SubmitField(_l("Iedereen aanwezig"))
    save = SubmitField(_l("Aanwezigheden opslaan"))

    correction_reason = StringField(
        _l("Reden van de correctie"),
        validators=[Optional(), Length(max=REMARK_MAX)],
        description=_l("Bijvoorbeeld: afwezigheid later gemeld, verkeerd aangeduid."),
    )

    #: (user, status field, minutes field) per participant, in roster order.
    rows: list[tuple[Any, RadioField, MinutesField]]
    duration: int
    starts_at: datetime
    ends_at: datetime
    #: Per user id: the remark box and the arrived/left boxes (read from the request).
    extras: dict[int, dict[str, str]]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for user, status, minutes in self.rows:
            if status.data != AttendanceStatus.PARTIAL.value:
                minutes.errors = []
                continue
            if minutes.data is None and not getattr(minutes, "unreadable", False):
                extra = self.extras.get(user.id, {})
                minutes.data = minutes_between(
                    self.starts_at,
                    self.ends_at,
                    parse_clock(extra.get("arrived")),
                    parse_clock(extra.get("left")),
                )
            if getattr(minutes, "unreadable", False):
                minutes.errors = [_l("Vul een geheel aantal minuten in.")]
                ok = False
            elif minutes.data is None:
                minutes.errors = [
                    _l(
                        "Vul in hoeveel minuten de persoon er was (1 tot %(max)s).",
                        max=self.duration,
                    )
                ]
                ok = False
            elif not 1 <= minutes.data <= self.duration:
                minutes.errors = [
                    _l("Kies een aantal minuten tussen 1 en %(max)s.", max=self.duration)
                ]
                ok = False
        return ok

    def fill_all_present(self) -> int:
        """Select aanwezig for everyone without a choice; returns how many were filled."""
        filled = 0
        for _user, status, _minutes in self.rows:
            if not status.data:
                status.data = AttendanceStatus.PRESENT.value
                filled += 1
        return filled

    def marks(self) -> list[Mark]:
        """A mark for every row with a choice; rows left empty stay unrecorded."""
        result = []
        for user, status, minutes in self.rows:
            if not status.data:
                continue
            chosen = AttendanceStatus(status.data)
            result.append(
                Mark(
                    user.id,
                    chosen,
                    minutes.data if chosen == AttendanceStatus.PARTIAL else None,
                    remark=self.remark_of(user.id),
                )
            )
        return result

    def remark_of(self, user_id: int) -> str:
        """The remark typed for this person (one line, at most REMARK_MAX characters)."""
        text = " ".join(self.extras.get(user_id, {}).get("remark", "").split())
        return text[:REMARK_MAX]

    @property
    def unchosen(self) -> int:
        return sum(1 for _u, status, _m in self.rows if not status.data)


def attendance_form(card: SessionCard, **kwargs: Any) -> AttendanceFormBase:
    """The form for this session's roster, prefilled with what is recorded."""

    class AttendanceForm(AttendanceFormBase):
        pass

    duration = card.session.duration_minutes
    data: dict[str, Any] = {}
    for entry in card.entries:
        uid = entry.user.id
        setattr(
            AttendanceForm,
            f"status_{uid}",
            RadioField(
                entry.user.name,
                choices=STATUS_CHOICES,
                validators=[Optional()],
                invalid_choice_message=_l("Kies een van de mogelijkheden."),
            ),
        )
        setattr(
            AttendanceForm,
            f"minutes_{uid}",
            MinutesField(_l("Minuten aanwezig"), validators=[Optional()]),
        )
        if entry.attendance is not None:
            data[f"status_{uid}"] = entry.attendance.status.value
            data[f"minutes_{uid}"] = entry.attendance.minutes
    form = AttendanceForm(data=data, **kwargs)
    form.duration = duration
    form.starts_at = card.session.starts_at
    form.ends_at = card.session.ends_at
    posted = request.method == "POST"
    form.extras = {
        entry.user.id: {
            key: str(request.form.get(f"{key}_{entry.user.id}", ""))[:REMARK_MAX]
            if posted
            else (getattr(entry.attendance, "remark", "") or "" if key == "remark" else "")
            for key in ("remark", "arrived", "left")
        }
        for entry in card.entries
    }
    form.rows = [
        (entry.user, form[f"status_{entry.user.id}"], form[f"minutes_{entry.user.id}"])
        for entry in card.entries
    ]
    return form


class CheckinCodeForm(FlaskForm):
    code = StringField(
        _l("Code op het scherm"),
        validators=[
            DataRequired(_l("Typ de code die op het scherm staat.")),
            Length(max=20, message=_l("De code heeft 6 tekens.")),
        ],
        description=_l("6 letters en cijfers, bijvoorbeeld K7P 2QX. Hoofdletters zijn niet nodig."),
    )
    submit = SubmitField(_l("Inchecken"))


class CheckinConfirmForm(FlaskForm):
    """Only a CSRF token: the code travels in a hidden input of the page."""


class GroupMailForm(FlaskForm):
    """A trainer's mail to the confirmed participants of their activity (through the
    outbox, see :mod:`lms.mail.bulk`): first a preview, then send."""

    subject = StringField(
        _l("Onderwerp"),
        validators=[
            DataRequired(_l("Geef de mail een onderwerp.")),
            Length(max=200, message=_l("Hoogstens 200 tekens.")),
        ],
    )
    body = TextAreaField(
        _l("Bericht"),
        validators=[
            DataRequired(_l("Schrijf het bericht.")),
            Length(max=10000, message=_l("Hoogstens 10.000 tekens.")),
        ],
        description=_l(
            "Zonder aanhef en groet: die voegen we toe („Dag Voornaam”, je naam en SAM)."
        ),
    )
    fingerprint = HiddenField()
    preview = SubmitField(_l("Voorbeeld bekijken"))
    send = SubmitField(_l("Versturen"))
