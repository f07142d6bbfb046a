"""Reading intake questions and answers (no writes: :mod:`lms.intake.service` writes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import select

from lms.extensions import db
from lms.models import Enrolment, IntakeAnswer, IntakeQuestion


class AnswerRow(NamedTuple):
    question_id: int
    label: str
    value: str


def questions_for(activity_id: int) -> list[IntakeQuestion]:
    """The activity's questions in the order the coordinator gave them."""
    return list(
        db.session.scalars(
            select(IntakeQuestion)
            .where(IntakeQuestion.activity_id == activity_id)
            .order_by(IntakeQuestion.position, IntakeQuestion.id)
        )
    )


def has_questions(activity_id: int) -> bool:
    return (
        db.session.scalar(
            select(IntakeQuestion.id).where(IntakeQuestion.activity_id == activity_id).limit(1)
        )
        is not None
    )


def has_required_questions(activity_id: int) -> bool:
    """Whether the activity asks a question that must be answered before enrolling."""
    return (
        db.session.scalar(
            select(IntakeQuestion.id)
            .where(IntakeQuestion.activity_id == activity_id, IntakeQuestion.required.is_(True))
            .limit(1)
        )
        is not None
    )


def previous_answers(user_id: int, activity_id: int) -> dict[int, str]:
    """What the person answered last time (their enrolment row is reused after a cancel)."""
    rows = db.session.execute(
        select(IntakeAnswer.question_id, IntakeAnswer.value)
        .join(Enrolment, Enrolment.id == IntakeAnswer.enrolment_id)
        .where(Enrolment.user_id == user_id, Enrolment.activity_id == activity_id)
    )
    return dict(rows.all())


def answers_by_enrolment(enrolment_ids: Iterable[int]) -> dict[int, list[AnswerRow]]:
    """Answers of several enrolments in one query, in question order."""
    ids = sorted(set(enrolment_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            IntakeAnswer.enrolment_id, IntakeQuestion.id, IntakeQuestion.label, IntakeAnswer.value
        )
        .join(IntakeQuestion, IntakeQuestion.id == IntakeAnswer.question_id)
        .where(IntakeAnswer.enrolment_id.in_(ids))
        .order_by(IntakeAnswer.enrolment_id, IntakeQuestion.position, IntakeQuestion.id)
    )
    result: dict[int, list[AnswerRow]] = {}
    for enrolment_id, question_id, label, value in rows:
        result.setdefault(enrolment_id, []).append(AnswerRow(question_id, label, value))
    return result


def answers_of_user(user_id: int) -> list[tuple[int, str, str]]:
    """(activity id, question, answer) of everything the person answered: their data."""
    rows = db.session.execute(
        select(Enrolment.activity_id, IntakeQuestion.label, IntakeAnswer.value)
        .join(Enrolment, Enrolment.id == IntakeAnswer.enrolment_id)
        .join(IntakeQuestion, IntakeQuestion.id == IntakeAnswer.question_id)
        .where(Enrolment.user_id == user_id)
        .order_by(Enrolment.activity_id, IntakeQuestion.position, IntakeQuestion.id)
    )
    return [(a, label, value) for a, label, value in rows]
