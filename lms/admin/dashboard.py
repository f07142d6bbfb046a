"""What needs a coordinator's attention, for the dashboard (``admin.dashboard``): one
summary put together from the features' own queries, each one or two grouped queries,
whatever the size of the offer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lms.activities.offer import StartingSoon, offer_counts, starting_soon_without_trainer
from lms.attendance.todo import coordinator_todo
from lms.certificates.overview import issuing_overview
from lms.enrolment.lists import (
    FreeSeats,
    PendingRequests,
    free_seats_while_waiting,
    pending_requests,
)
from lms.mail.queue import status_counts
from lms.models import MailStatus

#: At most this many activities per list on the dashboard (the full lists are linked).
LIMIT = 8


@dataclass
class Attention:
    pending: list[PendingRequests] = field(default_factory=list)
    pending_total: int = 0
    without_trainer: list[StartingSoon] = field(default_factory=list)
    failed_mails: int = 0
    queued_mails: int = 0
    free_seats: list[FreeSeats] = field(default_factory=list)
    certificates: list = field(default_factory=list)  # lms.certificates.overview.ActivityIssuing
    published_upcoming: int = 0
    drafts: int = 0
    #: What still has to be done so attendance and certificates add up
    #: (lms.attendance.todo.TodoList).
    todo: object = None

    @property
    def nothing(self) -> bool:
        return not (
            self.pending
            or self.without_trainer
            or self.failed_mails
            or self.free_seats
            or self.certificates
            or (self.todo is not None and not self.todo.empty)
        )


def attention(now: datetime) -> Attention:
    result = Attention()
    result.pending, result.pending_total = pending_requests(LIMIT)
    result.without_trainer = starting_soon_without_trainer(now, LIMIT)
    counts = status_counts()
    result.failed_mails = counts[MailStatus.FAILED]
    result.queued_mails = counts[MailStatus.QUEUED] + counts[MailStatus.SENDING]
    result.free_seats = free_seats_while_waiting(now, LIMIT)
    result.certificates = issuing_overview(now=now).waiting[:LIMIT]
    result.published_upcoming, result.drafts = offer_counts(now)
    result.todo = coordinator_todo(now)
    return result
