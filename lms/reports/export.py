"""The reports as CSV and XLSX, with the same figures as the pages.

CSV is made for Excel on a Belgian (Dutch) desktop, like the attendance export: UTF-8
with a byte order mark, ``;`` between fields, decimal commas, dates as ``dd-mm-jjjj`` in
Brussels time, and cells Excel would run as a formula defused. The period report has
several tables; in CSV they follow each other, each under its own title line.

XLSX (openpyxl) holds real numbers and dates: hours as numbers with two decimals, rates
as fractions shown as percentages, dates as dates. Each table is a sheet with a bold,
frozen header row; a sheet "Toelichting" holds the period and the definitions. Text that
starts like a formula is stored as text, never as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO, StringIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lms.attendance.export import BOM, DELIMITER
from lms.common.display import export_number
from lms.common.timeutil import format_datetime, to_local
from lms.models import ActivityStatus
from lms.reports.common import DEFINITION_LABELS, DEFINITIONS, hours, percent
from lms.reports.per_activity import ActivityFigures, ActivityReport
from lms.reports.per_period import Group, PeriodReport

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

STATUS_TEXT = {s: s.label for s in ActivityStatus}


# --- Cells ------------------------------------------------------------------------------------


def _csv_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value: Any) -> str:
    """A value as Dutch Excel reads it: ``2,5``, ``03-03-2026``, ``''`` for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, Decimal):
        return export_number(value, decimals=4)
    if isinstance(value, float):
        return _csv_cell(Decimal(str(value)))
    if isinstance(value, datetime):
        return f"{to_local(value):%d-%m-%Y}"
    if isinstance(value, date):
        return f"{value:%d-%m-%Y}"
    if isinstance(value, int):
        return str(value)
    return _csv_text(str(value))


def _csv(rows: Iterable[Sequence[Any]]) -> str:
    out = StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return BOM + out.getvalue()


#: Column kinds of the XLSX sheets: how a value is written and formatted.
TEXT, INT, HOURS, RATE, DATE = "text", "int", "hours", "rate", "date"
#: An amount in euro: a number with a currency format (never text).
MONEY = "money"


def _xlsx_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in (HOURS, MONEY):
        return float(value)
    if kind == RATE:
        return float(round(value, 4))
    if kind == DATE:
        if isinstance(value, datetime):
            return to_local(value).date()
        return value
    return value


_FORMATS = {
    INT: "0",
    HOURS: "0.00",
    RATE: "0.0%",
    DATE: "DD-MM-YYYY",
    MONEY: "[$€-813] #,##0.00",
}


