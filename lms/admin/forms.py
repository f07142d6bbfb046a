"""Forms of the coordinators' pages. Every message is Dutch and shown next to its field.

The forms only read what was typed (numbers, amounts, Brussels times); the rules (end
after start, capacity not below the seats taken, closing before the first session, …)
are the services', whose refusals the views put next to the field they name.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from lms.common import display
from lms.common.timeutil import local_to_utc, to_local
from lms.i18n import lazy_capitalized
from lms.models import KIND_LABELS, MAX_ID, ROLE_LABELS, Activity, ActivityKind, Role, SeatRelease
from lms.schedule.service import SessionData

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M"]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (accessible: each has its own label)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        values = {str(value) for value, *_rest in self.iter_choices()}
        for item in self.data or []:
            if str(item) not in values:
                raise ValidationError(_l("Kies uit de lijst."))


class NumberField(Field):
    """A whole number; empty means None. Dutch message when it is not a number."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, message=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(label, validators, **kwargs)
        self.message = message or _l("Vul een geheel getal in.")

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(str(self.message)) from None


class DecimalTextField(Field):
    """An amount typed the Belgian way (``45,50``, ``1.250,00``, ``€ 45``) or with a point.

    ``empty`` is the value of an empty field."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, message=None, empty=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(label, validators, **kwargs)
        self.message = message or _l("Vul een bedrag in, bijvoorbeeld 45,00.")
        self.empty = empty

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return display.amount(self.data)

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").replace("€", "").replace(" ", "").strip()
        if not text:
            self.data = self.empty
            return
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.data = None
            raise ValueError(str(self.message))
        self.data = value


def _datetime_field(label: Any, description: Any = None) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=description,
        invalid_value_message=_l("Vul een geldige datum en tijd in (dd-mm-jjjj uu:mm)."),
    )


def _utc(value: datetime | None) -> datetime | None:
    return local_to_utc(value) if value is not None else None


def _local(value: datetime | None) -> datetime | None:
    return to_local(value).replace(tzinfo=None) if value is not None else None


TRI_STATE = {"": None, "yes": True, "no": False}


class ActivityForm(FlaskForm):
    """What a coordinator sets on an activity (editing; :class:`NewActivityForm` adds the
    kind, the programme and a first session)."""

    title = StringField(
        _l("Titel"),
        validators=[
            InputRequired(_l("Geef de activiteit een titel.")),
            Length(max=200, message=_l("Hoogstens 200 tekens.")),
        ],
    )
    summary = TextAreaField(
        _l("Korte samenvatting"),
        validators=[Length(max=1000, message=_l("Hoogstens 1000 tekens."))],
        description=_l("Eén of twee zinnen, in de lijst van het aanbod."),
    )
    description = TextAreaField(
        _l("Beschrijving"),
        validators=[Length(max=20000, message=_l("Hoogstens 20.000 tekens."))],
        description=_l("Een witregel begint een nieuwe alinea."),
    )
    audience = TextAreaField(
        _l("Voor wie"), validators=[Length(max=5000, message=_l("Hoogstens 5000 tekens."))]
    )
    what_to_bring = TextAreaField(
        _l("Meebrengen"), validators=[Length(max=5000, message=_l("Hoogstens 5000 tekens."))]
    )
    themes = MultiCheckboxField(_l("Thema's"), coerce=int)
    capacity = NumberField(
        _l("Capaciteit"),
        description=_l("Aantal plaatsen. Laat leeg voor onbeperkt."),
        message=_l("De capaciteit is een geheel getal (of leeg voor onbeperkt)."),
    )
    waitlist_enabled = BooleanField(_l("Wachtlijst wanneer de activiteit volzet is"))
    requires_approval = SelectField(
        _l("Inschrijven na goedkeuring"),
        choices=[
            SelectChoice("no", _l("Nee: wie inschrijft, heeft meteen een plaats")),
            SelectChoice("yes", _l("Ja: een coördinator keurt elke aanvraag goed")),
        ],
    )
    seat_release = RadioField(
        _l("Een vrijgekomen plaats"),
        choices=[
            SelectChoice(
                SeatRelease.AUTOMATIC.value, _l("gaat meteen naar de eerste op de wachtlijst")
            ),
            SelectChoice(
                SeatRelease.OFFER.value, _l("wordt aangeboden aan de eerste op de wachtlijst")
            ),
        ],
        default=SeatRelease.AUTOMATIC.value,
        validators=[InputRequired(_l("Kies wat er met een vrijgekomen plaats gebeurt."))],
    )
    offer_hours = NumberField(
        _l("Bedenktijd voor een aangeboden plaats (uren)"),
        validators=[InputRequired(_l("Vul het aantal uren in."))],
        message=_l("Vul een aantal uren in, bv. 48."),
        default=48,
    )
    enrolment_opens_at = _datetime_field(
        _l("Inschrijvingen openen"), _l("Leeg: meteen na publicatie.")
    )
    enrolment_closes_at = _datetime_field(
        _l("Inschrijvingen sluiten"), _l("Leeg: tot de activiteit voorbij is.")
    )
    cancellation_deadline = _datetime_field(
        _l("Annuleren kan tot"), _l("Daarna kan alleen een coördinator nog annuleren.")
    )
    price_member = DecimalTextField(_l("Prijs voor leden (€)"), empty=Decimal("0"))
    price_non_member = DecimalTextField(_l("Prijs voor niet-leden (€)"), empty=Decimal("0"))
    nominal_hours = DecimalTextField(
        _l("Erkende uren"),
        message=_l("Vul een aantal uren in, bv. 12,5."),
        description=_l("Leeg: de geplande uren van de sessies."),
    )
    rule_min_attendance_pct = NumberField(
        _l("Vereiste aanwezigheid (%)"),
        message=_l("Vul een percentage in (0 tot 100)."),
        description=_l("Leeg: volgens het leerbeleid voor deze soort."),
    )
    rule_excused_counts = SelectField(
        _l("Verontschuldigde afwezigheid telt mee"),
        choices=[
            SelectChoice("", _l("Volgens het leerbeleid")),
            SelectChoice("yes", _l("Ja")),
            SelectChoice("no", _l("Nee")),
        ],
    )
    rule_hours_credit = SelectField(
        _l("Uren op het attest"),
        choices=[
            SelectChoice("", _l("Volgens het leerbeleid")),
            SelectChoice("attended", _l("De bijgewoonde uren")),
            SelectChoice("nominal", _l("De erkende uren")),
        ],
    )
    submit = SubmitField(_l("Bewaren"))

    def setup(self, themes: list[Any], organisations: list[Any]) -> ActivityForm:
        self.themes.choices = [SelectChoice(t.id, t.name) for t in themes]
        if not hasattr(self, "organisation_id"):
            return self
        self.organisation_id.choices = [SelectChoice("", str(_l("Geen (open aanbod)")))] + [
            SelectChoice(str(o.id), o.name) for o in organisations
        ]
        return self

    @classmethod
    def for_activity(cls, activity: Activity) -> ActivityForm:
        return cls(
            data={
                "title": activity.title,
                "summary": activity.summary,
                "description": activity.description,
                "audience": activity.audience,
                "what_to_bring": activity.what_to_bring,
                "themes": [t.id for t in activity.themes],
                "capacity": activity.capacity,
                "waitlist_enabled": activity.waitlist_enabled,
                "requires_approval": "yes" if activity.requires_approval else "no",
                "seat_release": activity.seat_release.value,
                "offer_hours": activity.offer_hours,
                "enrolment_opens_at": _local(activity.enrolment_opens_at),
                "enrolment_closes_at": _local(activity.enrolment_closes_at),
                "cancellation_deadline": _local(activity.cancellation_deadline),
                "price_member": activity.price_member,
                "price_non_member": activity.price_non_member,
                "nominal_hours": activity.nominal_hours,
                "rule_min_attendance_pct": activity.rule_min_attendance_pct,
                "rule_excused_counts": {None: "", True: "yes", False: "no"}[
                    activity.rule_excused_counts
                ],
                "rule_hours_credit": activity.rule_hours_credit.value
                if activity.rule_hours_credit
                else "",
            }
        )

    def changes(self) -> dict[str, Any]:
        """Keyword arguments for :func:`lms.activities.service.update_activity`."""
        return {
            "title": self.title.data or "",
            "summary": self.summary.data or "",
            "description": self.description.data or "",
            "audience": self.audience.data or "",
            "what_to_bring": self.what_to_bring.data or "",
            "capacity": self.capacity.data,
            "waitlist_enabled": bool(self.waitlist_enabled.data),
            "requires_approval": self.requires_approval.data == "yes",
            "seat_release": self.seat_release.data,
            "offer_hours": self.offer_hours.data,
            "enrolment_opens_at": _utc(self.enrolment_opens_at.data),
            "enrolment_closes_at": _utc(self.enrolment_closes_at.data),
            "cancellation_deadline": _utc(self.cancellation_deadline.data),
            "price_member": self.price_member.data,
            "price_non_member": self.price_non_member.data,
            "nominal_hours": self.nominal_hours.data,
            "rule_min_attendance_pct": self.rule_min_attendance_pct.data,
            "rule_excused_counts": TRI_STATE.get(self.rule_excused_counts.data or ""),
            "rule_hours_credit": self.rule_hours_credit.data or None,
        }

    def rule_errors(self, first_start: datetime | None) -> list[Any]:
        """The service's field rules for every value that could be read (all at once)."""
        from lms.activities.service import field_errors

        values = {
            name: value for name, value in self.changes().items() if not getattr(self, name).errors
        }
        return field_errors(values, first_start=first_start)

    #: Service field name → form field name, where they differ.
    FIELD_ALIASES = {"waitlist": "waitlist_enabled", "sessions[0]": "first_end"}

    def show_error(self, field_name: str | None, message: str) -> bool:
        """Put a service's refusal next to its field; False when no field fits."""
        name = self.FIELD_ALIASES.get(field_name or "", field_name or "")
        target = getattr(self, name, None) if name else None
        if not isinstance(target, Field):
            return False
        target.errors = [*target.errors, message]
        return True


