"""What a person reads after giving something up: withdrawing a request, leaving the
waiting list and cancelling a confirmed seat are three different acts, so each gets its
own sentence (lms/enrolment/routes.py ``cancel`` picks one by the status *before*)."""

from __future__ import annotations

from flask_babel import gettext as _

from lms.models import EnrolmentStatus


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
