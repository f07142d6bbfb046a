"""What an organisation contact does for a colleague, with a copy to the contact.

The rules stay where they are: cancelling goes through
:func:`lms.enrolment.service.cancel_on_behalf` (the participant's deadlines, the waiting
list, the audit entry and the colleague's own mail). This module adds only what is the
contact's: a confirmation mail of what they did, so they keep a record outside the site.
A substitution ("vervanging") is :func:`lms.enrolment.service.substitute`'s.
"""

from __future__ import annotations

from lms.common.urls import absolute_url
from lms.enrolment import service as enrolment_service
from lms.enrolment.service import Outcome
from lms.mail.outbox import queue_mail
from lms.models import Activity, Enrolment, EnrolmentStatus, User


def cancel_for_colleague(enrolment: Enrolment, *, contact: User) -> Enrolment:
    """Cancel ``enrolment`` for a colleague and mail the contact a copy.

    Raises :class:`lms.enrolment.service.EnrolmentError` when the participant's rules
    refuse (nothing is written then). Cancelling what was already cancelled sends nothing.
    """
    was_cancelled = enrolment.status == EnrolmentStatus.CANCELLED
    result = enrolment_service.cancel_on_behalf(enrolment, actor=contact)
    if not was_cancelled and result.status == EnrolmentStatus.CANCELLED:
        tell_contact(contact, "cancelled", result.user, result.activity.title)
    return result


def enrol_for_colleague(activity: Activity, colleague: User, *, contact: User) -> Outcome:
    """Enrol ``colleague`` through :func:`lms.enrolment.service.enrol_on_behalf` (every
    participant rule binds) and mail the contact a copy when something changed."""
    outcome = enrolment_service.enrol_on_behalf(activity, colleague, actor=contact)
    if outcome.changed and colleague.id != contact.id:
        tell_contact(
            contact,
            "enrolled",
            colleague,
            activity.title,
            status=_STATUS_WORDS.get(outcome.enrolment.status, ""),
        )
    return outcome


def substitute_colleague(enrolment: Enrolment, replacement: User, *, contact: User) -> Enrolment:
    """``replacement`` takes over the confirmed seat of ``enrolment`` through
    :func:`lms.enrolment.service.substitute` (the rules, the lock, both mails and the
    calendar); the contact gets a copy. Returns the replacement's enrolment."""
    leaving = enrolment.user
    result = enrolment_service.substitute(enrolment, replacement, actor=contact)
    tell_contact(
        contact,
        "substituted",
        leaving,
        result.taken.activity.title,
        replacement=replacement.name,
    )
    return result.taken


def tell_contact(
    contact: User,
    action: str,
    colleague: User | str,
    activity_title: str,
    *,
    status: str = "",
    replacement: str = "",
    person_url: str | None = None,
) -> None:
    """Queue the contact's copy (``templates/mail/contact_copy.txt``; Dutch, like every
    mail). ``action`` is one of the verbs that template knows; ``colleague`` a user or,
    for someone without an account page yet, a name (with ``person_url=""``)."""
    if not contact.is_active:
        return
    name = colleague if isinstance(colleague, str) else colleague.name
    queue_mail(
        kind="contact_copy",
        to=contact,
        subject=f"Bevestiging: {_SUBJECTS[action]} voor {name}",
        context={
            "first_name": contact.first_name,
            "action": action,
            "colleague": name,
            "activity": activity_title,
            "status": status,
            "replacement": replacement,
            "person_url": person_url
            if person_url is not None or isinstance(colleague, str)
            else absolute_url("organisations.person", user_id=colleague.id),
        },
    )


_SUBJECTS = {
    "cancelled": "inschrijving geannuleerd",
    "enrolled": "collega ingeschreven",
    "substituted": "vervanging",
    "invited": "uitnodiging verstuurd",
}
_STATUS_WORDS = {
    EnrolmentStatus.CONFIRMED: "ingeschreven",
    EnrolmentStatus.WAITLISTED: "op de wachtlijst",
    EnrolmentStatus.PENDING: "aanvraag, SAM beslist",
}
