"""The activity page (``GET /activities/<id>``, endpoint ``catalog.activity``).

Registered on the catalogue's blueprint so URLs read naturally; the enrolment feature owns
it because its heart is the one button whose label follows the person's state
(:func:`lms.enrolment.queries.action_state`).
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template
from flask_login import current_user

from lms.access import can_manage_activity
from lms.activities.queries import activity_with_sessions
from lms.catalog.page_cache import shared_response, visitor_version
from lms.catalog.routes import bp
from lms.enrolment import queries, rules
from lms.enrolment.forms import ActionForm, ColleagueForm
from lms.enrolment.pricing import price_for
from lms.models import Activity, ActivityStatus, Role, utcnow


@bp.get("/activities/<int:activity_id>")
def activity(activity_id: int) -> Any:
    """An activity's page. For visitors who are not signed in it is the same for all of
    them and kept whole in front of Flask (lms.catalog.page_cache), with an ETag, until the
    offer's version changes or the clock passes a moment the page shows."""
    now = utcnow()
    version = visitor_version()  # before anything is read
    item = activity_with_sessions(activity_id)
    if item is None:
        abort(404)
    if item.status == ActivityStatus.DRAFT and not can_manage_activity(current_user, item):
        abort(404)
    summary = queries.seat_summary(item)
    state = queries.action_state(item, current_user, summary, now)
    colleague_form = None
    if (
        current_user.is_authenticated
        and current_user.has_role(Role.ORGANISATION_CONTACT)
        and item.status == ActivityStatus.PUBLISHED
        and item.parent_id is None
        and rules.window_refusal(item, now) is None
    ):
        from lms.enrolment.routes import colleagues_of

        colleagues = colleagues_of(current_user)
        if colleagues:
            colleague_form = ColleagueForm(colleagues)
    modules = []
    if item.is_programme:
        modules = [m for m in item.modules if m.status != ActivityStatus.DRAFT]
    html = render_template(
        "catalog/activity.html",
        activity=item,
        summary=summary,
        state=state,
        # A form (and so a CSRF token and a session) only for someone signed in: a visitor
        # gets a link to the login page instead of a button (templates/enrolment/_action.html).
        form=ActionForm() if current_user.is_authenticated else None,
        colleague_form=colleague_form,
        modules=modules,
        trainers=_trainers(item, modules),
        now=now,
        first_start=rules.first_start(item),
        last_end=rules.last_end(item),
        can_manage=can_manage_activity(current_user, item),
        your_price=price_for(item, current_user) if current_user.is_authenticated else None,
    )
    return shared_response(html, version, now)


def _trainers(activity: Activity, modules: list[Activity]) -> list[Any]:
    seen: dict[int, Any] = {t.id: t for t in activity.trainers}
    for module in modules:
        for trainer in module.trainers:
            seen.setdefault(trainer.id, trainer)
    return sorted(seen.values(), key=lambda t: t.name)
