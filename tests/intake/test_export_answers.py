"""The coordinator's export of an activity's enrolments and requests (CSV and XLSX) has a
column per intake question with each person's answer; erasure empties them."""

from __future__ import annotations

from datetime import date

from lms.enrolment.with_answers import enrol_with_answers
from lms.extensions import db
from lms.intake import service as intake_service
from lms.models import Role
from lms.privacy.erasure import erase_user
from tests.html import by_id, find_all
from tests.reports.helpers import read_csv, read_xlsx

MOTIVATION = "Waarom wil je deelnemen?"
AVAILABILITY = "Wanneer ben je beschikbaar?"
FIXED = [
    "Naam",
    "E-mailadres",
    "Organisatie",
    "Status",
    "Plaats op de wachtlijst",
    "Ingeschreven of aangevraagd op",
    "Ingeschreven door",
]


def test_the_export_has_a_column_per_question_with_the_answers(
    client, login, create_user, create_activity
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    sara = create_user(name="Sara Peeters", email="sara@example.org", organisation="Buurtwerk")
    tom = create_user(name="Tom Claes", email="tom@example.org")
    activity = create_activity(kind="intervision", title="Intervisie wonen")
    motivation = intake_service.add_question(
        activity, actor=coordinator, label=MOTIVATION, kind="text", required=True
    )
    availability = intake_service.add_question(
        activity, actor=coordinator, label=AVAILABILITY, kind="choice", options="ochtend\navond"
    )
    enrol_with_answers(
        activity, sara, {motivation.id: "=Ik werk rond woonnood", availability.id: "avond"}
    )
    enrol_with_answers(activity, tom, {motivation.id: "Nieuw in de job"})
    db.session.commit()

    login(coordinator)
    page = client.get(f"/admin/activities/{activity.id}/enrolments").get_data(as_text=True)
    links = [a["attrs"]["href"] for a in find_all(by_id(page, "enrolment-downloads"), "a")]
    assert links == [
        f"/reports/activities/{activity.id}/enrolments.csv",
        f"/reports/activities/{activity.id}/enrolments.xlsx",
    ]

    rows = read_csv(client.get(links[0]).data)
    assert rows[0] == [*FIXED, MOTIVATION, AVAILABILITY]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Sara Peeters"][2:4] == ["Buurtwerk", "aangevraagd"]
    assert by_name["Sara Peeters"][-2:] == ["'=Ik werk rond woonnood", "avond"]
    assert by_name["Tom Claes"][-2:] == ["Nieuw in de job", ""]

    sheets = read_xlsx(client.get(links[1]).data)
    header, *lines = sheets["Inschrijvingen"]
    assert list(header) == [*FIXED, MOTIVATION, AVAILABILITY]
    sara_line = next(line for line in lines if line[0] == "Sara Peeters")
    assert sara_line[-2:] == ("=Ik werk rond woonnood", "avond")  # text, not a formula
    assert isinstance(sara_line[5], date)

    erase_user(sara, actor=coordinator)
    db.session.commit()
    rows = read_csv(client.get(links[0]).data)
    assert all("woonnood" not in cell for row in rows for cell in row)


def test_only_coordinators_download_the_answers(client, login, create_user, create_activity):
    activity = create_activity()
    login(create_user())
    assert client.get(f"/reports/activities/{activity.id}/enrolments.csv").status_code == 403
    login(create_user(roles=(Role.COORDINATOR,)))
    assert client.get("/reports/activities/999999/enrolments.xlsx").status_code == 404
