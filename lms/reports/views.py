"""Reports for coordinators: per activity and per period, as pages (charts and tables) and
as CSV and XLSX downloads with the same figures.

Thin: the filter form reads the query string, :mod:`lms.reports.per_activity` and
:mod:`lms.reports.per_period` compute the figures in a fixed number of queries,
:mod:`lms.reports.charts` draws them and :mod:`lms.reports.export` writes the files.
Every view is for coordinators only.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.extensions import db
from lms.models import MAX_ID, Activity
from lms.reports import billing, charts, enrolments, export, per_activity, per_period
from lms.reports.common import DEFINITIONS, Period
from lms.reports.forms import ActivityReportForm, PeriodForm
from lms.web import error_response
from lms.web.access import coordinator_required

FILTER_ARGS = ("van", "tot", "soort", "status", "volgorde")


def _query_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in FILTER_ARGS}


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    if mimetype == "text/csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _invalid_export(form: Any) -> Response:
    errors = [
        f"{form[name].label.text}: {error}"
        for name, items in form.errors.items()
        for error in items
    ]
    return error_response(400, _("De filters zijn niet geldig. ") + " ".join(errors))


# --- Overview ------------------------------------------------------------------------------------


@coordinator_required
def index() -> Any:
    period = Period.this_year()
    report = per_period.period_report(period)
    return render_template("reports/index.html", report=report, period=period)


# --- Per activity ---------------------------------------------------------------------------------


def _activity_form() -> tuple[ActivityReportForm, bool]:
    form = ActivityReportForm(formdata=request.args)
    return form, form.validate()


@coordinator_required
def activity() -> Any:
    asked = request.args.get("activity_id", "")
    if asked.isdigit():  # a link meant for one activity's report (e.g. from the admin pages)
        return redirect(url_for("reports.activity_detail", activity_id=int(asked)))
    form, valid = _activity_form()
    report = None
    chart = {}
    if valid:
        filters = form.filters(Period.this_year())
        form.fill_defaults(filters.period)
        if not form.volgorde.data:
            form.volgorde.data = filters.order
        report = per_activity.activity_report(filters)
        chart = charts.activity_report_charts(report)
    return render_template(
        "reports/activity.html",
        form=form,
        report=report,
        charts=chart,
        args=_query_args(),
        definitions=DEFINITIONS,
        meter=charts.meter,
    )


@coordinator_required
def activity_csv() -> Any:
    form, valid = _activity_form()
    if not valid:
        return _invalid_export(form)
    report = per_activity.activity_report(form.filters(Period.this_year()))
    body = export.activity_csv(report).encode("utf-8")
    return _download(body, "text/csv", f"rapport-activiteiten-{report.filters.period.slug}.csv")


@coordinator_required
def activity_xlsx() -> Any:
    form, valid = _activity_form()
    if not valid:
        return _invalid_export(form)
    report = per_activity.activity_report(form.filters(Period.this_year()))
    return _download(
        export.activity_xlsx(report),
        export.XLSX_MIMETYPE,
        f"rapport-activiteiten-{report.filters.period.slug}.xlsx",
    )


@coordinator_required
def activity_detail(activity_id: int) -> Any:
    detail = per_activity.activity_detail(activity_id) if activity_id <= MAX_ID else None
    if detail is None:
        abort(404)
    return render_template(
        "reports/activity_detail.html",
        detail=detail,
        figures=detail.figures,
        chart=charts.session_rate_chart(detail),
        definitions=DEFINITIONS,
    )


# --- Per period -----------------------------------------------------------------------------------


def _period_form() -> tuple[PeriodForm, bool]:
    form = PeriodForm(formdata=request.args)
    return form, form.validate()


@coordinator_required
def period() -> Any:
    form, valid = _period_form()
    report = None
    chart = {}
    if valid:
        chosen = form.period(Period.this_year())
        form.fill_defaults(chosen)
        report = per_period.period_report(chosen)
        chart = charts.period_report_charts(report)
    return render_template(
        "reports/period.html",
        form=form,
        report=report,
        charts=chart,
        args=_query_args(),
        definitions=DEFINITIONS,
    )


@coordinator_required
def period_csv() -> Any:
    form, valid = _period_form()
    if not valid:
        return _invalid_export(form)
    report = per_period.period_report(form.period(Period.this_year()))
    body = export.period_csv(report).encode("utf-8")
    return _download(body, "text/csv", f"rapport-periode-{report.period.slug}.csv")


@coordinator_required
def period_xlsx() -> Any:
    form, valid = _period_form()
    if not valid:
        return _invalid_export(form)
    report = per_period.period_report(form.period(Period.this_year()))
    return _download(
        export.period_xlsx(report),
        export.XLSX_MIMETYPE,
        f"rapport-periode-{report.period.slug}.xlsx",
    )


# --- Billing ---------------------------------------------------------------------------------


@coordinator_required
def billing_page() -> Any:
    """Paid enrolments to invoice in a period, per organisation."""
    form, valid = _period_form()
    report = None
    if valid:
        chosen = form.period(Period.this_year())
        form.fill_defaults(chosen)
        report = billing.billing_list(chosen)
    return render_template("reports/billing.html", form=form, report=report, args=_query_args())


@coordinator_required
def billing_csv() -> Any:
    form, valid = _period_form()
    if not valid:
        return _invalid_export(form)
    report = billing.billing_list(form.period(Period.this_year()))
    body = billing.billing_csv(report).encode("utf-8")
    return _download(body, "text/csv", f"facturatie-{report.period.slug}.csv")


@coordinator_required
def billing_xlsx() -> Any:
    form, valid = _period_form()
    if not valid:
        return _invalid_export(form)
    report = billing.billing_list(form.period(Period.this_year()))
    return _download(
        billing.billing_xlsx(report), export.XLSX_MIMETYPE, f"facturatie-{report.period.slug}.xlsx"
    )


# --- An activity's enrolments and requests, with the intake answers ---------------------------


def _activity_or_404(activity_id: int) -> Any:
    activity = db.session.get(Activity, activity_id) if 0 < activity_id <= MAX_ID else None
    if activity is None:
        abort(404)
    return activity


@coordinator_required
def enrolments_csv(activity_id: int) -> Any:
    report = enrolments.enrolment_export(_activity_or_404(activity_id))
    body = enrolments.enrolments_csv(report).encode("utf-8")
    return _download(body, "text/csv", f"inschrijvingen-activiteit-{activity_id}.csv")


@coordinator_required
def enrolments_xlsx(activity_id: int) -> Any:
    report = enrolments.enrolment_export(_activity_or_404(activity_id))
    return _download(
        enrolments.enrolments_xlsx(report),
        export.XLSX_MIMETYPE,
        f"inschrijvingen-activiteit-{activity_id}.xlsx",
    )