class NewActivityForm(ActivityForm):
    organisation_id = SelectField(
        _l("Organisatie (voor een leeractiviteit op maat)"),
        validate_choice=False,
        description=_l("Alleen medewerkers van deze organisatie kunnen inschrijven."),
    )
    kind = SelectField(
        _l("Soort"),
        choices=[SelectChoice(k.value, lazy_capitalized(KIND_LABELS[k])) for k in ActivityKind],
        validators=[InputRequired(_l("Kies de soort activiteit."))],
    )
    parent_id = SelectField(
        _l("Module van de beroepsopleiding"),
        validate_choice=False,
        description=_l("Laat leeg voor een activiteit op zich."),
    )
    requires_approval = SelectField(
        _l("Inschrijven na goedkeuring"),
        choices=[
            SelectChoice("auto", _l("Volgens de soort (beroepsopleiding en intervisie: ja)")),
            SelectChoice("yes", _l("Ja: een coördinator keurt elke aanvraag goed")),
            SelectChoice("no", _l("Nee: wie inschrijft, heeft meteen een plaats")),
        ],
        default="auto",
    )
    status = RadioField(
        _l("Status"),
        choices=[
            SelectChoice("draft", _l("Ontwerp: nog niet zichtbaar in het aanbod")),
            SelectChoice("published", _l("Meteen publiceren")),
        ],
        default="draft",
        validators=[InputRequired(_l("Kies ontwerp of publiceren."))],
    )
    first_day = DateField(
        _l("Datum van de eerste sessie"),
        validators=[Optional()],
        invalid_value_message=_l("Vul een geldige datum in (dd-mm-jjjj)."),
    )
    first_start = TimeField(
        _l("Begin"),
        validators=[Optional()],
        invalid_value_message=_l("Vul een geldig uur in (uu:mm)."),
    )
    first_end = TimeField(
        _l("Einde"),
        validators=[Optional()],
        invalid_value_message=_l("Vul een geldig uur in (uu:mm)."),
    )
    first_location = StringField(
        _l("Locatie"), validators=[Length(max=300, message=_l("Hoogstens 300 tekens."))]
    )
    first_online_url = URLField(
        _l("Onlinelink"),
        validators=[Optional(), Length(max=500, message=_l("Hoogstens 500 tekens."))],
    )
    submit = SubmitField(_l("Activiteit aanmaken"))

    FIELD_ALIASES = {
        **ActivityForm.FIELD_ALIASES,
        "sessions[0]": "first_end",
    }

    def validate_organisation_id(self, field: SelectField) -> None:
        allowed = {choice.value for choice in field.choices}
        if (field.data or "") not in allowed:
            raise ValidationError(_l("Kies een organisatie uit de lijst."))

    def organisation_choice(self) -> int | None:
        value = self.organisation_id.data or ""
        return int(value) if value.isdigit() else None

    def setup_new(self, programmes: list[Activity]) -> NewActivityForm:
        self.parent_id.choices = [SelectChoice("", str(_l("Geen: een activiteit op zich")))] + [
            SelectChoice(str(p.id), p.title) for p in programmes
        ]
        return self

    def validate_parent_id(self, field: SelectField) -> None:
        value = field.data or ""
        if value and not value.isdigit():
            raise ValidationError(_l("Kies een beroepsopleiding uit de lijst."))

    def validate_first_day(self, field: DateField) -> None:
        parts = (self.first_day.data, self.first_start.data, self.first_end.data)
        typed = any(
            f.raw_data and f.raw_data[0] for f in (self.first_day, self.first_start, self.first_end)
        )
        if typed and not all(parts) and not (self.first_start.errors or self.first_end.errors):
            raise ValidationError(
                _l("Vul datum, begin en einde van de eerste sessie in (of laat alle drie leeg).")
            )

    def validate_first_end(self, field: TimeField) -> None:
        # The same check as the session form's (lms.schedule.forms), before the service's.
        if self.first_start.data and field.data and field.data <= self.first_start.data:
            raise ValidationError(_l("Het einde moet na het begin liggen."))

    def parent_choice(self) -> int | None:
        value = self.parent_id.data or ""
        return int(value) if value.isdigit() and int(value) <= MAX_ID else None

    def approval_choice(self) -> bool | None:
        return {"auto": None, "yes": True, "no": False}.get(self.requires_approval.data or "auto")

    def sessions(self) -> list[SessionData]:
        day, start, end = self.first_day.data, self.first_start.data, self.first_end.data
        if not (day and start and end):
            return []
        return [
            SessionData(
                starts_at=_at(day, start),
                ends_at=_at(day, end),
                location=self.first_location.data or "",
                online_url=self.first_online_url.data or "",
            )
        ]


