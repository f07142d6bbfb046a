"""Mijn organisatie: an organisation contact follows and enrols their own staff.

* ``organisations.staff`` — the contact's staff list (the menu entry "Mijn organisatie");
  ``organisations.organisation_staff`` — the same list by organisation id, for
  coordinators (and for the contact, of their own organisation only);
* ``organisations.person`` — one staff member: hours this year, certificates, every
  enrolment, and a link to their learning record (``certificates.staff_learning_record``);
* ``organisations.enrol`` — enrol a colleague in a published activity, through
  :func:`lms.enrolment.service.enrol_on_behalf` (which binds a contact to their own
  organisation and to every rule a participant has).

No access to other organisations: every URL that takes a user id or an organisation id
answers 403 for someone of another organisation (404 for ids that do not exist).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.access import forbid_unless
from lms.common.timeutil import to_local
from lms.enrolment.messages import outcome_message
from lms.enrolment.queries import waitlist_positions
from lms.enrolment.service import EnrolmentError
from lms.extensions import db
from lms.models import MAX_ID, Enrolment, EnrolmentStatus, Organisation, Role, User, utcnow
from lms.organisations import employer, membership, queries
from lms.organisations.forms import EnrolColleagueForm, SubstituteForm
from lms.reports.charts import meter
from lms.web.access import role_required
from lms.web.errors import flash_refusal


def _get_or_404(model: Any, object_id: int) -> Any:
    found = db.session.get(model, object_id) if 0 < object_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


def _person_or_403(user_id: int) -> User:
    """A staff member the current user may see (coordinators see everyone)."""
    person = _get_or_404(User, user_id)
    forbid_unless(
        current_user.has_role(Role.COORDINATOR) or queries.same_organisation(current_user, person)
    )
    return person


def _staff_page(organisation: Organisation) -> Any:
    overview = queries.staff_overview(organisation)
    return render_template(
        "organisations/staff.html",
        overview=overview,
        organisation=organisation,
        can_enrol=queries.same_organisation(current_user, current_user)
        and current_user.organisation_id == organisation.id,
        requests=membership.pending_members(organisation),
        meter=meter,
    )


@role_required(Role.ORGANISATION_CONTACT)
def staff() -> Any:
    if current_user.organisation_id is None:
        return render_template("organisations/no_organisation.html")
    return _staff_page(current_user.organisation)


@login_required
def organisation_staff(organisation_id: int) -> Any:
    organisation = _get_or_404(Organisation, organisation_id)
    own = (
        current_user.has_role(Role.ORGANISATION_CONTACT)
        and current_user.organisation_id == organisation.id
    )
    forbid_unless(own or current_user.has_role(Role.COORDINATOR))
    return _staff_page(organisation)


@login_required
def person(user_id: int) -> Any:
    person = _person_or_403(user_id)
    members, _target, policy_name = queries.staff_figures([person])
    member = members[0]
    history = queries.enrolment_history(person)
    positions = waitlist_positions(
        e.activity_id for e in history if e.status == EnrolmentStatus.WAITLISTED
    )
    current_ids = {c.enrolment.id for c in member.current}
    return render_template(
        "organisations/person.html",
        person=person,
        member=member,
        policy_name=policy_name,
        current=[c.enrolment for c in member.current],  # soonest first
        past=[e for e in history if e.id not in current_ids],
        positions=positions,
        starts={e.id: e.activity.first_start for e in history},
        can_enrol=queries.same_organisation(current_user, person)
        and person.is_active
        and person.has_role(Role.PARTICIPANT),
        can_cancel=current_user.is_organisation_contact
        and person.organisation_id is not None
        and current_user.organisation_id == person.organisation_id,
        can_end=person.organisation_id is not None
        and membership.may_decide(current_user, person.organisation_id)
        and (current_user.is_coordinator or not person.is_organisation_contact),
        year=to_local(utcnow()).year,
        meter=meter,
    )


def _posted_or_asked_colleague() -> int | None:
    raw = request.form.get("colleague") if request.method == "POST" else request.args.get("collega")
    return int(raw) if raw and raw.isdigit() and int(raw) <= MAX_ID else None


@role_required(Role.ORGANISATION_CONTACT)
def enrol() -> Any:
    if current_user.organisation_id is None:
        return render_template("organisations/no_organisation.html")
    wanted = _posted_or_asked_colleague()
    if wanted:  # someone of another organisation: refused, whatever the form says
        _person_or_403(wanted)
    colleagues = queries.colleagues(current_user)
    activities = queries.open_activities(current_user)
    form = EnrolColleagueForm(colleagues, activities, current_user)
    if request.method == "GET":
        if wanted:
            form.colleague.data = wanted
        asked_activity = request.args.get("activiteit", "")
        if asked_activity.isdigit():
            form.activity.data = int(asked_activity)
    elif form.validate_on_submit():
        colleague = db.session.get(User, form.colleague.data)
        activity = next(i.activity for i in activities if i.activity.id == form.activity.data)
        try:
            enrolment, changed = employer.enrol_for_colleague(
                activity, colleague, contact=current_user
            )
        except EnrolmentError as exc:
            db.session.rollback()
            form.activity.errors = [*form.activity.errors, exc.message]
        else:
            db.session.commit()
            flash(
                outcome_message(enrolment, changed, for_self=colleague.id == current_user.id),
                "success" if changed else "info",
            )
            return redirect(url_for("organisations.person", user_id=colleague.id))
    status = 422 if form.errors else 200
    return render_template(
        "organisations/enrol.html",
        form=form,
        colleagues=colleagues,
        activities=activities,
        title=_("Een collega inschrijven"),
    ), status


# --- Membership: the organisation confirms, declines or ends ------------------------------


def _decide(user_id: int, *, pending: bool) -> tuple[User, int]:
    """The person and the organisation the decision is about, after the checks: a valid
    form, the person exists, and the current user decides for that organisation (a
    coordinator always; a contact for their own organisation, about people whose address
    is confirmed: nobody else is shown to them)."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    person = _get_or_404(User, user_id)
    organisation_id = person.pending_organisation_id if pending else person.organisation_id
    if current_user.is_coordinator:
        return person, organisation_id or 0
    forbid_unless(
        current_user.has_role(Role.ORGANISATION_CONTACT)
        and membership.may_decide(current_user, organisation_id)
        and person.is_verified
        and person.erased_at is None
    )
    return person, organisation_id or 0


