"""An activity's enrolments and requests as CSV and XLSX, with the intake answers.

One line per enrolment (every status: the requests waiting for approval are the
``aangevraagd`` lines), and one column per intake question of the activity, in the
coordinator's order (``lms/intake/queries.py``), so a coordinator can sort and filter the
answers beside the people in a spreadsheet. The same conventions as the other reports
(:mod:`lms.reports.export`): Dutch Excel CSV, typed XLSX cells, formulas defused. The
answers are personal data: the export is for coordinators only (``lms/reports/views.py``),
and an erased person's answers are gone (``lms/intake/service.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.common.timeutil import format_datetime
from lms.enrolment.queries import waitlist_positions
from lms.extensions import db
from lms.intake import queries as intake_queries
from lms.models import STATUS_LABELS, Activity, Enrolment, EnrolmentStatus, User, utcnow
from lms.reports.export import DATE, INT, TEXT, _bytes, _csv, _explanation, _sheet

#: Status order of the lines: who has a seat first, then who waits or asks, then the rest.
_ORDER = {
    EnrolmentStatus.CONFIRMED: 0,
    EnrolmentStatus.WAITLISTED: 1,
    EnrolmentStatus.PENDING: 2,
    EnrolmentStatus.CANCELLED: 3,
    EnrolmentStatus.REJECTED: 4,
}

COLUMNS = (
    ("Naam", TEXT),
    ("E-mailadres", TEXT),
    ("Organisatie", TEXT),
    ("Status", TEXT),
    ("Plaats op de wachtlijst", INT),
    ("Ingeschreven of aangevraagd op", DATE),
    ("Ingeschreven door", TEXT),
)


@dataclass(frozen=True)
class EnrolmentExport:
    activity: Activity
    questions: list[str]
    rows: list[list[Any]]
    generated_at: datetime

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        return COLUMNS + tuple((label, TEXT) for label in self.questions)


def enrolment_export(activity: Activity) -> EnrolmentExport:
    """The lines of the export (three queries, whatever the number of enrolments)."""
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.activity_id == activity.id)
            .options(
                joinedload(Enrolment.user).joinedload(User.organisation),
                joinedload(Enrolment.enrolled_by),
            )
        )
    )
    enrolments.sort(key=lambda e: (_ORDER.get(e.status, 9), e.user.name.lower(), e.id))
    positions = waitlist_positions([activity.id])
    questions = intake_queries.questions_for(activity.id)
    answers = intake_queries.answers_by_enrolment(e.id for e in enrolments)
    rows = []
    for enrolment in enrolments:
        given = {a.question_id: a.value for a in answers.get(enrolment.id, [])}
        person = enrolment.user
        rows.append(
            [
                person.name,
                person.email,
                person.organisation.name if person.organisation else "",
                str(STATUS_LABELS[enrolment.status]),
                positions.get(enrolment.id),
                enrolment.created_at,
                enrolment.enrolled_by.name if enrolment.enrolled_by else "",
                *(given.get(q.id, "") for q in questions),
            ]
        )
    return EnrolmentExport(activity, [q.label for q in questions], rows, utcnow())


def enrolments_csv(report: EnrolmentExport) -> str:
    return _csv([[name for name, _kind in report.columns], *report.rows])


def enrolments_xlsx(report: EnrolmentExport) -> bytes:
    workbook = Workbook()
    _sheet(workbook, "Inschrijvingen", report.columns, report.rows, first=True)
    _explanation(
        workbook,
        [
            ("Activiteit", report.activity.title),
            ("Opgemaakt", format_datetime(report.generated_at)),
            (
                "Wat erin staat",
                "Elke inschrijving en aanvraag voor deze activiteit, met de antwoorden op de "
                "intakevragen (één kolom per vraag). Persoonsgegevens: deel dit bestand niet "
                "verder dan nodig.",
            ),
        ],
    )
    return _bytes(workbook)
