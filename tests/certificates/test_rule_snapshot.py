"""The certificate states the rule that decided, whatever its source, with one rounding."""

from __future__ import annotations

from lms.certificates import service
from lms.certificates.pdf import rule_lines
from lms.extensions import db
from tests.certificates.test_pdf import pdf_text


def test_an_activitys_own_rule_is_in_the_snapshot_and_on_the_pdf(course, coordinator):
    c = course(
        title="Praktijkgroep wonen",
        sessions=3,
        rule_min_attendance_pct=60,
        rule_excused_counts=True,
        marks={"Ann Aanwezig": ["present", "present", "absent"]},
    )
    result = service.issue_for_activity(c.activity.id, actor=coordinator)
    db.session.commit()
    [certificate] = result.issued
    snapshot = certificate.snapshot
    assert snapshot["version"] == 2
    assert snapshot["rule"] == {
        "min_attendance_pct": 60,
        "excused_counts": True,
        "hours_credit": "attended",
        "nominal_hours": None,
        "overridden": ["min_attendance_pct", "excused_counts"],
        "source": "activity",
    }
    assert snapshot["attended_pct"] == "66.7"
    assert rule_lines(snapshot) == [
        "Vereist: 60 % aanwezigheid (eigen regel van deze activiteit)",
        "verontschuldigde afwezigheid telt mee",
        "gevolgde uren erkend",
        "behaald: 66,7 %",
    ]
    text = " ".join(pdf_text(service.pdf_of(certificate)).split())
    assert "Vereist: 60 % aanwezigheid (eigen regel van deze activiteit)" in text
    assert "behaald: 66,7 %" in text
    assert "80 %" not in text


def test_the_kinds_default_rule_is_stated_as_such(course, coordinator):
    c = course(sessions=4, marks={"Bo Bezig": ["present"] * 4})
    [certificate] = service.issue_for_activity(c.activity.id, actor=coordinator).issued
    db.session.commit()
    rule = certificate.snapshot["rule"]
    assert (rule["min_attendance_pct"], rule["excused_counts"], rule["source"]) == (
        80,
        False,
        "policy",
    )
    assert rule_lines(certificate.snapshot)[:2] == [
        "Vereist: 80 % aanwezigheid",
        "verontschuldigde afwezigheid telt niet mee",
    ]


def test_an_older_snapshot_still_prints_its_threshold():
    old = {"version": 1, "required_pct": 75, "hours_credit": "nominal"}
    assert rule_lines(old) == ["Vereist: 75 % aanwezigheid", "nominale uren erkend"]


def test_issuing_names_who_waits_for_attendance_instead_of_skipping_them(course, coordinator):
    c = course(
        sessions=2,
        marks={"Ann Aanwezig": ["present", "present"], "Nele Nietgeteld": ["present", None]},
    )
    result = service.issue_for_activity(c.activity.id, actor=coordinator)
    db.session.commit()
    assert [u.name for u in result.incomplete] == ["Nele Nietgeteld"]
    assert result.not_eligible == 0
    assert result.summary == (
        "1 attest uitgereikt, 1 wacht op aanwezigheden van niet geregistreerde sessies "
        "(Nele Nietgeteld)."
    )


def test_the_nightly_run_reports_the_incomplete_ones(app, course):
    course(sessions=2, marks={"Nele Nietgeteld": ["present", None]})
    result = app.test_cli_runner().invoke(args=["lms", "certificates", "issue"])
    assert result.exit_code == 0, result.output
    assert "1 wacht op aanwezigheden van niet geregistreerde sessies (Nele Nietgeteld)" in (
        result.output
    )


def test_the_overview_no_longer_says_in_orde_when_attendance_is_missing(
    course, client, login, coordinator
):
    c = course(title="Half geregistreerd", sessions=2, marks={"Nele": ["present", None]})
    login(coordinator)
    page = client.get("/certificates/").get_data(as_text=True)
    row = page[page.index("Half geregistreerd") :]
    row = row[: row.index("</tr>")]
    assert "1 wacht op aanwezigheden" in row
    assert "in orde" not in row
    assert f'href="/activities/{c.activity.id}/progress"' in row
