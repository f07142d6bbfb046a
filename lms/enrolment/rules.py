"""The enrolment rules as pure functions: who may enrol, when, and until when one may cancel.

No database here: :mod:`lms.enrolment.service` applies these under its lock, and
:mod:`lms.enrolment.queries` uses the same functions to label the button on the activity
page, so the page never promises what the service would refuse. Every refusal is a Dutch
sentence the person reads as it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import has_request_context
from flask_babel import gettext

from lms.common.timeutil import format_datetime
from lms.models import Activity, ActivityKind, ActivityStatus, Role


def _(text: str, **values: Any) -> str:
    """``gettext`` that also works outside a request (CLI, mail worker, demo): there the
    Dutch message id is the text (the locale selector needs a request)."""
    if has_request_context():
        return gettext(text, **values)
    return text % values if values else text


def status_refusal(activity: Activity) -> str | None:
    """Why nobody can enrol in (or leave) the activity in its current status."""
    if activity.status == ActivityStatus.PUBLISHED:
        return None
    if activity.status == ActivityStatus.DRAFT:
        return _("Deze activiteit is nog niet gepubliceerd; inschrijven kan nog niet.")
    if activity.status == ActivityStatus.CANCELLED:
        return _("Deze activiteit is geannuleerd; inschrijven kan niet meer.")
    return _("Deze activiteit is gearchiveerd; inschrijven kan niet meer.")


def window_refusal(activity: Activity, now: datetime) -> str | None:
    """Why a participant cannot enrol right now (enrolment window, activity over)."""
    if activity.enrolment_opens_at is not None and now < activity.enrolment_opens_at:
        return _(
            "De inschrijvingen openen op %(when)s.",
            when=format_datetime(activity.enrolment_opens_at),
        )
    if activity.enrolment_closes_at is not None and now >= activity.enrolment_closes_at:
        return _(
            "De inschrijvingen zijn gesloten sinds %(when)s.",
            when=format_datetime(activity.enrolment_closes_at),
        )
    end = activity.last_end
    if end is not None and now >= end:
        return _("Deze activiteit is voorbij; inschrijven kan niet meer.")
    return None


def person_refusal(activity: Activity, user: Any) -> str | None:
    """Why this person cannot be enrolled by themselves or by their organisation."""
    if not user.is_active:
        return _("Dit account is niet actief; inschrijven kan niet.")
    if getattr(user, "email_verified_at", True) is None:
        return _("Bevestig eerst je e-mailadres via de link in je mail; daarna kan je inschrijven.")
    if not user.has_role(Role.PARTICIPANT):
        return _(
            "Alleen deelnemers kunnen zich inschrijven. Vraag SAM om de rol deelnemer "
            "aan je account toe te voegen."
        )
    if activity.parent_id is not None:
        parent = activity.parent
        return _(
            "Dit is een module van „%(programme)s”. Schrijf je in voor de hele opleiding; "
            "dan volg je alle modules.",
            programme=parent.title if parent is not None else _("de beroepsopleiding"),
        )
    if activity.kind == ActivityKind.CUSTOM:
        if activity.organisation_id is None:
            return _(
                "Deze leeractiviteit op maat is besloten: je neemt deel op uitnodiging van SAM."
            )
        if user.organisation_id != activity.organisation_id:
            return _(
                "Deze leeractiviteit wordt op maat georganiseerd voor één organisatie; "
                "alleen haar medewerkers kunnen inschrijven."
            )
    return None


def colleague_refusal(actor: Any, user: Any) -> str | None:
    """Why an organisation contact may not enrol ``user`` (only own colleagues)."""
    if not actor.has_role(Role.ORGANISATION_CONTACT) or actor.organisation_id is None:
        return _("Je kan alleen jezelf inschrijven.")
    if user.organisation_id != actor.organisation_id:
        return _("Je kan alleen collega's van je eigen organisatie inschrijven.")
    return None


def cancel_refusal(activity: Activity, now: datetime) -> str | None:
    """Why a participant can no longer give up a confirmed seat themselves."""
    deadline = activity.cancellation_deadline
    if deadline is not None and now >= deadline:
        return _(
            "De annuleringstermijn liep af op %(when)s. Wil je toch annuleren, neem dan "
            "contact op met SAM.",
            when=format_datetime(deadline),
        )
    start = activity.first_start
    if start is not None and now >= start:
        return _(
            "Deze activiteit is al begonnen. Wil je toch stoppen, neem dan contact op met SAM."
        )
    return None


def offer_deadline(activity: Activity, now: datetime) -> datetime | None:
    """Until when a freed seat offered now may be accepted: ``offer_hours`` from now, but
    never after the enrolment window closes or the first session starts. None when that
    moment has already passed (then no offer is made)."""
    limits = [now + timedelta(hours=activity.offer_hours or 48)]
    if activity.enrolment_closes_at is not None:
        limits.append(activity.enrolment_closes_at)
    start = activity.first_start
    if start is not None:
        limits.append(start)
    deadline = min(limits)
    return deadline if deadline > now else None


def rejected_refusal(enrolment: Any) -> str:
    """Why someone whose request was rejected cannot simply ask again."""
    if enrolment.reason:
        return _(
            "Je aanvraag werd niet aanvaard: %(reason)s Neem contact op met SAM als je toch "
            "wil deelnemen.",
            reason=enrolment.reason.rstrip(".") + ".",
        )
    return _("Je aanvraag werd niet aanvaard. Neem contact op met SAM als je toch wil deelnemen.")


def full_refusal() -> str:
    return _("Deze activiteit is volzet en heeft geen wachtlijst.")
