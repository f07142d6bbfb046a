"""Intake questions: coordinators ask, people answer when they request a place, the
coordinator reads the answers, the API insists on required ones, erasure removes them."""

from __future__ import annotations

from sqlalchemy import select

from lms.enrolment import service as enrolment_service
from lms.enrolment.with_answers import enrol_with_answers
from lms.extensions import db
from lms.intake import service as intake_service
from lms.models import Enrolment, EnrolmentStatus, IntakeAnswer, IntakeQuestion, Role
from lms.privacy.erasure import erase_user
from lms.privacy.export import export_user_data
from tests.html import answer_pairs, by_id, find_all, parse, text, walk

MOTIVATION = "Waarom wil je deelnemen?"
AVAILABILITY = "Wanneer ben je beschikbaar?"


def _add_questions(client, activity) -> tuple[IntakeQuestion, IntakeQuestion]:
    response = client.post(
        f"/admin/activities/{activity.id}/questions",
        data={"label": MOTIVATION, "kind": "text", "required": "y"},
    )
    assert response.status_code == 303
    response = client.post(
        f"/admin/activities/{activity.id}/questions",
        data={"label": AVAILABILITY, "kind": "choice", "options": "voormiddag\nnamiddag\n"},
    )
    assert response.status_code == 303
    html = client.get(f"/admin/activities/{activity.id}/questions").get_data(as_text=True)
    items = [text(li) for li in find_all(by_id(html, "questions"), "li")]
    assert items[0].startswith(MOTIVATION) and "verplicht" in items[0]
    assert items[1].startswith(AVAILABILITY) and "voormiddag / namiddag" in items[1]
    questions = list(
        db.session.scalars(
            select(IntakeQuestion)
            .where(IntakeQuestion.activity_id == activity.id)
            .order_by(IntakeQuestion.position)
        )
    )
    return questions[0], questions[1]


def test_a_request_needs_the_required_answer_and_the_coordinator_reads_it(
    client, login, create_user, create_activity
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = create_user(name="Sara Peeters")
    activity = create_activity(kind="intervision", title="Intervisie wonen")
    login(coordinator)
    motivation, availability = _add_questions(client, activity)

    login(person)
    response = client.post(f"/activities/{activity.id}/enrol")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/activities/{activity.id}/intake")
    form_page = client.get(f"/activities/{activity.id}/intake").get_data(as_text=True)
    labels = [text(n) for n in find_all(form_page, "label")] + [
        text(n) for n in find_all(form_page, "legend")
    ]
    assert any(label.startswith(MOTIVATION) for label in labels)
    assert any(label.startswith(AVAILABILITY) for label in labels)

    # Without the required answer: refused, the Dutch error on the field, nothing stored.
    response = client.post(
        f"/activities/{activity.id}/intake", data={f"q{availability.id}": "namiddag"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = by_id(html, f"q{motivation.id}-error")
    assert error is not None
    assert text(error) == f"„{MOTIVATION}” is verplicht: vul een antwoord in."
    checked = [n for n in walk(parse(html)) if n["tag"] == "input" and "checked" in n["attrs"]]
    assert [n["attrs"]["value"] for n in checked] == ["namiddag"]  # kept for the retry
    assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id)) is None

    # A choice outside the options is refused too.
    response = client.post(
        f"/activities/{activity.id}/intake",
        data={f"q{motivation.id}": "Om te leren", f"q{availability.id}": "nachts"},
    )
    assert response.status_code == 400
    assert text(by_id(response.get_data(as_text=True), f"q{availability.id}-error")) == (
        f"„{AVAILABILITY}”: kies een van de mogelijkheden."
    )

    response = client.post(
        f"/activities/{activity.id}/intake",
        data={
            f"q{motivation.id}": "Ik werk rond woonnood in Gent.",
            f"q{availability.id}": "namiddag",
        },
    )
    assert response.status_code == 302
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment is not None and enrolment.status == EnrolmentStatus.PENDING

    expected = [(MOTIVATION, "Ik werk rond woonnood in Gent."), (AVAILABILITY, "namiddag")]
    login(coordinator)
    html = client.get(f"/admin/activities/{activity.id}/enrolments").get_data(as_text=True)
    assert answer_pairs(html) == [expected]
    html = client.get("/admin/requests").get_data(as_text=True)
    assert answer_pairs(html) == [expected]
    html = client.get(f"/admin/enrolments/{enrolment.id}").get_data(as_text=True)
    assert answer_pairs(html) == [expected]


def test_enrolling_again_after_cancelling_shows_the_previous_answers(
    client, login, create_user, create_activity
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = create_user()
    activity = create_activity(kind="course")
    login(coordinator)
    motivation, _availability = _add_questions(client, activity)
    login(person)
    client.post(f"/activities/{activity.id}/intake", data={f"q{motivation.id}": "Eerste antwoord"})
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    enrolment_service.cancel(activity, person)
    db.session.commit()
    html = client.get(f"/activities/{activity.id}/intake").get_data(as_text=True)
    assert text(by_id(html, f"q{motivation.id}")) == "Eerste antwoord"


def test_the_api_refuses_an_enrolment_without_a_required_answer(
    client, create_user, create_activity, api_token
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = create_user()
    activity = create_activity(kind="course")
    question = intake_service.add_question(
        activity, actor=coordinator, label=MOTIVATION, kind="text", required=True
    )
    db.session.commit()
    headers = api_token(person)
    response = client.post(f"/api/v1/activities/{activity.id}/enrolment", json={}, headers=headers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == f"„{MOTIVATION}” is verplicht: vul een antwoord in."
    assert body["fields"] == {f"answers.{question.id}": body["error"]}
    assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id)) is None
    response = client.post(
        f"/api/v1/activities/{activity.id}/enrolment",
        json={"answers": {str(question.id): "Voor mijn werk"}},
        headers=headers,
    )
    assert response.status_code in (200, 201)
    values = list(db.session.scalars(select(IntakeAnswer.value)))
    assert values == ["Voor mijn werk"]


def test_answers_are_in_my_data_and_erasure_removes_them(
    client, login, create_user, create_activity
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = create_user()
    activity = create_activity(kind="intervision")
    question = intake_service.add_question(
        activity, actor=coordinator, label=MOTIVATION, kind="text", required=True
    )
    enrol_with_answers(activity, person, {question.id: "Persoonlijke reden"})
    db.session.commit()

    exported = export_user_data(person)
    assert exported["intake_answers"] == [
        {"activity_id": activity.id, "question": MOTIVATION, "answer": "Persoonlijke reden"}
    ]
    erase_user(person, actor=coordinator)
    db.session.commit()
    assert db.session.scalar(select(IntakeAnswer.id)) is None
    login(coordinator)
    html = client.get(f"/admin/activities/{activity.id}/enrolments").get_data(as_text=True)
    assert answer_pairs(html) == []
    assert "Persoonlijke reden" not in html
