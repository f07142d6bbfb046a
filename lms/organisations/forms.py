"""The organisation contact's form: enrol a colleague in a published activity."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SubmitField
from wtforms.validators import ValidationError

from lms.common.timeutil import format_short_date
from lms.models import KIND_LABELS, User
from lms.organisations.queries import OpenActivity


def activity_label(item: OpenActivity) -> str:
    """``Wonen op maat – vanaf 3 dec 2026 (volzet: wachtlijst)``."""
    activity = item.activity
    label = activity.title
    if item.first_start is not None:
        label += " – " + str(_l("vanaf %(date)s", date=format_short_date(item.first_start)))
    notes = []
    if activity.requires_approval:
        notes.append(str(_l("aanvraag, SAM keurt goed")))
    elif item.seats.is_full or item.seats.waitlisted > item.seats.offered:
        notes.append(
            str(_l("volzet: wachtlijst")) if activity.waitlist_enabled else str(_l("volzet"))
        )
    if notes:
        label += f" ({', '.join(notes)})"
    return label


class EnrolColleagueForm(FlaskForm):
    colleague = SelectField(
        _l("Collega"),
        coerce=int,
        validate_choice=False,
        invalid_value_message=_l("Kies een collega uit de lijst."),
    )
    activity = SelectField(
        _l("Activiteit"),
        coerce=int,
        validate_choice=False,
        invalid_value_message=_l("Kies een activiteit uit de lijst."),
        description=_l(
            "Alleen activiteiten waarvoor je nu kan inschrijven. Is een activiteit volzet, "
            "dan komt je collega op de wachtlijst."
        ),
    )
    submit = SubmitField(_l("Inschrijven"))

    def __init__(
        self, colleagues: list[User], activities: list[OpenActivity], me: User, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._colleague_ids = {u.id for u in colleagues}
        self._activity_ids = {item.activity.id for item in activities}
        self.colleague.choices = [SelectChoice(0, str(_l("Kies een collega…")))] + [
            SelectChoice(u.id, f"{u.name} ({_l('jezelf')})" if u.id == me.id else u.name)
            for u in colleagues
        ]
        # One <optgroup> per kind, in the order of the activities (soonest first).
        by_kind: dict[str, list[SelectChoice]] = {}
        for item in activities:
            kind = str(_l(KIND_LABELS[item.activity.kind])).capitalize()
            by_kind.setdefault(kind, []).append(
                SelectChoice(item.activity.id, activity_label(item), optgroup=kind)
            )
        self.activity.choices = [SelectChoice(0, str(_l("Kies een activiteit…")))] + [
            choice for group in by_kind.values() for choice in group
        ]

    def validate_colleague(self, field: SelectField) -> None:
        if field.process_errors:  # not a number: already said
            return
        if not field.data:
            raise ValidationError(_l("Kies een collega."))
        if field.data not in self._colleague_ids:
            raise ValidationError(
                _l("Kies een collega uit de lijst: alleen actieve deelnemers van je organisatie.")
            )

    def validate_activity(self, field: SelectField) -> None:
        if field.process_errors:
            return
        if not field.data:
            raise ValidationError(_l("Kies een activiteit."))
        if field.data not in self._activity_ids:
            raise ValidationError(
                _l("Voor deze activiteit kan je nu niet inschrijven. Kies er een uit de lijst.")
            )


class SubstituteForm(FlaskForm):
    """Send a colleague in someone's place ("vervanging"): the colleague who takes the
    seat, from the contact's own organisation. The rules are the enrolment service's."""

    replacement = SelectField(
        _l("Wie gaat in de plaats?"),
        coerce=int,
        validate_choice=False,
        invalid_value_message=_l("Kies een collega uit de lijst."),
    )
    submit = SubmitField(_l("Plaats doorgeven"))

    def __init__(self, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ids = {u.id for u in candidates}
        self.replacement.choices = [SelectChoice(0, str(_l("Kies een collega…")))] + [
            SelectChoice(u.id, u.name) for u in candidates
        ]

    def validate_replacement(self, field: SelectField) -> None:
        if field.process_errors:
            return
        if not field.data:
            raise ValidationError(_l("Kies een collega."))
        if field.data not in self._ids:
            raise ValidationError(
                _l("Kies een collega uit de lijst: alleen actieve deelnemers van je organisatie.")
            )