def _at(day: date, at: time) -> datetime:
    return local_to_utc(datetime.combine(day, at))


class ConfirmForm(FlaskForm):
    """A one-button action (publish, archive, approve, retry, …): only its CSRF token."""


class CancelActivityForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden (staat in de mail aan iedereen)"),
        validators=[
            InputRequired(_l("Geef een reden: iedereen die ingeschreven is, leest ze.")),
            Length(max=500, message=_l("Hoogstens 500 tekens.")),
        ],
        description=_l("Bijvoorbeeld: te weinig inschrijvingen, of de lesgever is ziek."),
    )
    submit = SubmitField(_l("Activiteit annuleren"))


class TrainersForm(FlaskForm):
    trainers = MultiCheckboxField(_l("Lesgevers"), coerce=int)
    submit = SubmitField(_l("Lesgevers bewaren"))


class CopyForm(FlaskForm):
    first_day = DateField(
        _l("Datum van de eerste sessie van de nieuwe editie"),
        validators=[InputRequired(_l("Vul de datum in."))],
        invalid_value_message=_l("Vul een geldige datum in (dd-mm-jjjj)."),
    )
    title = StringField(
        _l("Titel van de nieuwe editie"),
        validators=[
            InputRequired(_l("Geef de nieuwe editie een titel.")),
            Length(max=200, message=_l("Hoogstens 200 tekens.")),
        ],
    )
    submit = SubmitField(_l("Nieuwe editie aanmaken"))

    FIELD_ALIASES: dict[str, str] = {}

    def show_error(self, field_name: str | None, message: str) -> bool:
        target = getattr(self, field_name or "", None)
        if field_name not in ("first_day", "title") or target is None:
            return False
        target.errors = [*target.errors, message]
        return True


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden (de aanvrager krijgt ze te lezen)"),
        validators=[
            InputRequired(_l("Geef een reden op: de aanvrager krijgt ze te lezen.")),
            Length(max=1000, message=_l("Hoogstens 1000 tekens.")),
        ],
    )
    submit = SubmitField(_l("Aanvraag afwijzen"))