def _back(organisation_id: int) -> Any:
    if organisation_id:
        return redirect(
            url_for("organisations.organisation_staff", organisation_id=organisation_id)
        )
    return redirect(url_for("organisations.requests"))


@login_required
def confirm_member(user_id: int) -> Any:
    person, organisation_id = _decide(user_id, pending=True)
    try:
        membership.confirm(person, actor=current_user)
    except membership.MembershipError as exc:
        db.session.rollback()
        flash_refusal(exc)
    else:
        db.session.commit()
        flash(_("%(name)s is bevestigd als medewerker.", name=person.name), "success")
    return _back(organisation_id)


@login_required
def decline_member(user_id: int) -> Any:
    person, organisation_id = _decide(user_id, pending=True)
    try:
        membership.decline(person, actor=current_user)
    except membership.MembershipError as exc:
        db.session.rollback()
        flash_refusal(exc)
    else:
        db.session.commit()
        flash(_("De aanvraag van %(name)s is geweigerd.", name=person.name), "success")
    return _back(organisation_id)


@login_required
def end_member(user_id: int) -> Any:
    person, organisation_id = _decide(user_id, pending=False)
    try:
        membership.end(person, actor=current_user)
    except membership.MembershipError as exc:
        db.session.rollback()
        flash_refusal(exc)
        if person.organisation_id is not None:
            return redirect(url_for("organisations.person", user_id=person.id))
    else:
        db.session.commit()
        flash(
            _("%(name)s is geen medewerker van de organisatie meer.", name=person.name), "success"
        )
    return _back(organisation_id)


# --- Coordinators: organisations people could not find -------------------------------------


@role_required(Role.COORDINATOR)
def requests() -> Any:
    return render_template(
        "organisations/requests.html",
        unlisted=membership.unlisted_requests(),
        pending=membership.all_pending_members(),
        organisations=membership.all_organisations(),
    )


