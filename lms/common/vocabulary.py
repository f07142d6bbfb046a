"""The one vocabulary of statuses: the words people read for an enrolment and its result.

An enrolment has a status (``pending``, ``confirmed``, …: :class:`lms.models.EnrolmentStatus`)
and, once attendance is recorded, a result under the learning policy (``eligible``,
``possible``, ``impossible``, ``incomplete``: :class:`lms.policy.evaluation.State`). Every
page and mail that shows either takes its words here, so one enrolment never reads
"Gevolgd" on one page and "Ingeschreven" on another: :func:`enrolment_label` for the status
(with the waiting-list place, an offered seat or a cancelled activity), :func:`state_label`
for the result. Each :class:`Label` carries a tone (``ok``, ``warn``, ``muted``, ``danger``)
that templates turn into the badge's colour (``templates/_status.html``).

The words are Dutch message ids (:func:`lms.i18n.N_`), translated when a label is made, in
the reader's language. This module imports the schema only: every feature can use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from lms.models import EnrolmentStatus
from lms.models.enrolment import STATUS_LABELS
from lms.models.markers import N_

#: A result under the learning policy (the values of ``lms.policy.evaluation.State``).
STATE_LABELS = {
    "eligible": N_("geslaagd"),
    "possible": N_("nog haalbaar"),
    "impossible": N_("niet meer haalbaar"),
    "incomplete": N_("wacht op aanwezigheden"),
}
STATE_TONES = {"eligible": "ok", "possible": "warn", "impossible": "danger", "incomplete": "warn"}

#: The document a certificate is (its snapshot's ``document``), translated where shown.
DOCUMENT_LABELS = {"attest": N_("attest"), "diploma": N_("diploma")}

STATUS_TONES = {
    EnrolmentStatus.PENDING: "muted",
    EnrolmentStatus.CONFIRMED: "ok",
    EnrolmentStatus.WAITLISTED: "warn",
    EnrolmentStatus.CANCELLED: "muted",
    EnrolmentStatus.REJECTED: "danger",
}


@dataclass(frozen=True)
class Label:
    """What a person reads (translated, capitalised) and the tone of its badge."""

    text: str
    tone: str

    def __str__(self) -> str:
        return self.text

    @property
    def inline(self) -> str:
        """The label inside a sentence ("Jij: ingeschreven", "Je inschrijving: wachtlijst")."""
        return self.text[:1].lower() + self.text[1:]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def state_label(state: str) -> Label:
    """The result under the learning policy: ``Geslaagd``, ``Nog haalbaar``, …"""
    value = str(getattr(state, "value", state))
    return Label(_capital(_(STATE_LABELS[value])), STATE_TONES[value])


def enrolment_label(
    status: EnrolmentStatus | str,
    *,
    position: int | None = None,
    has_offer: bool = False,
    activity_cancelled: bool = False,
) -> Label:
    """The status of an enrolment as people read it, everywhere.

    ``position`` is the waiting-list place (``Wachtlijst – plaats 2``); ``has_offer`` a seat
    offered to this person; ``activity_cancelled`` an activity SAM cancelled (which says more
    than the enrolment's own status).
    """
    status = EnrolmentStatus(getattr(status, "value", status))
    if has_offer:
        return Label(_("Plaats vrij voor jou"), "warn")
    if activity_cancelled and status != EnrolmentStatus.REJECTED:
        return Label(_("Activiteit geannuleerd"), "danger")
    if status == EnrolmentStatus.WAITLISTED and position:
        return Label(_("Wachtlijst – plaats %(n)s", n=position), "warn")
    return Label(_capital(_(STATUS_LABELS[status])), STATUS_TONES[status])
