"""Forms for taking attendance and checking in.

The attendance form is built per session: one radio group (and a minutes box) per
confirmed participant. Nothing is preselected for a person without a record, so nobody is
marked present by accident; "Iedereen aanwezig" fills in the empty rows with aanwezig and
the trainer then changes the exceptions before saving.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from lms.attendance.queries import SessionCard
from lms.attendance.service import Mark
from lms.models import ATTENDANCE_LABELS, AttendanceStatus

STATUS_CHOICES = [
    SelectChoice(status.value, ATTENDANCE_LABELS[status])
    for status in (
        AttendanceStatus.PRESENT,
        AttendanceStatus.ABSENT,
        AttendanceStatus.EXCUSED,
        AttendanceStatus.PARTIAL,
    )
]


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

    #: (user, status field, minutes field) per participant, in roster order.
    rows: list[tuple[Any, RadioField, MinutesField]]
    duration: int

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for _user, status, minutes in self.rows:
            if status.data != AttendanceStatus.PARTIAL.value:
                minutes.errors = []
                continue
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
                )
            )
        return result

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
