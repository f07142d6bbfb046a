"""One vocabulary of statuses (``lms/common/vocabulary.py``): the words of an enrolment and its
result.

Every page and mail takes them from there; here the words themselves, in Dutch and in
English, and that the progress state of the policy has no words of its own.
"""

from __future__ import annotations

from flask_babel import force_locale

from lms.common.vocabulary import Label, enrolment_label, state_label
from lms.models import EnrolmentStatus
from lms.policy.evaluation import State


def test_each_status_reads_one_way(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        assert enrolment_label(EnrolmentStatus.CONFIRMED) == Label("Ingeschreven", "ok")
        assert enrolment_label(EnrolmentStatus.CONFIRMED).inline == "ingeschreven"
        assert enrolment_label("pending") == Label("Aangevraagd", "muted")
        assert enrolment_label(EnrolmentStatus.WAITLISTED) == Label("Wachtlijst", "warn")
        assert enrolment_label(EnrolmentStatus.WAITLISTED, position=2).text == (
            "Wachtlijst – plaats 2"
        )
        assert enrolment_label(EnrolmentStatus.REJECTED) == Label("Niet aanvaard", "danger")
        assert enrolment_label(EnrolmentStatus.CANCELLED).text == "Geannuleerd"
        assert enrolment_label(EnrolmentStatus.WAITLISTED, has_offer=True).text == (
            "Plaats vrij voor jou"
        )
        assert enrolment_label(EnrolmentStatus.CONFIRMED, activity_cancelled=True).text == (
            "Activiteit geannuleerd"
        )
        with force_locale("en"):
            assert enrolment_label(EnrolmentStatus.CONFIRMED).text == "Enrolled"


def test_each_result_reads_one_way_and_the_policy_uses_the_same_words(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        assert [state_label(s).text for s in State] == [
            "Geslaagd",
            "Nog haalbaar",
            "Niet meer haalbaar",
            "Wacht op aanwezigheden",
        ]
        assert state_label(State.INCOMPLETE).tone == "warn"
        for state in State:
            assert state_label(state).text.lower() == state.label
