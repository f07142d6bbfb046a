"""Enrolling with the answers to the activity's intake questions.

The answers are checked (:func:`lms.intake.service.clean_answers`) before anything is
written, then :func:`lms.enrolment.service.enrol` applies every enrolment rule and the
answers are kept with the enrolment, in the caller's transaction: a refused enrolment
keeps no answers and an enrolment never lacks a required one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms.enrolment import service
from lms.intake import service as intake
from lms.models import Activity, Enrolment, User


def enrol_with_answers(
    activity: Activity, user: User, raw: Mapping[Any, Any], **enrol_options: Any
) -> tuple[Enrolment, bool]:
    """Raises :class:`lms.intake.service.InvalidAnswersError` (nothing written) when an
    answer is missing or invalid, :class:`lms.enrolment.service.EnrolmentError` as
    enrolling does."""
    answers = intake.clean_answers(activity, raw)
    enrolment, changed = service.enrol(activity, user, **enrol_options)
    if changed:
        intake.save_answers(enrolment, answers)
    return enrolment, changed
