"""Managing the offer: the list, create, edit, publish, cancel, archive, trainers, and
"volgende editie". Rules: :mod:`lms.activities.service`, :mod:`lms.enrolment.service`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms.accounts.queries import organisations
from lms.activities import offer
from lms.activities import service as activities
from lms.activities.copy_edition import copy_activity, source_first_start
from lms.activities.service import ActivityError
from lms.admin.forms import (
    ActivityForm,
    CancelActivityForm,
    ConfirmForm,
    CopyForm,
    NewActivityForm,
    TrainersForm,
)
from lms.admin.views import activity_or_404
from lms.catalog.queries import all_themes
from lms.common.timeutil import to_local
from lms.enrolment.queries import seat_summaries, seat_summary
from lms.extensions import db
from lms.models import (
    KIND_LABELS,
    Activity,
    ActivityKind,
    ActivityStatus,
    AuditEntry,
    Organisation,
    Theme,
    utcnow,
)
from lms.web import confirmation
from lms.web.errors import flash_refusal


def _fail(form: Any, error: ActivityError) -> None:
    db.session.rollback()
    if not form.show_error(error.field, error.message):
        flash_refusal(error)


def _themes(ids: list[int]) -> list[Theme]:
    if not ids:
        return []
    return list(db.session.scalars(select(Theme).where(Theme.id.in_(ids)).order_by(Theme.name)))


# --- The list ---------------------------------------------------------------------------------


def activities_list() -> Any:
    filters = offer.OfferFilters.from_args(request.args)
    page = offer.list_activities(filters, now=utcnow())
    return render_template(
        "admin/activities.html",
        page=page,
        filters=filters,
        kinds=[(k.value, KIND_LABELS[k]) for k in ActivityKind],
        statuses=list(ActivityStatus),
        now=utcnow(),
    )


# --- Creating and editing ---------------------------------------------------------------------


def activity_new() -> Any:
    programmes = offer.programmes()
    form = NewActivityForm().setup(all_themes(), organisations())
    form.setup_new(programmes)
    if request.method == "GET":
        parent_arg = request.args.get("parent", "")
        if parent_arg in {str(p.id) for p in programmes}:
            form.parent_id.data = parent_arg
            form.kind.data = ActivityKind.COURSE.value
        form.waitlist_enabled.data = True
    status = 200
    valid = form.validate_on_submit()
    if request.method == "POST":
        sessions = form.sessions()
        problems = form.rule_errors(sessions[0].starts_at if sessions else None)
        for problem in problems:
            form.show_error(problem.field, problem.message)
        valid = valid and not problems
    if valid:
        parent = None
        parent_id = form.parent_choice()
        if parent_id is not None:
            parent = db.session.get(Activity, parent_id)
        organisation_id = form.organisation_choice()
        try:
            if form.parent_id.data and parent is None:
                raise ActivityError(_("Kies een beroepsopleiding uit de lijst."), "parent_id")
            created = activities.create_activity(
                actor=current_user,
                kind=form.kind.data,
                title=form.title.data or "",
                status=form.status.data,
                sessions=form.sessions(),
                themes=_themes(form.themes.data or []),
                requires_approval=form.approval_choice(),
                parent=parent,
                organisation=db.session.get(Organisation, organisation_id)
                if organisation_id
                else None,
                **{
                    k: v
                    for k, v in form.changes().items()
                    if k not in ("title", "requires_approval")
                },
            )
        except ActivityError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "„%(title)s” is aangemaakt (%(status)s). Voeg sessies en lesgevers toe waar "
                    "nodig.",
                    title=created.title,
                    status=_(created.status.label),
                ),
                "success",
            )
            return redirect(url_for("admin.activity", activity_id=created.id))
    if request.method == "POST":
        status = 422
    return (
        render_template("admin/activity_form.html", form=form, activity=None, new=True),
        status,
    )


def activity_edit(activity_id: int) -> Any:
    activity = activity_or_404(activity_id)
    form = ActivityForm() if request.method == "POST" else ActivityForm.for_activity(activity)
    form.setup(all_themes(), [])
    status = 200
    valid = form.validate_on_submit()
    if request.method == "POST":
        problems = form.rule_errors(activity.first_start)
        for problem in problems:
            form.show_error(problem.field, problem.message)
        valid = valid and not problems
    if valid:
        try:
            changed = activities.update_activity(activity, actor=current_user, **form.changes())
            activity = db.session.get(Activity, activity_id)
            before = {t.id for t in activity.themes}
            activities.set_themes(activity, _themes(form.themes.data or []), actor=current_user)
            if before != {t.id for t in activity.themes}:
                changed.append("themes")
        except ActivityError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(
                _("De wijzigingen zijn bewaard.") if changed else _("Er was niets gewijzigd."),
                "success" if changed else "info",
            )
            return redirect(url_for("admin.activity", activity_id=activity_id))
        activity = activity_or_404(activity_id)
    if request.method == "POST":
        status = 422
    return (
        render_template(
            "admin/activity_form.html",
            form=form,
            activity=activity,
            new=False,
            seats=seat_summary(activity),
        ),
        status,
    )


# --- One activity -----------------------------------------------------------------------------


def activity(activity_id: int) -> Any:
    item = activity_or_404(activity_id)
    now = utcnow()
    family = [item, *item.modules]
    summaries = seat_summaries(family)
    return render_template(
        "admin/activity.html",
        activity=item,
        seats=summaries[item.id],
        summaries=summaries,
        first_start=item.first_start,
        last_end=item.last_end,
        now=now,
        action_form=ConfirmForm(),
        transitions={s.value for s in activities.STATUS_CHANGES[item.status]},
    )


def _change_status(activity_id: int, status: ActivityStatus, done: str) -> Any:
    activity = activity_or_404(activity_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            activities.update_activity(activity, actor=current_user, status=status)
        except ActivityError as error:
            db.session.rollback()
            flash_refusal(error)
        else:
            db.session.commit()
            flash(done, "success")
    else:
        flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
    return redirect(url_for("admin.activity", activity_id=activity_id))


def activity_publish(activity_id: int) -> Any:
    return _change_status(
        activity_id,
        ActivityStatus.PUBLISHED,
        "De activiteit is gepubliceerd en staat in het aanbod.",
    )


def activity_unpublish(activity_id: int) -> Any:
    return _change_status(
        activity_id, ActivityStatus.DRAFT, "De activiteit is weer een ontwerp (niet zichtbaar)."
    )


def activity_archive(activity_id: int) -> Any:
    activity = activity_or_404(activity_id)
    page = confirmation.ask(
        title=_("„%(title)s” archiveren?", title=activity.title),
        consequence=_(
            "Een gearchiveerde activiteit verdwijnt uit het aanbod en kan niet meer "
            "gepubliceerd worden. Dit kan niet ongedaan gemaakt worden."
        ),
        button=_("Ja, archiveren"),
        back_url=url_for("admin.activity", activity_id=activity_id),
        back_label=_("Nee, terug"),
    )
    if page is not None:
        return page
    return _change_status(activity_id, ActivityStatus.ARCHIVED, "De activiteit is gearchiveerd.")


def activity_cancel(activity_id: int) -> Any:
    activity = activity_or_404(activity_id)
    form = CancelActivityForm()
    status = 200
    if form.validate_on_submit():
        try:
            activities.update_activity(
                activity,
                actor=current_user,
                status=ActivityStatus.CANCELLED,
                reason=form.reason.data,
            )
        except ActivityError as error:
            db.session.rollback()
            flash_refusal(error)
            return redirect(url_for("admin.activity", activity_id=activity_id))
        notified = db.session.scalar(
            select(AuditEntry)
            .where(AuditEntry.activity_id == activity_id, AuditEntry.action == "activity.cancelled")
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        count = int((notified.details or {}).get("notified", 0)) if notified else 0
        db.session.commit()
        flash(
            ngettext(
                "De activiteit is geannuleerd: de sessies en inschrijvingen zijn geannuleerd; "
                "%(num)d betrokkene krijgt een mail.",
                "De activiteit is geannuleerd: de sessies en inschrijvingen zijn geannuleerd; "
                "%(num)d betrokkenen krijgen een mail.",
                count,
            )
            if count
            else _("De activiteit is geannuleerd: de sessies en inschrijvingen zijn geannuleerd."),
            "success",
        )
        return redirect(url_for("admin.activity", activity_id=activity_id))
    if request.method == "POST":
        status = 422
    family = [activity, *activity.modules]
    summaries = seat_summaries(family)
    trainers = {t.id: t for a in family for t in a.trainers}
    return (
        render_template(
            "admin/activity_cancel.html",
            activity=activity,
            form=form,
            confirmed=sum(s.confirmed for s in summaries.values()),
            waitlisted=sum(s.waitlisted for s in summaries.values()),
            pending=sum(s.pending for s in summaries.values()),
            trainers=list(trainers.values()),
            can_cancel=ActivityStatus.CANCELLED in activities.STATUS_CHANGES[activity.status],
        ),
        status,
    )


def activity_trainers(activity_id: int) -> Any:
    activity = activity_or_404(activity_id)
    choices = {u.id: u for u in offer.trainers()}
    for trainer in activity.trainers:
        choices.setdefault(trainer.id, trainer)
    people = sorted(choices.values(), key=lambda u: (u.name.lower(), u.id))
    form = TrainersForm()
    form.trainers.choices = [SelectChoice(u.id, f"{u.name} ({u.email})") for u in people]
    if request.method == "GET":
        form.trainers.data = [t.id for t in activity.trainers]
    status = 200
    if form.validate_on_submit():
        chosen = [choices[i] for i in form.trainers.data or [] if i in choices]
        try:
            activities.set_trainers(activity, chosen, actor=current_user)
        except ActivityError as error:
            db.session.rollback()
            form.trainers.errors = [*form.trainers.errors, error.message]
        else:
            db.session.commit()
            flash(_("De lesgevers zijn bewaard."), "success")
            return redirect(url_for("admin.activity", activity_id=activity_id))
    if request.method == "POST":
        status = 422
    return (
        render_template(
            "admin/activity_trainers.html", activity=activity, form=form, people=people
        ),
        status,
    )


def activity_copy(activity_id: int) -> Any:
    source = activity_or_404(activity_id)
    first = source_first_start(source)
    form = CopyForm()
    if request.method == "GET":
        form.title.data = source.title
        if first is not None:
            # The same weekday a year later, as a starting point.
            form.first_day.data = to_local(first).date() + timedelta(weeks=52)
    status = 200
    if form.validate_on_submit():
        try:
            copy = copy_activity(
                source, first_day=form.first_day.data, actor=current_user, title=form.title.data
            )
        except ActivityError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "De nieuwe editie „%(title)s” is aangemaakt als ontwerp. Controleer ze en "
                    "publiceer ze wanneer ze klaar is.",
                    title=copy.title,
                ),
                "success",
            )
            return redirect(url_for("admin.activity", activity_id=copy.id))
        source = activity_or_404(activity_id)
    if request.method == "POST":
        status = 422
    return (
        render_template("admin/activity_copy.html", activity=source, form=form, first=first),
        status,
    )
