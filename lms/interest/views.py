"""Interest pages: “Houd me op de hoogte” on an activity page and on the themes page
(``/op-de-hoogte``), and the stop link of the mails (``/op-de-hoogte/stop/<token>``).

Visitors who are not signed in are asked to log in: the lists are for accounts, whose
address is already confirmed, so no unconfirmed address is ever stored or mailed and
nobody can put someone else's address on a list. The stop link works without login (it is
signed); GET only shows a confirm button, POST stops, so a mail scanner that opens links
unsubscribes nobody. Mail clients may POST ``List-Unsubscribe=One-Click`` to the same URL
(RFC 8058): the token is the authorisation, so that POST needs no CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.access import can_manage_activity
from lms.extensions import csrf, db
from lms.interest import queries, service
from lms.interest.forms import InterestForm, StopForm
from lms.interest.service import InterestError
from lms.interest.tokens import read_stop_token
from lms.models import Activity, ActivityStatus, Theme
from lms.web.errors import flash_refusal

MAX_ID = 2**31 - 1


def interest_state(activity: Activity) -> dict[str, Any]:
    """For the activity page: whether the person is on this activity's list, and a form."""
    if not current_user.is_authenticated:
        return {"signed_in": False, "interested": False, "form": None}
    return {
        "signed_in": True,
        "interested": queries.is_interested(current_user.id, activity_id=activity.id),
        "form": InterestForm(),
    }


def interest_counts(activity_ids: Any) -> dict[int, int]:
    """For coordinators' pages: people interested per activity, in one query."""
    return queries.counts_by_activity(int(i) for i in activity_ids)


def _activity_or_404(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id) if activity_id <= MAX_ID else None
    if activity is None or (
        activity.status == ActivityStatus.DRAFT and not can_manage_activity(current_user, activity)
    ):
        abort(404)
    return activity


def _theme_or_404(theme_id: int) -> Theme:
    theme = db.session.get(Theme, theme_id) if theme_id <= MAX_ID else None
    if theme is None:
        abort(404)
    return theme


@login_required
def activity(activity_id: int) -> Any:
    """Subscribe (or, with ``stop``, unsubscribe) to the activity's next edition. GET
    (after logging in from the button) goes back to the activity page."""
    item = _activity_or_404(activity_id)
    back = redirect(url_for("enrolment.activity", activity_id=item.id) + "#op-de-hoogte", code=303)
    if request.method == "GET":
        return back
    if not InterestForm().validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
        return back
    if request.form.get("stop"):
        service.unsubscribe(current_user.id, kind="activity", target_id=item.id)
        db.session.commit()
        flash(
            _("We houden je niet langer op de hoogte van „%(title)s”.", title=item.title), "success"
        )
        return back
    try:
        service.subscribe(current_user, activity=item)
    except InterestError as exc:
        db.session.rollback()
        flash_refusal(exc)
        return back
    db.session.commit()
    flash(
        _("We mailen je zodra er een nieuwe editie van „%(title)s” is.", title=item.title),
        "success",
    )
    return back


def themes() -> Any:
    """The themes, each with its button, and the lists the person is on."""
    all_themes = list(db.session.scalars(select(Theme).order_by(Theme.name)))
    mine_activities: list[Activity] = []
    mine_themes: set[int] = set()
    if current_user.is_authenticated:
        for interest in queries.interests_of_user(current_user.id):
            if interest.theme_id is not None:
                mine_themes.add(interest.theme_id)
            elif interest.activity is not None:
                mine_activities.append(interest.activity)
    return render_template(
        "interest/themes.html",
        themes=all_themes,
        mine_themes=mine_themes,
        mine_activities=mine_activities,
        form=InterestForm() if current_user.is_authenticated else None,
    )


@login_required
def theme(theme_id: int) -> Any:
    item = _theme_or_404(theme_id)
    back = redirect(url_for("interest.themes") + f"#thema-{item.id}", code=303)
    if request.method == "GET":
        return back
    if not InterestForm().validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
        return back
    if request.form.get("stop"):
        service.unsubscribe(current_user.id, kind="theme", target_id=item.id)
        db.session.commit()
        flash(_("We houden je niet langer op de hoogte van „%(name)s”.", name=item.name), "success")
        return back
    service.subscribe(current_user, theme=item)
    db.session.commit()
    flash(_("We mailen je wanneer er iets nieuws is over „%(name)s”.", name=item.name), "success")
    return back


@csrf.exempt
def stop(token: str) -> Any:
    """The stop link of an interest mail (see the module docstring)."""
    target = read_stop_token(token)
    if target is None:
        return render_template("interest/stop.html", invalid=True, form=None, name=None), 404
    if target.kind == "activity":
        item = db.session.get(Activity, target.target_id)
        name = item.title if item is not None else None
    else:
        theme_item = db.session.get(Theme, target.target_id)
        name = theme_item.name if theme_item is not None else None
    form = StopForm()
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        if not one_click and not form.validate_on_submit():
            flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
            return render_template("interest/stop.html", invalid=False, form=form, name=name), 400
        service.unsubscribe(target.user_id, kind=target.kind, target_id=target.target_id)
        db.session.commit()
        return render_template("interest/stop.html", invalid=False, done=True, form=None, name=name)
    return render_template("interest/stop.html", invalid=False, form=form, name=name)