@role_required(Role.COORDINATOR)
def resolve_request(user_id: int) -> Any:
    """``action`` = ``link`` (``organisation`` id), ``create`` (``name``) or ``dismiss``."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    person = _get_or_404(User, user_id)
    action = request.form.get("action", "")
    organisation = None
    new_name = None
    if action == "link":
        raw = request.form.get("organisation", "")
        organisation = _get_or_404(Organisation, int(raw)) if raw.isdigit() else None
        if organisation is None:
            flash(_("Kies een organisatie uit de lijst."), "error")
            return redirect(url_for("organisations.requests"))
    elif action == "create":
        new_name = request.form.get("name", "")
    elif action != "dismiss":
        abort(400)
    try:
        result = membership.resolve_unlisted(
            person, actor=current_user, organisation=organisation, new_name=new_name
        )
    except membership.MembershipError as exc:
        db.session.rollback()
        flash_refusal(exc)
        return redirect(url_for("organisations.requests"))
    db.session.commit()
    if result is None:
        flash(_("De aanvraag van %(name)s is afgewezen.", name=person.name), "success")
    else:
        flash(
            _(
                "%(name)s is nu lid van %(organisation)s.",
                name=person.name,
                organisation=result.name,
            ),
            "success",
        )
    return redirect(url_for("organisations.requests"))


# --- Contacts: cancel a colleague's enrolment ----------------------------------------------


def _colleague_enrolment_or_404(enrolment_id: int) -> Any:
    """An enrolment of a confirmed member of the contact's own organisation.

    Anyone else's enrolment answers 404, exactly like an id that does not exist, so the
    URL tells nothing about people of other organisations.
    """
    enrolment = _get_or_404(Enrolment, enrolment_id)
    person = enrolment.user
    if (
        current_user.organisation_id is None
        or person.organisation_id != current_user.organisation_id
    ):
        abort(404)
    return enrolment


@role_required(Role.ORGANISATION_CONTACT)
def cancel_colleague(enrolment_id: int) -> Any:
    """Cancel a colleague's enrolment under the participant's own rules (deadline, waiting
    list), through :func:`lms.enrolment.service.cancel_on_behalf`, the one cancel path."""
    enrolment = _colleague_enrolment_or_404(enrolment_id)
    person = enrolment.user
    title = enrolment.activity.title
    try:
        employer.cancel_for_colleague(enrolment, contact=current_user)
    except EnrolmentError as exc:
        db.session.rollback()
        flash_refusal(exc)
    else:
        db.session.commit()
        flash(
            _(
                "De inschrijving van %(name)s voor „%(title)s” is geannuleerd.",
                name=person.name,
                title=title,
            ),
            "success",
        )
    return redirect(url_for("organisations.person", user_id=person.id))


# --- Contacts: a colleague goes in someone's place ("vervanging") ---------------------------


@role_required(Role.ORGANISATION_CONTACT)
def substitute_colleague(enrolment_id: int) -> Any:
    """Give a colleague's confirmed seat to another colleague: the same seat, both told,
    the calendar invitation moves (:func:`lms.enrolment.service.substitute` decides)."""
    enrolment = _colleague_enrolment_or_404(enrolment_id)
    person = enrolment.user
    activity = enrolment.activity
    candidates = [
        colleague
        for colleague in queries.colleagues(current_user)
        if colleague.id != person.id and colleague.is_verified
    ]
    form = SubstituteForm(candidates)
    if form.validate_on_submit():
        replacement = db.session.get(User, form.replacement.data)
        try:
            employer.substitute_colleague(enrolment, replacement, contact=current_user)
        except EnrolmentError as exc:
            db.session.rollback()
            form.replacement.errors = [*form.replacement.errors, exc.message]
        else:
            db.session.commit()
            flash(
                _(
                    "%(new)s neemt de plaats van %(old)s in „%(title)s” over. Allebei kregen "
                    "ze een mail.",
                    new=replacement.name,
                    old=person.name,
                    title=activity.title,
                ),
                "success",
            )
            return redirect(url_for("organisations.person", user_id=replacement.id), code=303)
    return render_template(
        "organisations/substitute.html",
        form=form,
        enrolment=enrolment,
        person=person,
        activity=activity,
        candidates=candidates,
        start=activity.first_start,
    ), (422 if form.errors else 200)
