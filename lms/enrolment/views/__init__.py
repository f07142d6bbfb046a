"""Enrolment pages: enrol, cancel (with a confirmation step), Mijn inschrijvingen, offers.

Thin: a form in, :mod:`lms.enrolment.service` decides, one commit (or a rollback and the
service's Dutch message as a flash). The activity page (``GET /activities/<id>``,
:func:`activity`) is the enrolment feature's too: its heart is the one button whose label
follows the person's state.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.access import can_manage_activity, forbid_unless
from lms.activities.queries import activity_with_sessions
from lms.catalog.page_cache import shared_response, visitor_version
from lms.enrolment import billing, queries, rules, service
from lms.enrolment.forms import ActionForm, ColleagueForm, InvoiceForm
from lms.enrolment.messages import cancelled_message, outcome_message
from lms.enrolment.pricing import pays_member_price, price_for
from lms.enrolment.service import EnrolmentError
from lms.enrolment.with_answers import enrol_with_answers
from lms.extensions import db
from lms.intake import queries as intake_queries
from lms.intake import service as intake_service
from lms.intake.queries import has_questions as has_intake_questions
from lms.intake.service import InvalidAnswersError
from lms.models import Activity, ActivityStatus, Enrolment, EnrolmentStatus, Role, User, utcnow
from lms.web import confirmation
from lms.web.errors import flash_refusal

MAX_ID = 2**31 - 1


def _activity_or_404(activity_id: int) -> Activity:
    """The activity; a draft only for those who manage it (like its page): to anyone
    else a draft's id answers as if it did not exist."""
    activity = db.session.get(Activity, activity_id) if activity_id <= MAX_ID else None
    if activity is None or (
        activity.status == ActivityStatus.DRAFT and not can_manage_activity(current_user, activity)
    ):
        abort(404)
    return activity


def _own_enrolment(enrolment_id: int) -> Enrolment:
    """The enrolment, if it is the current user's (404 unknown, 403 someone else's)."""
    enrolment = db.session.get(Enrolment, enrolment_id) if enrolment_id <= MAX_ID else None
    if enrolment is None:
        abort(404)
    forbid_unless(enrolment.user_id == current_user.id)
    return enrolment


def _back_to(activity_id: int) -> Any:
    return redirect(url_for("enrolment.activity", activity_id=activity_id) + "#inschrijven")


