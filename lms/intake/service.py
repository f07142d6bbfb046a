"""The rules of intake questions; the only writer of questions and answers.

Coordinators attach ordered questions (free text or a choice, required or not) to an
activity. A person answers them when enrolling or requesting a place
(:mod:`lms.enrolment.with_answers` checks them with :func:`clean_answers` before it enrols
and keeps them with :func:`save_answers`, in one transaction). This package imports
nothing of the enrolment feature, so the import graph keeps it out of the features'
circle (tests/core/test_floors.py). Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from lms.audit import record
from lms.common.errors import RuleError
from lms.extensions import db
from lms.intake import queries
from lms.models import (
    Activity,
    Enrolment,
    IntakeAnswer,
    IntakeQuestion,
    QuestionKind,
    User,
)

MAX_LABEL = 300
MAX_ANSWER = 4000
MAX_OPTIONS = 30


class IntakeError(RuleError):
    """A refusal in Dutch; ``field`` names the form field (``q<id>`` for an answer)."""

    status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)


class InvalidAnswersError(IntakeError):
    """One or more answers are missing or invalid: ``errors`` maps question id → message."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def _require_coordinator(actor: User) -> None:
    if actor is None or not actor.is_coordinator:
        raise IntakeError(_("Alleen een coördinator beheert de intakevragen."))


def add_question(
    activity: Activity,
    *,
    actor: User,
    label: str,
    kind: str,
    options: str = "",
    required: bool = False,
) -> IntakeQuestion:
    """Add a question at the end of the activity's list."""
    _require_coordinator(actor)
    label = " ".join((label or "").split())
    if not label:
        raise IntakeError(_("Vul de vraag in."), "label")
    if len(label) > MAX_LABEL:
        raise IntakeError(_("De vraag is te lang (hoogstens %(n)s tekens).", n=MAX_LABEL), "label")
    try:
        question_kind = QuestionKind(kind)
    except ValueError:
        raise IntakeError(_("Kies het soort vraag."), "kind") from None
    option_lines = [" ".join(line.split()) for line in (options or "").splitlines()]
    option_lines = [line[:200] for line in option_lines if line]
    if question_kind == QuestionKind.CHOICE:
        if len(option_lines) < 2:
            raise IntakeError(_("Geef minstens twee keuzes, één per regel."), "options")
        if len(option_lines) > MAX_OPTIONS:
            raise IntakeError(_("Hoogstens %(n)s keuzes.", n=MAX_OPTIONS), "options")
    else:
        option_lines = []
    last = db.session.scalar(
        select(func.max(IntakeQuestion.position)).where(IntakeQuestion.activity_id == activity.id)
    )
    question = IntakeQuestion(
        activity_id=activity.id,
        position=(last or 0) + 1,
        label=label,
        kind=question_kind,
        options="\n".join(option_lines),
        required=bool(required),
    )
    db.session.add(question)
    db.session.flush()
    record(
        "intake.question_added",
        actor=actor,
        activity=activity,
        summary=f"Intakevraag „{label}” toegevoegd aan „{activity.title}”.",
        question_id=question.id,
        required=question.required,
    )
    return question


def remove_question(question: IntakeQuestion, *, actor: User) -> None:
    """Remove a question (and the answers given to it)."""
    _require_coordinator(actor)
    activity = question.activity
    record(
        "intake.question_removed",
        actor=actor,
        activity=activity,
        summary=f"Intakevraag „{question.label}” verwijderd uit „{activity.title}”.",
        question_id=question.id,
    )
    db.session.execute(delete(IntakeAnswer).where(IntakeAnswer.question_id == question.id))
    db.session.delete(question)
    db.session.flush()


def move_question(question: IntakeQuestion, *, actor: User, up: bool) -> None:
    """Swap the question with its neighbour above (``up``) or below."""
    _require_coordinator(actor)
    questions = queries.questions_for(question.activity_id)
    index = next(i for i, q in enumerate(questions) if q.id == question.id)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for position, item in enumerate(questions, start=1):
        item.position = position
    db.session.flush()


def copy_questions(source: Activity, copy: Activity) -> None:
    """Give a new edition the questions of the one it was copied from."""
    for position, question in enumerate(queries.questions_for(source.id), start=1):
        db.session.add(
            IntakeQuestion(
                activity_id=copy.id,
                position=position,
                label=question.label,
                kind=question.kind,
                options=question.options,
                required=question.required,
            )
        )
    db.session.flush()


def clean_answers(activity: Activity, raw: Mapping[Any, Any]) -> dict[int, str]:
    """The answers checked against the activity's questions.

    ``raw`` maps a question id (int or its text) to the answer. A required question left
    empty, a choice outside the options or an over-long text is refused with a Dutch
    message that names the question (:class:`InvalidAnswersError`). Unknown ids are ignored.
    """
    given: dict[int, Any] = {}
    for key, value in (raw or {}).items():
        try:
            given[int(key)] = value
        except (TypeError, ValueError):
            continue
    clean: dict[int, str] = {}
    errors: dict[int, str] = {}
    for question in queries.questions_for(activity.id):
        value = given.get(question.id)
        text = value.strip() if isinstance(value, str) else ""
        if value is not None and not isinstance(value, str):
            errors[question.id] = _(
                "„%(question)s”: geef een tekst als antwoord.", question=question.label
            )
            continue
        if not text:
            if question.required:
                errors[question.id] = _(
                    "„%(question)s” is verplicht: vul een antwoord in.", question=question.label
                )
            continue
        if len(text) > MAX_ANSWER:
            errors[question.id] = _(
                "„%(question)s”: je antwoord is te lang (hoogstens %(n)s tekens).",
                question=question.label,
                n=MAX_ANSWER,
            )
            continue
        if question.kind == QuestionKind.CHOICE and text not in question.option_list:
            errors[question.id] = _(
                "„%(question)s”: kies een van de mogelijkheden.", question=question.label
            )
            continue
        clean[question.id] = text
    if errors:
        raise InvalidAnswersError(errors)
    return clean


def save_answers(enrolment: Enrolment, answers: Mapping[int, str]) -> None:
    """Keep ``answers`` (already cleaned) with the enrolment, replacing earlier ones."""
    existing = {
        a.question_id: a
        for a in db.session.scalars(
            select(IntakeAnswer).where(IntakeAnswer.enrolment_id == enrolment.id)
        )
    }
    for question_id, value in answers.items():
        answer = existing.pop(question_id, None)
        if answer is None:
            db.session.add(
                IntakeAnswer(enrolment_id=enrolment.id, question_id=question_id, value=value)
            )
        else:
            answer.value = value
    for stale in existing.values():  # left empty this time
        db.session.delete(stale)
    db.session.flush()


def erase_for_user(user_id: int) -> int:
    """Delete every answer the person gave (erasure on request). Returns how many."""
    ids = select(Enrolment.id).where(Enrolment.user_id == user_id).scalar_subquery()
    return db.session.execute(
        delete(IntakeAnswer)
        .where(IntakeAnswer.enrolment_id.in_(ids))
        .execution_options(synchronize_session=False)
    ).rowcount
