"""The catalogue's filter form: a GET form whose field names are the URL's query parameters.

SAM's website links to the catalogue with these parameters, so they are short Dutch words
(see :func:`lms.catalog.views.index`). A value that makes no sense (an unknown theme, a
month like ``2026-13``) is ignored with a Dutch message next to its field; the rest of the
filters still apply, so a stale link never ends in an error page.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import BooleanField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import Select, html_params

from lms.catalog.queries import CATALOGUE_KINDS, CatalogueFilters
from lms.common.display_dates import display_month
from lms.models import ActivityKind, Theme

MAX_QUERY_LENGTH = 100
MAX_PAGE = 10_000
MODES = {"online": _l("Online"), "ter-plaatse": _l("Ter plaatse")}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_FALSE_VALUES = ("false", "", "0", "nee", "off")
#: Kinds the filter offers: the catalogue's and "op aanvraag / maatwerk" (custom
#: activities are by invitation: that choice explains how to ask SAM for one).
FILTER_KINDS = (*CATALOGUE_KINDS, ActivityKind.CUSTOM)


class FlagField(BooleanField):
    """A checkbox sent as ``name=1`` (readable in a link), not WTForms' ``name=y``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type = "BooleanField"  # rendered like one by _forms.html

    def _value(self) -> str:
        return "1"


def _is_plain_choice(choice: Any) -> bool:
    """A choice outside any option group: a string or a ``SelectChoice`` without one."""
    return isinstance(choice, str) or (isinstance(choice, SelectChoice) and not choice.optgroup)


class PlainSelect(Select):
    """WTForms' ``<select>`` widget, with the options written directly: the same HTML.

    The stock widget looks up ``render_option``'s signature (``inspect.signature``) on
    every render and builds each ``<option>`` through ``html_params``; for the filter
    form's thirty-odd options that was some 5 % of the catalogue page's time. For plain
    choices only (no option groups, no attributes per option): others go the stock way.
    """

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        given = field.choices
        plain = isinstance(given, list | tuple) and all(_is_plain_choice(c) for c in given)
        if self.multiple or not plain:  # e.g. option groups: the stock way
            return super().__call__(field, **kwargs)
        # (value, label, selected, render_kw), whichever WTForms 3 yields them
        choices = [tuple(choice) for choice in field.iter_choices()]
        if any(render_kw for *_rest, render_kw in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = vars(field.flags)
        for name in self.validation_attrs:
            if name in flags and name not in kwargs:
                kwargs[name] = flags[name]
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for value, label, selected, _render_kw in choices:
            value = str(value) if isinstance(value, bool) else value
            html.append(
                f'<option {"selected " if selected else ""}value="{escape(value)}">'
                f"{escape(label or value)}</option>"
            )
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 (every value and label escaped above)


class CatalogueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = SearchField(
        _l("Zoeken"),
        validators=[
            Length(
                max=MAX_QUERY_LENGTH,
                message=_l("Gebruik hoogstens %(max)d tekens.", max=MAX_QUERY_LENGTH),
            )
        ],
        description=_l("In titel, beschrijving, plaats en thema, bijvoorbeeld ‘wonen’ of ‘Gent’"),
    )
    soort = SelectField(_l("Soort"), validate_choice=False, widget=PlainSelect())
    thema = SelectField(_l("Thema"), validate_choice=False, widget=PlainSelect())
    maand = SelectField(_l("Maand"), validate_choice=False, widget=PlainSelect())
    vorm = SelectField(_l("Online of ter plaatse"), validate_choice=False, widget=PlainSelect())
    vrij = FlagField(_l("Alleen met vrije plaatsen"), false_values=_FALSE_VALUES)
    afgelopen = FlagField(_l("Ook afgelopen activiteiten"), false_values=_FALSE_VALUES)

    def prepare(self, themes: list[Theme], months: list[date]) -> None:
        """Fill the choices (themes from the database; the months from this one on that
        have something, :func:`lms.catalog.queries.months_with_activities`)."""
        self.soort.choices = [
            SelectChoice("", _l("Alle soorten")),
            *(
                SelectChoice(kind.value, gettext(kind.label).capitalize())
                for kind in CATALOGUE_KINDS
            ),
            SelectChoice(ActivityKind.CUSTOM.value, _l("Op aanvraag / maatwerk")),
        ]
        self.thema.choices = [SelectChoice("", _l("Alle thema's"))] + [
            SelectChoice(t.slug, t.name) for t in themes
        ]
        self.maand.choices = [SelectChoice("", _l("Alle maanden"))] + [
            SelectChoice(f"{m:%Y-%m}", display_month(m.year, m.month).capitalize()) for m in months
        ]
        self.vorm.choices = [SelectChoice("", _l("Online en ter plaatse"))] + [
            SelectChoice(value, label) for value, label in MODES.items()
        ]

    def to_filters(self, themes: list[Theme], page: Any = None) -> CatalogueFilters:
        """The filters asked for; invalid values get a Dutch error and are left out."""
        text = (self.q.data or "").strip()
        if len(text) > MAX_QUERY_LENGTH:
            self.q.errors = [_l("Gebruik hoogstens %(max)d tekens.", max=MAX_QUERY_LENGTH)]
            text = text[:MAX_QUERY_LENGTH]

        kind = None
        if self.soort.data:
            try:
                kind = ActivityKind(self.soort.data)
            except ValueError:
                kind = None
            if kind not in FILTER_KINDS:
                self.soort.errors = [_l("Deze soort kennen we niet; we tonen alle soorten.")]
                kind = None

        theme = None
        if self.thema.data:
            if self.thema.data in {t.slug for t in themes}:
                theme = self.thema.data
            else:
                self.thema.errors = [_l("Dit thema kennen we niet; we tonen alle thema's.")]

        month = None
        if self.maand.data:
            month = parse_month(self.maand.data)
            if month is None:
                self.maand.errors = [
                    _l("Kies een maand als jjjj-mm, bijvoorbeeld 2026-12; we tonen alle maanden.")
                ]
            elif self.maand.data not in {choice.value for choice in self.maand.choices}:
                # A month outside the list (a link to a past month): show it as chosen.
                self.maand.choices.append(
                    SelectChoice(
                        self.maand.data, display_month(month.year, month.month).capitalize()
                    )
                )

        mode = None
        if self.vorm.data:
            if self.vorm.data in MODES:
                mode = self.vorm.data
            else:
                self.vorm.errors = [_l("Kies online of ter plaatse; we tonen beide.")]

        return CatalogueFilters(
            kind=kind,
            theme=theme,
            month=month,
            mode=mode,
            seats_free=bool(self.vrij.data),
            text=text,
            include_past=bool(self.afgelopen.data),
            page=parse_page(page),
        )

    @property
    def has_errors(self) -> bool:
        return any(f.errors for f in self)


def parse_month(value: str) -> date | None:
    match = _MONTH.match(value.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def parse_page(value: Any) -> int:
    try:
        page = int(str(value))
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), MAX_PAGE)


def filter_args(filters: CatalogueFilters) -> dict[str, str]:
    """The query parameters of ``filters`` (valid, non-empty ones), for links."""
    args: dict[str, str] = {}
    if filters.text:
        args["q"] = filters.text
    if filters.kind:
        args["soort"] = filters.kind.value
    if filters.theme:
        args["thema"] = filters.theme
    if filters.month:
        args["maand"] = f"{filters.month:%Y-%m}"
    if filters.mode:
        args["vorm"] = filters.mode
    if filters.seats_free:
        args["vrij"] = "1"
    if filters.include_past:
        args["afgelopen"] = "1"
    return args