@login_required
def enrol(activity_id: int) -> Any:
    """Enrol oneself (the one button of the activity page). GET (after logging in from a
    POST) goes back to the activity page, where the button is."""
    activity = _activity_or_404(activity_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _back_to(activity.id)
    if has_intake_questions(activity.id) and price_for(activity, current_user) <= 0:
        # The activity asks questions first (lms/enrolment/views/intake.py enrols).
        return redirect(url_for("intake_answers.form", activity_id=activity.id), code=303)
    if price_for(activity, current_user) > 0:
        # A paid enrolment needs the person's agreement on amount, terms and invoice.
        return redirect(url_for("enrolment.confirm_paid", activity_id=activity.id), code=303)
    try:
        enrolment, changed = service.enrol(activity, current_user)
    except EnrolmentError as exc:
        db.session.rollback()
        flash_refusal(exc)
        return _back_to(activity_id)
    db.session.commit()
    flash(outcome_message(enrolment, changed), "success" if changed else "info")
    return _back_to(activity_id)


@login_required
def confirm_paid(activity_id: int) -> Any:
    """The one confirmation step of a paid enrolment: the amount, the cancellation terms
    and whom to invoice (prefilled from last time or the confirmed membership); the
    details are remembered for next time. A free activity has no such step."""
    activity = _activity_or_404(activity_id)
    amount = price_for(activity, current_user)
    existing = queries.enrolment_for(current_user.id, activity.id)
    if amount <= 0 or (existing is not None and existing.is_active):
        return _back_to(activity.id)
    form = InvoiceForm()
    questions = intake_queries.questions_for(activity.id)
    answers = intake_queries.previous_answers(current_user.id, activity.id)
    answer_errors: dict[int, str] = {}
    if request.method == "GET":
        defaults = billing.default_details(current_user)
        form.invoice_to.data = defaults.invoice_to
        form.organisation_name.data = defaults.organisation_name
        form.reference.data = defaults.reference
        form.billing_email.data = defaults.billing_email
    else:
        answers = {q.id: request.form.get(f"q{q.id}", "") for q in questions}
    if request.method == "POST" and form.validate_on_submit():
        try:
            details = billing.clean_details(
                form.invoice_to.data,
                form.organisation_name.data,
                form.reference.data,
                form.billing_email.data,
            )
            # The intake questions bind here as on every other path (with_answers.py).
            enrolment, changed = enrol_with_answers(
                activity, current_user, {str(k): v for k, v in answers.items()}, invoice=details
            )
        except billing.InvalidInvoiceDetailsError as exc:
            form.billing_email.errors = [*form.billing_email.errors, exc.message]
            answer_errors = _answer_errors(activity, answers)
        except InvalidAnswersError as exc:
            db.session.rollback()
            answer_errors = exc.errors
        except EnrolmentError as exc:
            db.session.rollback()
            flash_refusal(exc)
            return _back_to(activity_id)
        else:
            billing.remember(current_user, details)
            db.session.commit()
            flash(outcome_message(enrolment, changed), "success" if changed else "info")
            return _back_to(activity_id)
    elif request.method == "POST":
        answer_errors = _answer_errors(activity, answers)
    return render_template(
        "enrolment/confirm_paid.html",
        activity=activity,
        amount=amount,
        member_price=pays_member_price(current_user),
        terms=billing.cancellation_terms(activity),
        form=form,
        questions=questions,
        answers=answers,
        answer_errors=answer_errors,
    )


def _answer_errors(activity: Activity, answers: dict[int, str]) -> dict[int, str]:
    """What is wrong with the answers (question id → Dutch message), so a refused
    invoice form also says which answers are missing; nothing is written."""
    try:
        intake_service.clean_answers(activity, {str(k): v for k, v in answers.items()})
    except InvalidAnswersError as exc:
        return exc.errors
    return {}


def colleagues_of(user: User) -> list[User]:
    """The active participants of the contact's organisation, the contact left out (the
    contact enrols themselves with the page's own button)."""
    from lms.organisations.queries import colleagues

    return [colleague for colleague in colleagues(user) if colleague.id != user.id]


def activity(activity_id: int) -> Any:
    """The activity page: what, when, where, the places left and the one button whose
    label follows the person's state (:func:`lms.enrolment.queries.action_state`).

    For visitors who are not signed in it is the same for all of them and kept whole in
    front of Flask (lms.catalog.page_cache), with an ETag, until the offer's version
    changes or the clock passes a moment the page shows."""
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
        colleagues = colleagues_of(current_user)
        if colleagues:
            colleague_form = ColleagueForm(colleagues)
    modules = []
    if item.is_programme:
        modules = [m for m in item.modules if m.status != ActivityStatus.DRAFT]
    html = render_template(
        "enrolment/activity.html",
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
        first_start=item.first_start,
        last_end=item.last_end,
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


@login_required
def enrol_colleague(activity_id: int) -> Any:
    """An organisation contact enrols a colleague of their own organisation."""
    activity = _activity_or_404(activity_id)
    forbid_unless(current_user.has_role(Role.ORGANISATION_CONTACT))
    form = ColleagueForm(colleagues_of(current_user))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _back_to(activity_id)
    colleague = db.session.get(User, form.colleague.data)
    try:
        enrolment, changed = service.enrol_on_behalf(activity, colleague, actor=current_user)
    except EnrolmentError as exc:
        db.session.rollback()
        flash_refusal(exc)
        return _back_to(activity_id)
    db.session.commit()
    flash(outcome_message(enrolment, changed, for_self=False), "success" if changed else "info")
    return _back_to(activity_id)


@login_required
def mine() -> Any:
    overview = queries.my_overview(current_user)
    return render_template(
        "enrolment/mine.html", overview=overview, form=ActionForm(), now=utcnow()
    )


@login_required
def cancel(enrolment_id: int) -> Any:
    """Cancel one's own enrolment, after a confirmation step."""
    enrolment = _own_enrolment(enrolment_id)
    activity = enrolment.activity
    form = ActionForm()
    if form.validate_on_submit():
        previous = enrolment.status
        try:
            service.cancel(activity, current_user)
        except EnrolmentError as exc:
            db.session.rollback()
            flash_refusal(exc)
            return redirect(url_for("enrolment.mine"))
        db.session.commit()
        flash(cancelled_message(previous, activity.title), "success")
        return redirect(url_for("enrolment.mine"))
    if not enrolment.is_active:
        flash(_("Deze inschrijving is al geannuleerd of afgesloten."), "info")
        return redirect(url_for("enrolment.mine"))
    now = utcnow()
    refusal = None
    from lms.enrolment import rules

    if enrolment.status == EnrolmentStatus.CONFIRMED:
        refusal = rules.cancel_refusal(activity, now)
    if enrolment.programme_enrolment_id is not None:
        refusal = rules.person_refusal(activity, current_user) or refusal
    return render_template(
        "enrolment/cancel.html",
        enrolment=enrolment,
        activity=activity,
        position=queries.waitlist_position(enrolment),
        refusal=refusal,
        form=form,
    )


@login_required
def accept(enrolment_id: int) -> Any:
    """Take a seat offered from the waiting list (from Mijn inschrijvingen)."""
    enrolment = _own_enrolment(enrolment_id)
    form = ActionForm()
    if form.validate_on_submit():
        return _accept(enrolment, current_user, redirect(url_for("enrolment.mine")))
    return redirect(url_for("enrolment.mine"))


@login_required
def decline(enrolment_id: int) -> Any:
    enrolment = _own_enrolment(enrolment_id)
    form = ActionForm()
    if form.validate_on_submit():
        return _decline(enrolment, current_user, redirect(url_for("enrolment.mine")))
    return redirect(url_for("enrolment.mine"))


def _accept(enrolment: Enrolment, actor: User, target: Any) -> Any:
    title = enrolment.activity.title
    try:
        service.accept_offer(enrolment, actor=actor)
    except EnrolmentError as exc:
        db.session.commit()  # an offer found expired under the lock is passed on
        flash_refusal(exc)
        return target
    db.session.commit()
    flash(_("Je bent ingeschreven voor „%(title)s”. Welkom!", title=title), "success")
    return target


def _decline(enrolment: Enrolment, actor: User, target: Any) -> Any:
    title = enrolment.activity.title
    page = confirmation.ask(
        title=_("Je plaats in „%(title)s” doorgeven?", title=title),
        consequence=_(
            "De plaats gaat meteen naar de volgende op de wachtlijst. Je kunt ze daarna "
            "niet meer terugnemen."
        ),
        button=_("Ja, plaats doorgeven"),
        back_url=request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("enrolment.mine"),
        back_label=_("Nee, terug"),
    )
    if page is not None:
        return page
    try:
        service.decline_offer(enrolment, actor=actor)
    except EnrolmentError as exc:
        db.session.commit()
        flash_refusal(exc)
        return target
    db.session.commit()
    flash(
        _(
            "Je gaf de plaats in „%(title)s” door aan de volgende op de wachtlijst.",
            title=title,
        ),
        "info",
    )
    return target


def offer(token: str) -> Any:
    """The mailed link of an offered seat: the token is the key (no login needed).

    GET only shows the offer (mail scanners open links); accepting or declining is a POST.
    """
    enrolment = queries.enrolment_by_offer_token(token)
    now = utcnow()
    if enrolment is None:
        return render_template("enrolment/offer_invalid.html"), 404
    form = ActionForm()
    if form.validate_on_submit():
        target = redirect(url_for("enrolment.offer_done", activity_id=enrolment.activity_id))
        from flask import request

        if request.form.get("choice") == "decline":
            return _decline(enrolment, enrolment.user, target)
        return _accept(enrolment, enrolment.user, target)
    expired = enrolment.offer_expires_at is None or enrolment.offer_expires_at <= now
    return render_template(
        "enrolment/offer.html",
        enrolment=enrolment,
        activity=enrolment.activity,
        sessions=service.mail_sessions(enrolment.activity),
        expired=expired,
        form=form,
    ), (410 if expired else 200)


def offer_done(activity_id: int) -> Any:
    """Where the offer page sends one after choosing: the flash says what happened."""
    activity = _activity_or_404(activity_id)
    return render_template("enrolment/offer_done.html", activity=activity)
