"""Calendar URLs: the iCal feeds, the single-session download, the subscription page and
"Mijn agenda". Thin: the feeds come from :mod:`lms.calendar.feeds`, writes from
:mod:`lms.calendar.service`, one commit per request.

The catalogue feed's rule is declared before the personal feed's ``<token>.ics``; Werkzeug
also ranks the static rule first, and a test holds both true.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from wtforms import SubmitField

from lms.access import can_manage_activity, is_trainer_of
from lms.calendar import feeds, ics, queries, service
from lms.calendar.agenda import build_month, is_cancelled, month_bounds, weekday_headers
from lms.common.timeutil import to_local
from lms.extensions import db
from lms.models import Activity, ActivityStatus, Role, utcnow
from lms.web import confirmation

PUBLIC_MAX_AGE = 300  # seconds: public feeds may be cached briefly by anyone
CALENDAR_MIMETYPE = "text/calendar"


class RotateTokenForm(FlaskForm):
    submit = SubmitField("Nieuwe link maken")


# --- Feeds -----------------------------------------------------------------------------------


def _feed_response(feed: feeds.Feed | None) -> Response:
    """200 with the feed, or 304 when the client has this version (nothing is built)."""
    if feed is None:
        abort(404)
    if request.if_none_match.contains_weak(feed.etag):
        response = Response(status=304)
    else:
        body = service.feed_body(feed, utcnow())
        db.session.commit()  # the shared build, when it was (re)made
        response = Response(body, mimetype=CALENDAR_MIMETYPE)
        response.headers["Content-Disposition"] = f'inline; filename="{feed.filename}"'
    response.set_etag(feed.etag)
    if feed.last_modified is not None:
        response.last_modified = feed.last_modified
    if feed.private:
        response.headers["Cache-Control"] = "private, no-cache"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    else:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


def catalogue_feed() -> Response:
    return _feed_response(feeds.catalogue(utcnow()))


def personal_feed(token: str) -> Response:
    return _feed_response(feeds.personal(token, utcnow()))


def activity_feed(activity_id: int) -> Response:
    return _feed_response(feeds.activity(activity_id, utcnow()))


def session_download(session_id: int) -> Response:
    """One session as a downloadable event ("Toevoegen aan agenda")."""
    stamp = queries.session_stamp(session_id)
    if stamp is None:
        abort(404)
    public = stamp.activity_status != ActivityStatus.DRAFT
    if not public:
        activity = db.session.get(Activity, stamp.activity_id)
        if not can_manage_activity(current_user, activity):
            abort(404)
    with_links = _may_join(stamp.activity_id)
    raw = "|".join(
        [
            feeds.FORMAT_VERSION,
            "links" if with_links else "public",
            stamp.uid,
            str(stamp.sequence),
            stamp.updated_at.isoformat(),
            stamp.activity_updated_at.isoformat() if stamp.activity_updated_at else "-",
            str(stamp.activity_status),
            str(stamp.status),
        ]
    )
    etag = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        session = queries.session_with_activity(session_id)
        (event,) = ics.session_events([session], with_links=with_links)
        response = Response(ics.single(event, now=utcnow()), mimetype=CALENDAR_MIMETYPE)
        filename = ics.download_filename(session.activity.title, session.starts_at)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(etag)
    response.last_modified = stamp.updated_at
    if public and not with_links:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    else:
        # Holds a meeting link (or a draft): for this person only, never a shared cache.
        response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


def _may_join(activity_id: int) -> bool:
    """The logged-in person may join this activity's sessions online: a coordinator, one
    of its trainers, or confirmed (the same people whose personal feed shows it)."""
    if not current_user.is_authenticated:
        return False
    if current_user.has_role(Role.COORDINATOR):
        return True
    activity = db.session.get(Activity, activity_id)
    if activity is not None and is_trainer_of(current_user, activity):
        return True
    return queries.in_personal_calendar(current_user.id, activity_id)


# --- Subscription page ------------------------------------------------------------------------


@login_required
def subscription() -> Any:
    """ "Agenda-abonnement": the personal feed's links, how to subscribe, and rotation."""
    form = RotateTokenForm()
    if form.validate_on_submit():
        page = confirmation.ask(
            title=_("Een nieuwe agenda-link maken?"),
            consequence=_(
                "De huidige link werkt daarna niet meer: elke agenda-app waarin je hem "
                "toevoegde, krijgt geen updates meer tot je de nieuwe link toevoegt."
            ),
            button=_("Ja, nieuwe link maken"),
            back_url=url_for("calendar.subscription"),
            back_label=_("Nee, terug"),
        )
        if page is not None:
            return page
        service.rotate_feed_token(current_user, actor=current_user)
        db.session.commit()
        flash(
            _(
                "Je agenda-link is vernieuwd. De vorige link werkt niet meer: voeg de nieuwe "
                "link toe in je agenda-app en verwijder het oude abonnement."
            ),
            "success",
        )
        return redirect(url_for("calendar.subscription"))
    links = service.subscription_for(current_user)
    upcoming = queries.upcoming_count(current_user.id, utcnow())
    db.session.commit()  # the token, when this is the first visit
    response = Response(
        render_template("calendar/subscription.html", links=links, form=form, upcoming=upcoming)
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Mijn agenda ---------------------------------------------------------------------------


def activity_href(activity_id: int) -> str:
    """The activity's page (the catalogue's endpoint once it exists; its contract path)."""
    try:
        return url_for("enrolment.activity", activity_id=activity_id)
    except BuildError:
        return f"/activities/{activity_id}"


@login_required
def agenda(year: int | None = None, month: int | None = None) -> Any:
    """ "Mijn agenda": a month of one's own sessions (server-rendered, no script needed)."""
    today = to_local(utcnow()).date()
    if year is None or month is None:
        year, month = today.year, today.month
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        abort(404)
    start, end = month_bounds(year, month)
    sessions = queries.month_sessions(current_user.id, start, end)
    view = build_month(year, month, sessions, today)
    return render_template(
        "calendar/agenda.html",
        view=view,
        weekdays=weekday_headers(),
        today=today,
        this_month=(today.year, today.month) == (year, month),
        activity_href=activity_href,
        is_cancelled=is_cancelled,
    )
