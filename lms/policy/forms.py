"""The policy editor's form: the version's name, start and target, and one rule per kind.

The fields are flat (``course_min_attendance_pct``, …) so every error links to its field;
:func:`policy_form_class` builds the class once for the kinds and themes that exist.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.models import KIND_LABELS, ActivityKind, HoursCredit
from lms.policy.service import PolicyInput, RuleInput

CREDIT_CHOICES = [
    SelectChoice(HoursCredit.ATTENDED.value, _l("Gevolgde uren (aanwezige minuten)")),
    SelectChoice(HoursCredit.NOMINAL.value, _l("Nominale uren van de activiteit")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PolicyFormBase(FlaskForm):
    name = StringField(
        _l("Naam van de versie"),
        validators=[DataRequired(_l("Geef de versie een naam.")), Length(max=120)],
        description=_l("Bijvoorbeeld: Leerbeleid 2026-2030."),
    )
    valid_from = DateField(
        _l("Geldig vanaf"),
        validators=[DataRequired(_l("Kies de datum waarop deze versie ingaat (dd/mm/jjjj)."))],
        description=_l(
            "Activiteiten die vanaf deze dag starten, worden volgens deze versie beoordeeld. "
            "Wat eerder startte, blijft onder de versie van toen; uitgereikte attesten "
            "veranderen nooit."
        ),
    )
    yearly_hours_target = IntegerField(
        _l("Jaarlijks urendoel per deelnemer"),
        validators=[
            InputRequired(_l("Vul het aantal uren in.")),
            NumberRange(0, 1000, _l("Kies een aantal uren tussen 0 en 1000.")),
        ],
    )
    notes = TextAreaField(
        _l("Toelichting"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Wat verandert er, en waarom? (optioneel)"),
    )
    submit = SubmitField(_l("Versie opslaan"))

    kinds: tuple[ActivityKind, ...] = ()

    def rule_fields(self, kind: ActivityKind):
        prefix = kind.value
        return {
            "pct": self[f"{prefix}_min_attendance_pct"],
            "excused": self[f"{prefix}_excused_counts"],
            "credit": self[f"{prefix}_hours_credit"],
            "competences": self[f"{prefix}_competences"],
            "themes": self[f"{prefix}_themes"],
        }

    def fill(self, data: PolicyInput) -> None:
        self.name.data = data.name
        self.valid_from.data = data.valid_from
        self.yearly_hours_target.data = data.yearly_hours_target
        self.notes.data = data.notes
        for rule in data.rules:
            fields = self.rule_fields(rule.kind)
            fields["pct"].data = rule.min_attendance_pct
            fields["excused"].data = rule.excused_counts
            fields["credit"].data = rule.hours_credit.value
            fields["competences"].data = rule.competences
            fields["themes"].data = [str(i) for i in rule.theme_ids]

    def to_input(self) -> PolicyInput:
        rules = []
        for kind in self.kinds:
            fields = self.rule_fields(kind)
            rules.append(
                RuleInput(
                    kind=kind,
                    min_attendance_pct=fields["pct"].data,
                    excused_counts=bool(fields["excused"].data),
                    hours_credit=HoursCredit(fields["credit"].data),
                    competences=fields["competences"].data or "",
                    theme_ids=[int(v) for v in fields["themes"].data or []],
                )
            )
        return PolicyInput(
            name=self.name.data or "",
            valid_from=self.valid_from.data,
            yearly_hours_target=self.yearly_hours_target.data,
            notes=self.notes.data or "",
            rules=rules,
        )


def policy_form_class(themes: list[tuple[int, str]]) -> type[PolicyFormBase]:
    """A form class with one set of rule fields per activity kind."""
    attrs = {"kinds": tuple(ActivityKind)}
    choices = [SelectChoice(str(theme_id), name) for theme_id, name in themes]
    for kind in ActivityKind:
        label = KIND_LABELS[kind]
        attrs[f"{kind.value}_min_attendance_pct"] = IntegerField(
            _l("Minimale aanwezigheid voor %(kind)s (%%)", kind=label),
            validators=[
                InputRequired(_l("Vul een percentage in voor %(kind)s.", kind=label)),
                NumberRange(0, 100, _l("Kies een percentage tussen 0 en 100.")),
            ],
        )
        attrs[f"{kind.value}_excused_counts"] = BooleanField(
            _l("Verontschuldigde afwezigheid telt mee als aanwezig")
        )
        attrs[f"{kind.value}_hours_credit"] = RadioField(
            _l("Erkende uren voor %(kind)s", kind=label),
            choices=CREDIT_CHOICES,
            validators=[InputRequired(_l("Kies hoe de uren erkend worden."))],
        )
        attrs[f"{kind.value}_competences"] = StringField(
            _l("Competenties"),
            validators=[Optional(), Length(max=500)],
        )
        attrs[f"{kind.value}_themes"] = MultiCheckboxField(
            _l("Telt ook mee voor deze thema's"), choices=choices, validators=[Optional()]
        )
    return type("PolicyForm", (PolicyFormBase,), attrs)


class DeleteForm(FlaskForm):
    submit = SubmitField(_l("Geplande versie verwijderen"))


class AbsenceForm(FlaskForm):
    """A participant reports in advance that they cannot come to a session."""

    reason = TextAreaField(
        _l("Waarom kun je niet komen?"),
        validators=[
            DataRequired(_l("Laat weten waarom je niet kunt komen.")),
            Length(max=500, message=_l("Houd het korter dan 500 tekens.")),
        ],
        description=_l("Je lesgever ziet dit bij de aanwezigheden; je staat dan verontschuldigd."),
    )
    submit = SubmitField(_l("Afmelden voor deze sessie"))


class IssueForm(FlaskForm):
    """The "Attesten uitreiken" button on an activity's progress page: it posts to
    ``certificates.issue``, which checks only the CSRF token (the certificates feature's
    own form has the same single button)."""

    submit = SubmitField(_l("Attesten uitreiken"))