class MoveUpForm(FlaskForm):
    """A coordinator chooses who moves up from the waiting list, and says why."""

    reason = TextAreaField(
        _l("Waarom deze persoon? (blijft in de geschiedenis)"),
        validators=[
            InputRequired(_l("Geef een reden waarom deze persoon mag doorschuiven.")),
            Length(max=500, message=_l("Hoogstens 500 tekens.")),
        ],
    )
    submit = SubmitField(_l("Inschrijven van de wachtlijst"))


class CancelEnrolmentForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden (staat in de mail aan de deelnemer)"),
        validators=[Length(max=1000, message=_l("Hoogstens 1000 tekens."))],
        description=_l("Niet verplicht."),
    )
    submit = SubmitField(_l("Inschrijving annuleren"))


class EnrolUserForm(FlaskForm):
    user_id = HiddenField(validators=[InputRequired(_l("Kies wie je wil inschrijven."))])


STATUS_CHOICES = [
    SelectChoice("confirmed", _l("Ingeschreven")),
    SelectChoice("waitlisted", _l("Op de wachtlijst (ook wie een plaats aangeboden kreeg)")),
    SelectChoice("pending", _l("Aanvraag wacht op goedkeuring")),
    SelectChoice("cancelled", _l("Geannuleerd")),
]