def _sheet(
    workbook: Workbook,
    title: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Any]],
    *,
    first: bool = False,
) -> Any:
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append([name for name, _kind in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [max(len(name), 6) for name, _kind in columns]
    for row in rows:
        values = [_xlsx_value(v, kind) for v, (_name, kind) in zip(row, columns, strict=True)]
        sheet.append(values)
        cells = sheet[sheet.max_row]
        for index, (cell, (_name, kind)) in enumerate(zip(cells, columns, strict=True)):
            _format(cell, kind)
            if cell.value is not None:
                widths[index] = max(widths[index], min(len(str(cell.value)), 60))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    sheet.freeze_panes = "A2"
    return sheet


def _format(cell: Cell, kind: str) -> None:
    if kind in _FORMATS:
        cell.number_format = _FORMATS[kind]
    elif isinstance(cell.value, str):
        # openpyxl takes any string starting with "=" for a formula: keep it text.
        cell.data_type = "s"


def _explanation(workbook: Workbook, lines: Sequence[tuple[str, str]]) -> None:
    sheet = workbook.create_sheet("Toelichting")
    for label, text in lines:
        sheet.append([label, text])
        _format(sheet.cell(row=sheet.max_row, column=1), TEXT)
        _format(sheet.cell(row=sheet.max_row, column=2), TEXT)
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100


def _bytes(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Per activity --------------------------------------------------------------------------------

ACTIVITY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ID", INT),
    ("Activiteit", TEXT),
    ("Module van", TEXT),
    ("Soort", TEXT),
    ("Status", TEXT),
    ("Eerste sessie", DATE),
    ("Laatste sessie", DATE),
    ("Capaciteit", INT),
    ("Ingeschreven", INT),
    ("Bezettingsgraad", RATE),
    ("Wachtlijst", INT),
    ("Aangevraagd", INT),
    ("Sessies gepland", INT),
    ("Sessies afgelopen", INT),
    ("Sessies geannuleerd", INT),
    ("Aanwezige uren", HOURS),
    ("Verwachte uren", HOURS),
    ("Aanwezigheidsgraad", RATE),
    ("Attesten geldig", INT),
    ("Attesten ingetrokken", INT),
)


def _activity_values(row: ActivityFigures) -> list[Any]:
    return [
        row.id,
        row.title,
        row.parent_title or "",
        row.kind_label,
        STATUS_TEXT[row.status],
        row.first_start,
        row.last_end,
        row.capacity,
        row.confirmed,
        row.fill_rate,
        row.waitlisted,
        row.pending,
        row.sessions_planned,
        row.sessions_held,
        row.sessions_cancelled,
        hours(row.attended_minutes),
        hours(row.expected_minutes),
        row.attendance_rate,
        row.certificates_valid,
        row.certificates_revoked,
    ]


def _csv_activity_values(row: ActivityFigures) -> list[Any]:
    values = _activity_values(row)
    for index, (_name, kind) in enumerate(ACTIVITY_COLUMNS):
        if kind == RATE:
            values[index] = percent(values[index])
    return values


def _csv_header(columns: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{name} (%)" if kind == RATE else name for name, kind in columns]


def _filter_lines(report: ActivityReport) -> list[tuple[str, str]]:
    f = report.filters
    return [
        ("Rapport", "Per activiteit"),
        ("Periode", f"{f.period.start:%d-%m-%Y} tot en met {f.period.end:%d-%m-%Y}"),
        ("Soort", f.kind.label if f.kind else "alle soorten"),
        ("Status", f.status.label if f.status else "alle behalve ontwerp"),
        ("Opgemaakt", format_datetime(report.generated_at)),
    ]


def activity_csv(report: ActivityReport) -> str:
    rows: list[Sequence[Any]] = [_csv_header(ACTIVITY_COLUMNS)]
    rows.extend(_csv_activity_values(row) for row in report.all_rows)
    return _csv(rows)


def activity_xlsx(report: ActivityReport) -> bytes:
    workbook = Workbook()
    _sheet(
        workbook,
        "Per activiteit",
        ACTIVITY_COLUMNS,
        (_activity_values(row) for row in report.all_rows),
        first=True,
    )
    definitions = [
        (DEFINITION_LABELS[key], DEFINITIONS[key])
        for key in ("selection", "held", "attended", "fill", "attendance", "certificates")
    ]
    _explanation(workbook, [*_filter_lines(report), ("", ""), *definitions])
    return _bytes(workbook)


# --- Per period --------------------------------------------------------------------------------

SUMMARY_COLUMNS = (("Kerncijfer", TEXT), ("Waarde", HOURS))
THEME_COLUMNS = (("Thema", TEXT), ("Activiteiten", INT), ("Uren", HOURS))
KIND_COLUMNS = (("Soort", TEXT), ("Activiteiten", INT), ("Sessies", INT), ("Uren", HOURS))
ORGANISATION_COLUMNS = (("Organisatie", TEXT), ("Deelnemers", INT), ("Uren", HOURS))
MONTH_COLUMNS = (("Maand", TEXT), ("Sessies", INT), ("Uren", HOURS))
YEAR_COLUMNS = (("Jaar", TEXT), ("Sessies", INT), ("Uren", HOURS))


def summary_rows(report: PeriodReport) -> list[tuple[str, Any]]:
    return [
        ("Unieke deelnemers (aanwezig)", report.participants),
        ("Unieke ingeschrevenen", report.enrolled),
        ("Activiteiten met afgelopen sessies", report.activities_held),
        ("Afgelopen sessies", report.sessions_held),
        ("Gegeven uren", report.hours),
    ]


def _groups(groups: Sequence[Group], fields: Sequence[str]) -> list[list[Any]]:
    return [[g.label, *(getattr(g, f) for f in fields)] for g in groups]


def _period_tables(report: PeriodReport) -> list[tuple[str, Sequence[tuple[str, str]], list]]:
    return [
        ("Uren per thema", THEME_COLUMNS, _groups(report.themes, ("activities", "hours"))),
        (
            "Uren per soort",
            KIND_COLUMNS,
            _groups(report.kinds, ("activities", "sessions", "hours")),
        ),
        (
            "Uren per organisatie",
            ORGANISATION_COLUMNS,
            _groups(report.organisations, ("participants", "hours")),
        ),
        (
            "Uren per jaar" if report.by_year else "Uren per maand",
            YEAR_COLUMNS if report.by_year else MONTH_COLUMNS,
            _groups(report.timeline, ("sessions", "hours")),
        ),
    ]


def _period_lines(report: PeriodReport) -> list[tuple[str, str]]:
    p = report.period
    return [
        ("Rapport", "Per periode"),
        ("Periode", f"{p.start:%d-%m-%Y} tot en met {p.end:%d-%m-%Y}"),
        ("Opgemaakt", format_datetime(report.generated_at)),
    ]


def period_csv(report: PeriodReport) -> str:
    p = report.period
    rows: list[Sequence[Any]] = [["Rapport per periode", p.start, p.end], []]
    rows.append(["Kerncijfers"])
    rows.append([name for name, _kind in SUMMARY_COLUMNS])
    rows.extend(summary_rows(report))
    for title, columns, table in _period_tables(report):
        rows.append([])
        rows.append([title])
        rows.append([name for name, _kind in columns])
        rows.extend(table)
    return _csv(rows)


def period_xlsx(report: PeriodReport) -> bytes:
    workbook = Workbook()
    summary = _sheet(
        workbook, "Kerncijfers", (("Kerncijfer", TEXT), ("Waarde", TEXT)), [], first=True
    )
    for label, value in summary_rows(report):
        summary.append([label, float(value) if isinstance(value, Decimal) else value])
        cell = summary.cell(row=summary.max_row, column=2)
        cell.number_format = "0.00" if isinstance(value, Decimal) else "0"
        _format(summary.cell(row=summary.max_row, column=1), TEXT)
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 14
    for title, columns, table in _period_tables(report):
        _sheet(workbook, title.replace("Uren per ", "Per "), columns, table)
    definitions = [
        (DEFINITION_LABELS[key], DEFINITIONS[key])
        for key in ("held", "attended", "hours", "participants", "themes", "kinds", "organisations")
    ]
    _explanation(workbook, [*_period_lines(report), ("", ""), *definitions])
    return _bytes(workbook)
