"""CSV export of an activity's attendance, made for Excel on a Belgian (Dutch) desktop.

One row per confirmed participant, one column per session that takes place (headed by its
Brussels date and time), values in Dutch, then the attended hours. UTF-8 with a byte order
mark and ``;`` between fields (the list separator of Dutch-language Excel), so Excel opens
it in columns with accents intact. Cells that Excel would run as a formula are defused.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from io import StringIO

from lms.attendance.queries import ActivityMatrix, status_text
from lms.common.display import export_number
from lms.common.timeutil import format_time, to_local

BOM = "\ufeff"
DELIMITER = ";"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def session_header(matrix: ActivityMatrix, session) -> str:
    """``di 03-03-2026 09:30`` (with the module's name inside a programme)."""
    local = to_local(session.starts_at)
    day = ["ma", "di", "wo", "do", "vr", "za", "zo"][local.weekday()]
    label = f"{day} {local:%d-%m-%Y} {format_time(session.starts_at)}"
    if session.activity_id != matrix.activity.id:
        label = f"{session.activity.title}: {label}"
    elif session.title:
        label = f"{label} ({session.title})"
    return label


def attendance_csv(matrix: ActivityMatrix) -> str:
    out = StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(
        [
            "Naam",
            "E-mailadres",
            "Organisatie",
            *(session_header(matrix, s) for s in matrix.sessions),
            "Aanwezige uren",
            "Geplande uren",
        ]
    )
    planned = _hours(matrix.planned_minutes)
    for row in matrix.rows:
        user = row.user
        writer.writerow(
            [
                _safe(user.name),
                _safe(user.email),
                _safe(user.organisation.name if user.organisation else ""),
                *(
                    status_text(row.records[s.id]) if s.id in row.records else ""
                    for s in matrix.sessions
                ),
                _hours(row.minutes),
                planned,
            ]
        )
    return BOM + out.getvalue()


def _hours(minutes: int) -> str:
    """Hours with a decimal comma, as Dutch Excel reads numbers: ``2,5``."""
    return export_number(Decimal(minutes) / 60)


def _safe(value: str) -> str:
    """Defuse CSV formula injection: a cell starting with = + - @ is shown as text."""
    return "'" + value if value.startswith(_FORMULA_START) else value
