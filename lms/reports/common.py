"""What the coordinators' reports share: the definitions shown with them, the period
they cover and how their numbers read.

Two reports, each in a fixed number of grouped queries: per activity
(:mod:`lms.reports.per_activity`) and per period (:mod:`lms.reports.per_period`); the SQL
fragments both compute with are in :mod:`lms.reports.sql`.

Definitions (shown on the pages as well, :data:`DEFINITIONS`):

* A session is **held** when it was not cancelled and has ended (``ends_at <= now``).
* **Attended minutes** follow the default learning policy
  (:mod:`lms.policy.evaluation`): present counts the
  session's whole duration, partial its recorded minutes (at most the duration), absent
  and excused nothing; cancelled sessions count for nothing.
* **Fill rate** = confirmed / capacity (no rate for unlimited capacity).
* **Attendance rate** of an activity = attended minutes of its confirmed participants in
  the held sessions / (planned minutes of the held sessions × confirmed participants).
  A programme's rate is that of its modules together (and of its own sessions, if any).
* **Hours delivered** in a period = attended minutes / 60 of everyone recorded at the
  held sessions that started in the period. A module of a programme counts toward the
  kind "beroepsopleiding". An activity with several themes counts in full toward each of
  them (so the themes may add up to more than the total); a module without themes of its
  own counts toward its programme's themes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lms.common.display import duration, minutes_to_hours, rate, rounded_pct
from lms.common.timeutil import format_date, local_day_bounds, to_local
from lms.models import (
    ActivityKind,
    utcnow,
)

#: The order kinds are listed in (the order of the offer on SAM's website).
KIND_ORDER = tuple(ActivityKind)

DEFINITIONS = {
    "held": "Een sessie is afgelopen (gehouden) als ze niet geannuleerd is en haar einduur "
    "voorbij is.",
    "attended": "Aanwezige minuten volgen het leerbeleid: aanwezig telt de hele duur van de "
    "sessie, deels aanwezig de geregistreerde minuten (hoogstens de duur), afwezig en "
    "verontschuldigd tellen niet. Geannuleerde sessies tellen nooit mee.",
    "fill": "Bezettingsgraad = ingeschreven (bevestigd) ÷ capaciteit. Activiteiten zonder "
    "maximum aantal plaatsen hebben geen bezettingsgraad.",
    "attendance": "Aanwezigheidsgraad = aanwezige minuten van de ingeschreven deelnemers op de "
    "afgelopen sessies ÷ (geplande minuten van die sessies × aantal ingeschreven "
    "deelnemers). Sessies die nog moeten komen tellen niet mee. Een beroepsopleiding telt "
    "de sessies van al haar modules samen.",
    "certificates": "Attesten: geldige attesten en diploma's; ingetrokken attesten apart "
    "(ook een attest dat bij heruitreiking vervangen werd, telt als ingetrokken).",
    "hours": "Gegeven uren = aanwezige minuten ÷ 60 van iedereen die geregistreerd werd op de "
    "afgelopen sessies die in de periode begonnen. Activiteiten in ontwerp tellen niet mee.",
    "themes": "Een activiteit met meerdere thema's telt voor elk van die thema's volledig "
    "mee: de uren per thema kunnen samen dus meer zijn dan het totaal. Een module zonder "
    "eigen thema telt mee voor de thema's van haar beroepsopleiding.",
    "kinds": "Modules van een beroepsopleiding tellen als beroepsopleiding. Elke module telt "
    "als een aparte activiteit.",
    "organisations": "Per organisatie: de organisatie waar de deelnemer nu bij hoort.",
    "participants": "Unieke deelnemers: mensen die op minstens één afgelopen sessie in de "
    "periode (deels) aanwezig waren. Unieke ingeschrevenen: mensen met een bevestigde "
    "inschrijving voor een activiteit met een afgelopen sessie in de periode.",
    "selection": "Het rapport per activiteit toont de activiteiten met minstens één sessie "
    "(ook een geannuleerde) die in de periode begint; de cijfers gelden voor de hele "
    "activiteit. Modules staan onder hun beroepsopleiding.",
}


#: What each definition is about, for the explanation sheet of the downloads.
DEFINITION_LABELS = {
    "held": "Afgelopen sessie",
    "attended": "Aanwezige minuten",
    "fill": "Bezettingsgraad",
    "attendance": "Aanwezigheidsgraad",
    "certificates": "Attesten",
    "hours": "Gegeven uren",
    "themes": "Per thema",
    "kinds": "Per soort",
    "organisations": "Per organisatie",
    "participants": "Deelnemers",
    "selection": "Welke activiteiten",
}


# --- Numbers as people read them -----------------------------------------------------------


def ratio(part: int, whole: int | None) -> Decimal | None:
    """``part / whole`` as a Decimal, or None when there is nothing to divide by."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def percent(value: Decimal | None) -> Decimal | None:
    """A ratio as a percentage by the one rounding rule (half-up, one decimal):
    ``Decimal("66.7")`` (:func:`lms.common.display.rounded_pct`), for exports."""
    if value is None:
        return None
    return rounded_pct(value * 100)


def hours(minutes: int) -> Decimal:
    return minutes_to_hours(minutes)


#: ``66,7 %``, ``100 %``, ``–`` when there is no rate: :func:`lms.common.display.rate`.
percent_text = rate

#: Minutes as the one hours format, ``33 u 30 min``: :func:`lms.common.display.duration`.
hours_text = duration


# --- Periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Calendar days in Brussels, both ends included."""

    start: date
    end: date

    @classmethod
    def year_of(cls, day: date) -> Period:
        return cls(date(day.year, 1, 1), date(day.year, 12, 31))

    @classmethod
    def this_year(cls, now: datetime | None = None) -> Period:
        return cls.year_of(to_local(now or utcnow()).date())

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The UTC interval [start of the first day, start of the day after the last)."""
        return local_day_bounds(self.start)[0], local_day_bounds(self.end)[1]

    @property
    def label(self) -> str:
        whole = (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31)
        if whole and self.start.year == self.end.year:
            return str(self.start.year)
        return f"{format_date(self.start, weekday=False)} – {format_date(self.end, weekday=False)}"

    @property
    def slug(self) -> str:
        return f"{self.start:%Y-%m-%d}-{self.end:%Y-%m-%d}"

    def months(self) -> list[tuple[int, int]]:
        result = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result
