"""What a person reads after enrolling or giving something up.

Enrolling (:func:`outcome_message`) says where the person now stands: enrolled, on the
waiting list (and where) or waiting for approval. Withdrawing a request, leaving the
waiting list and cancelling a confirmed seat are three different acts, so each gets its
own sentence (:func:`cancelled_message`; the cancel view picks one by the status
*before*). Shared by every page that enrols: the activity page, the intake step, the
coordinators' and the organisation contacts' pages."""

from __future__ import annotations

from flask_babel import gettext as _

from lms.enrolment import queries
from lms.models import Enrolment, EnrolmentStatus


def cancelled_message(previous: EnrolmentStatus | str, title: str) -> str:
    """The result message for cancelling an enrolment that had status ``previous``."""
    if previous == EnrolmentStatus.PENDING:
        return _("Je aanvraag voor „%(title)s” is ingetrokken.", title=title)
    if previous == EnrolmentStatus.WAITLISTED:
        return _("Je staat niet meer op de wachtlijst voor „%(title)s”.", title=title)
    return _(
        "Je inschrijving voor „%(title)s” is geannuleerd. Je plaats gaat naar iemand anders.",
        title=title,
    )


def outcome_message(enrolment: Enrolment, changed: bool, *, for_self: bool = True) -> str:
    """What a person reads after enrolling (themselves or a colleague)."""
    title = enrolment.activity.title
    name = enrolment.user.name
    status = enrolment.status
    if not changed:
        if for_self:
            return _(
                "Je bent al ingeschreven voor „%(title)s” (%(status)s).",
                title=title,
                status=_(status.label),
            )
        return _(
            "%(name)s is al ingeschreven voor „%(title)s” (%(status)s).",
            name=name,
            title=title,
            status=_(status.label),
        )
    if status == EnrolmentStatus.CONFIRMED:
        if for_self:
            return _(
                "Je bent ingeschreven voor „%(title)s”. Je krijgt een bevestiging per mail.",
                title=title,
            )
        return _("%(name)s is ingeschreven voor „%(title)s”.", name=name, title=title)
    if status == EnrolmentStatus.WAITLISTED:
        position = queries.waitlist_position(enrolment)
        if for_self:
            return _(
                "„%(title)s” is volzet: je staat op de wachtlijst, op plaats %(position)s. "
                "We mailen je zodra er een plaats voor je is.",
                title=title,
                position=position,
            )
        return _(
            "„%(title)s” is volzet: %(name)s staat op de wachtlijst, op plaats %(position)s.",
            title=title,
            name=name,
            position=position,
        )
    if for_self:
        return _(
            "Je aanvraag voor „%(title)s” is verstuurd. Een coördinator van SAM bekijkt ze; "
            "je krijgt een mail zodra er een beslissing is.",
            title=title,
        )
    return _(
        "De aanvraag voor %(name)s is verstuurd; een coördinator van SAM bekijkt ze.",
        name=name,
    )