class BulkMailForm(FlaskForm):
    statuses = MultiCheckboxField(
        _l("Aan wie"),
        choices=STATUS_CHOICES,
        default=["confirmed"],
        validators=[InputRequired(_l("Kies minstens één groep ontvangers."))],
    )
    subject = StringField(
        _l("Onderwerp"),
        validators=[
            InputRequired(_l("Geef de mail een onderwerp.")),
            Length(max=200, message=_l("Hoogstens 200 tekens.")),
        ],
    )
    body = TextAreaField(
        _l("Bericht"),
        validators=[
            InputRequired(_l("Schrijf het bericht.")),
            Length(max=10000, message=_l("Hoogstens 10.000 tekens.")),
        ],
        description=_l(
            "Zonder aanhef en groet: die voegen we toe („Dag Voornaam”, je naam en SAM)."
        ),
    )
    fingerprint = HiddenField()
    preview = SubmitField(_l("Voorbeeld bekijken"))
    send = SubmitField(_l("Versturen"))


class UserForm(FlaskForm):
    name = StringField(
        _l("Naam"),
        validators=[
            InputRequired(_l("Vul de naam in.")),
            Length(max=200, message=_l("Hoogstens 200 tekens.")),
        ],
    )
    organisation = StringField(
        _l("Organisatie"),
        validators=[Length(max=200, message=_l("Hoogstens 200 tekens."))],
        description=_l(
            "De naam van een bestaande organisatie. Een nieuwe organisatie maak je aan bij "
            "Organisatieaanvragen."
        ),
    )
    roles = MultiCheckboxField(
        _l("Rollen"),
        choices=[SelectChoice(r.value, lazy_capitalized(ROLE_LABELS[r])) for r in Role],
        validators=[InputRequired(_l("Kies minstens één rol."))],
    )
    submit = SubmitField(_l("Bewaren"))


class NewUserForm(UserForm):
    email = StringField(
        _l("E-mailadres"),
        validators=[
            InputRequired(_l("Vul het e-mailadres in.")),
            Length(max=254, message=_l("Hoogstens 254 tekens.")),
        ],
    )
    send_reset = BooleanField(
        _l("Stuur een uitnodiging waarmee de persoon een wachtwoord kiest"), default=True
    )
    submit = SubmitField(_l("Account aanmaken"))

    def validate_email(self, field: StringField) -> None:
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(field.data or "", check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(_l("Dit is geen geldig e-mailadres.")) from None


class ImportForm(FlaskForm):
    file = FileField(_l("CSV-bestand"))
    submit = SubmitField(_l("Voorbeeld tonen"))

    def validate_file(self, field: FileField) -> None:
        data = field.data
        if data is None or not getattr(data, "filename", ""):
            raise ValidationError(_l("Kies een CSV-bestand."))
        if not data.filename.lower().endswith((".csv", ".txt")):
            raise ValidationError(_l("Kies een CSV-bestand (.csv)."))


class ThemeForm(FlaskForm):
    """A theme's name: to add one (the slug follows from it) or to rename one (the slug stays)."""

    name = StringField(
        _l("Naam"),
        validators=[InputRequired(_l("Vul de naam van het thema in."))],
        description=_l(
            "Hoogstens 120 tekens; elk thema heeft een eigen naam (hoofdletters tellen niet)."
        ),
    )
    submit = SubmitField(_l("Bewaren"))
