"""Attendance pages: Mijn sessies, taking attendance, history, sheet (PDF), export (CSV),
self check-in (the trainer's screen and the participant's side) and a participant's own
attendance.

Thin views: access checks, forms, one commit. The rules are in
:mod:`lms.attendance.service`, the reading in :mod:`lms.attendance.queries`.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from lms.access import can_manage_activity, forbid_unless
from lms.attendance import checkin, queries, service
from lms.attendance.export import attendance_csv
from lms.attendance.forms import SHORT_LABELS, CheckinCodeForm, GroupMailForm, attendance_form
from lms.attendance.service import AttendanceError
from lms.attendance.sheet import attendance_sheet_pdf
from lms.common.slugs import slugify
from lms.common.timeutil import format_time, to_local
from lms.common.urls import absolute_url
from lms.extensions import db, limiter, login_manager
from lms.models import Activity, ActivitySession, AttendanceStatus, Role, utcnow
from lms.web import bulk_mail as bulk_mail_flow
from lms.web.access import role_required
from lms.web.errors import flash_refusal

#: After a valid code, a participant who must log in first has this long to finish.
CHECKIN_GRANT_SECONDS = 15 * 60
GRANT_KEY = "checkin_grant"


# --- Helpers ----------------------------------------------------------------------------


def managed_session(session_id: int) -> ActivitySession:
    session = queries.load_session(session_id)
    if session is None:
        abort(404)
    forbid_unless(can_manage_activity(current_user, session.activity))
    return session


def managed_activity(activity_id: int) -> Activity:
    activity = queries.load_activity(activity_id)
    if activity is None:
        abort(404)
    forbid_unless(can_manage_activity(current_user, activity))
    return activity


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _filename(*parts: str) -> str:
    return "-".join(slugify(p) for p in parts if p)[:120] or "aanwezigheden"


# --- Mijn sessies -------------------------------------------------------------------------


@role_required(Role.TRAINER, Role.COORDINATOR)
def my_sessions() -> Any:
    """Today's sessions first, then upcoming and recent ones.

    A trainer sees the activities they run. A coordinator can switch to every activity
    (``?alle=1``); a coordinator who runs nothing sees everything by default.
    """
    now = utcnow()
    is_coordinator = current_user.has_role(Role.COORDINATOR)
    requested = request.args.get("alle")
    if is_coordinator and requested is not None:
        everything = requested == "1"
    else:
        everything = is_coordinator and not current_user.has_role(Role.TRAINER)
    overview = queries.my_sessions(current_user, now, everything=everything)
    return render_template(
        "attendance/my_sessions.html",
        overview=overview,
        now=now,
        everything=everything,
        is_coordinator=is_coordinator,
        checkin_opens=checkin.OPENS_BEFORE,
    )


# --- Taking attendance ---------------------------------------------------------------------


@login_required
def take(session_id: int) -> Any:
    session = managed_session(session_id)
    now = utcnow()
    card = queries.session_card(session)
    refusal = None
    try:
        service.ensure_can_take(session, now)
    except AttendanceError as error:
        refusal = error
    # Before the start only an excused absence can be recorded ("ik kan niet komen"): the
    # page offers just that state, and the service refuses any other.
    in_advance = refusal is not None and refusal.code == "not_started"
    if in_advance:
        refusal = None
    form = attendance_form(card)
    filled = 0
    status = 200
    certificates_affected = _certificates_affected(session)
    if request.method == "POST":
        if refusal is not None:
            status = 409
        elif form.validate_on_submit():
            if form.all_present.data:
                filled = form.fill_all_present()
            else:
                try:
                    result = service.record_attendance(
                        session,
                        form.marks(),
                        actor=current_user,
                        source="trainer",
                        now=now,
                        correction_reason=(form.correction_reason.data or "").strip(),
                    )
                except AttendanceError as error:
                    db.session.rollback()
                    target = getattr(form, error.field, None) if error.field else None
                    if target is not None:
                        target.errors = [*target.errors, error.message]
                    else:
                        flash_refusal(error)
                    status = 409 if error.code == "not_started" else 200
                    session = managed_session(session_id)
                    card = queries.session_card(session)
                else:
                    db.session.commit()
                    flash(_saved_message(result, form.unchosen), "success")
                    return redirect(url_for("attendance.take", session_id=session_id))
        else:
            status = 200
    response = render_template(
        "attendance/take.html",
        session=session,
        activity=session.activity,
        card=card,
        form=form,
        refusal=refusal,
        in_advance=in_advance,
        filled=filled,
        now=now,
        labels={s.value: s.label for s in AttendanceStatus},
        checkin_open=checkin.window_state(session, now) == checkin.WindowState.OPEN,
        certificates_affected=certificates_affected,
        short_labels=SHORT_LABELS,
        local_start=format_time(session.starts_at),
        local_end=format_time(session.ends_at),
    )
    return response, status


def _certificates_affected(session: ActivitySession) -> list[str]:
    """Names of the people whose issued certificate a change of this session's
    attendance would contradict (warned about before saving)."""
    return sorted({c.user.name for c in queries.issued_certificates_affected(session.id) if c.user})


def _saved_message(result: service.RecordResult, unchosen: int) -> str:
    parts = []
    if result.created:
        parts.append(f"{result.created} geregistreerd")
    if result.corrected:
        parts.append(f"{result.corrected} gecorrigeerd")
    if not parts:
        message = "Er was niets gewijzigd."
    else:
        message = "Aanwezigheden opgeslagen: " + ", ".join(parts) + "."
    if unchosen:
        message += (
            f" Nog {unchosen} {'persoon' if unchosen == 1 else 'personen'} zonder registratie."
        )
    return message


@login_required
def history(session_id: int) -> Any:
    session = managed_session(session_id)
    return render_template(
        "attendance/history.html",
        session=session,
        activity=session.activity,
        changes=queries.session_history(session),
        labels={s.value: s.label for s in AttendanceStatus},
        sources={"trainer": "lesgever", "checkin": "zelf ingecheckt", "api": "API"},
    )


# --- Paper and spreadsheet -----------------------------------------------------------------


@login_required
def sheet(session_id: int) -> Any:
    session = managed_session(session_id)
    card = queries.session_card(session)
    pdf = attendance_sheet_pdf(card)
    day = to_local(session.starts_at).strftime("%Y-%m-%d")
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="aanwezigheidslijst-{_filename(session.activity.title)}-{day}.pdf"'
    )
    return _no_store(response)


@login_required
def overview(activity_id: int) -> Any:
    activity = managed_activity(activity_id)
    matrix = queries.activity_matrix(activity)
    return render_template(
        "attendance/overview.html",
        activity=activity,
        matrix=matrix,
        now=utcnow(),
        status_text=queries.status_text,
        format_hours=queries.format_hours,
    )


@login_required
def export_csv(activity_id: int) -> Any:
    activity = managed_activity(activity_id)
    body = attendance_csv(queries.activity_matrix(activity))
    response = Response(body.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="aanwezigheden-{_filename(activity.title)}.csv"'
    )
    return _no_store(response)


# --- Mailing the group ------------------------------------------------------------------


@login_required
def group_mail(activity_id: int) -> Any:
    """The activity's trainers (and coordinators) mail its confirmed participants: a
    preview first, then one mail per person through the outbox, audited
    (:func:`lms.mail.bulk.send`; a subject with a line break is refused there)."""
    from lms.mail import bulk as bulk_mail
    from lms.models import EnrolmentStatus

    activity = managed_activity(activity_id)
    form = GroupMailForm()
    statuses = [EnrolmentStatus.CONFIRMED]
    step = bulk_mail_flow.handle(
        activity,
        form,
        statuses,
        sent_url=url_for("attendance.overview", activity_id=activity_id),
    )
    if step.redirect is not None:
        return step.redirect
    preview, status = step.preview, step.status
    return (
        render_template(
            "attendance/group_mail.html",
            activity=activity,
            form=form,
            preview=preview,
            count=len(bulk_mail.recipients(activity, statuses)),
        ),
        status,
    )


# --- Self check-in: the trainer's screen ---------------------------------------------------


@login_required
def checkin_display(session_id: int) -> Any:
    """The full-screen check-in display for a projector: the code, its QR code and who
    checked in (first name and initial), without the site's navigation. A small script
    polls :func:`checkin_state` for a new code; without it, a link reloads the page."""
    session = managed_session(session_id)
    state = _display_state(session, utcnow())
    return _no_store(
        Response(
            render_template(
                "attendance/checkin_display.html",
                session=session,
                activity=session.activity,
                typed_url=absolute_url("attendance.checkin_form").split("://", 1)[-1],
                **state,
            )
        )
    )


@login_required
def checkin_state(session_id: int) -> Any:
    """What the check-in display shows now, as JSON (polled every few seconds)."""
    session = managed_session(session_id)
    state = _display_state(session, utcnow())
    code = state["code"]
    return _no_store(
        jsonify(
            {
                "state": state["state"],
                "code": code.code if code else None,
                "display": code.display if code else None,
                "spoken": " ".join(code.code) if code else None,
                "qr_svg": state["qr_svg"],
                "scan_url": state["scan_url"],
                "refresh_in": state["refresh"],
                "present": state["present"],
                "total": state["total"],
                "names": state["names"],
            }
        )
    )


def _short_name(name: str) -> str:
    """``An P.``: first name and the initial of the last word (enough on a projector)."""
    parts = name.split()
    if len(parts) < 2:
        return name
    return f"{parts[0]} {parts[-1][0]}."


def _display_state(session: ActivitySession, now: Any) -> dict[str, Any]:
    state = checkin.window_state(session, now)
    code = qr_svg = scan_url = None
    refresh = 60
    if session.is_cancelled:
        state = None
    elif state == checkin.WindowState.OPEN:
        code = checkin.current_code(session, now)
        scan_url = checkin.scan_url(session.id, code.code)
        qr_svg = checkin.qr_svg(scan_url)
        refresh = max(2, int((code.rotates_at - now).total_seconds()) + 1)
    elif state == checkin.WindowState.NOT_OPEN:
        until_open = (checkin.opens_at(session) - now).total_seconds()
        refresh = int(min(max(until_open, 5), 300))
    card = queries.session_card(session)
    arrived = sorted(
        (
            entry
            for entry in card.entries
            if entry.attendance is not None and entry.attendance.status == AttendanceStatus.PRESENT
        ),
        key=lambda entry: entry.attendance.recorded_at,
        reverse=True,
    )
    return {
        "state": state.value if state else None,
        "code": code,
        "qr_svg": qr_svg,
        "scan_url": scan_url,
        "refresh": refresh
        if state in (checkin.WindowState.OPEN, checkin.WindowState.NOT_OPEN)
        else None,
        "present": card.present,
        "total": card.total,
        "names": [_short_name(entry.user.name) for entry in arrived],
        "opens_at": checkin.opens_at(session),
        "now": now,
    }


# --- Self check-in: the participant's side --------------------------------------------------


def _grant(session_id: int) -> None:
    cookie_session[GRANT_KEY] = {"s": session_id, "t": int(utcnow().timestamp())}


def _has_grant(session_id: int) -> bool:
    grant = cookie_session.get(GRANT_KEY)
    if not isinstance(grant, dict) or grant.get("s") != session_id:
        return False
    age = utcnow().timestamp() - float(grant.get("t", 0))
    return 0 <= age <= CHECKIN_GRANT_SECONDS


def _do_checkin(session: ActivitySession) -> Any:
    """Record the check-in and send the person to the page that shows it (PRG)."""
    session_id = session.id
    try:
        service.check_in(session, current_user)
        db.session.commit()
    except AttendanceError as error:
        db.session.rollback()
        return _refusal(error, session_id)
    except IntegrityError:
        # Two taps at once: the other request recorded it; the result page shows it.
        db.session.rollback()
    cookie_session.pop(GRANT_KEY, None)
    return redirect(url_for("attendance.checkin_done", session_id=session_id))


def _refusal(error: AttendanceError, session_id: int | None = None) -> Any:
    status = {"not_enrolled": 403, "bad_code": 400}.get(error.code, 409)
    return _no_store(
        Response(
            render_template("attendance/checkin_refused.html", error=error, session_id=session_id),
            status=status,
        )
    )


@login_required
@limiter.limit(
    "20 per minute",
    methods=["POST"],
    key_func=lambda: f"checkin:{current_user.get_id()}",
    error_message=_l(
        "Te veel pogingen. Wacht een minuut en typ dan de code die op het scherm staat."
    ),
)
def checkin_form() -> Any:
    form = CheckinCodeForm()
    if form.validate_on_submit():
        now = utcnow()
        session = service.find_session_for_code(form.code.data, now)
        if session is None:
            form.code.errors.append(
                _(
                    "Deze code klopt niet of is verlopen. De code verandert elke minuut: typ de "
                    "code die nu op het scherm staat."
                )
            )
        else:
            return _do_checkin(session)
    return _no_store(Response(render_template("attendance/checkin_form.html", form=form)))


@limiter.limit("120 per minute", key_func=lambda: f"checkin-scan:{request.remote_addr}")
def checkin_scan(session_id: int) -> Any:
    """Where the QR code points: ``/checkin/<id>?code=…``.

    A valid code leaves a short-lived grant in the (signed) session cookie, so a person
    who must log in first is still checked in when they come back here, even though the
    code on the screen has changed in the meantime.
    """
    session = queries.load_session(session_id)
    if session is None:
        abort(404)
    code = request.args.get("code")
    if code is not None:
        try:
            service.verify_code(session, code, utcnow())
        except AttendanceError as error:
            if not _has_grant(session_id):
                return _refusal(error, session_id)
        else:
            _grant(session_id)
    elif not _has_grant(session_id):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return redirect(url_for("attendance.checkin_form"))
    if not current_user.is_authenticated:
        flash(
            _(
                "Meld je aan om in te checken. Je code is onthouden: na het aanmelden ben je "
                "meteen ingecheckt."
            ),
            "info",
        )
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    return _do_checkin(session)


@login_required
def checkin_done(session_id: int) -> Any:
    """Says "you are checked in" only when the record is there."""
    session = queries.load_session(session_id)
    if session is None:
        abort(404)
    attendance = queries.records_for_sessions([session.id]).get((session.id, current_user.id))
    if attendance is None:
        flash(_("Je bent voor deze sessie nog niet ingecheckt. Typ de code op het scherm."), "info")
        return redirect(url_for("attendance.checkin_form"))
    return _no_store(
        Response(
            render_template(
                "attendance/checkin_done.html",
                session=session,
                activity=session.activity,
                attendance=attendance,
                present=attendance.status == AttendanceStatus.PRESENT,
                label=queries.status_text(attendance),
                recorded_at=attendance.recorded_at,
            )
        )
    )


# --- A participant's own attendance ---------------------------------------------------------


@login_required
def my_attendance(activity_id: int) -> Any:
    activity = queries.load_activity(activity_id)
    if activity is None:
        abort(404)
    enrolment = queries.enrolment_of(current_user, activity)
    if enrolment is None:
        abort(404, description=_("Je bent niet ingeschreven voor deze activiteit."))
    return render_template(
        "attendance/my_attendance.html",
        activity=activity,
        enrolment=enrolment,
        own=queries.own_attendance(current_user, activity),
        now=utcnow(),
        format_hours=queries.format_hours,
    )
