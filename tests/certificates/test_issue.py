"""Issuing, revoking and re-issuing certificates: rules, snapshot, mail, audit, UI, CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.certificates import service
from lms.extensions import db
from lms.models import AuditEntry, Certificate
from tests.factories import attend


def certificates():
    db.session.expire_all()
    return list(db.session.scalars(select(Certificate).order_by(Certificate.id)))


def test_issuing_gives_everyone_eligible_one_certificate(finished_course, coordinator):
    result = service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    names = sorted(c.snapshot["holder_name"] for c in result.issued)
    assert names == ["Nguyễn Thị Minh Khai", "Zoë Ağaoğlu-Łukasiewicz"]
    assert result.not_eligible == 1
    assert "2 attesten uitgereikt" in result.summary


def test_issuing_twice_issues_nothing_new(finished_course, coordinator):
    service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    again = service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    assert again.issued == []
    assert again.already == 2
    assert len(certificates()) == 2


def test_the_snapshot_holds_what_the_certificate_states(finished_course, coordinator, app):
    activity = finished_course.activity
    result = service.issue_for_activity(activity, actor=coordinator)
    db.session.commit()
    cert = next(c for c in result.issued if c.snapshot["holder_name"].startswith("Nguyễn"))
    s = cert.snapshot
    assert s["activity_title"] == "Impactevaluatie in de praktijk"
    assert s["kind"] == "course" and s["kind_label"] == "cursus"
    assert s["document"] == "attest"
    assert s["hours"] == 11  # 3 × 3 h + 2 h partial, credited as attended
    assert s["policy_name"] == "Leerbeleid SAM (standaard)"
    assert s["policy_valid_from"] == "2021-01-01"
    assert s["required_pct"] == 80
    assert s["start_date"] < s["end_date"] <= s["issued_on"]
    assert s["code"] == cert.code
    assert s["verify_url"] == f"{app.config['LMS_BASE_URL']}/certificates/verify/{cert.code}"
    assert cert.policy_id is not None
    assert cert.issued_by_id == coordinator.id


def test_issuing_before_the_last_session_is_refused(course, coordinator):
    running = course(finished=False, marks={"An": ["present", "present"]})
    with pytest.raises(service.CertificateError) as refused:
        service.issue_for_activity(running.activity, actor=coordinator)
    assert "zodra de laatste sessie voorbij is" in refused.value.message
    db.session.rollback()
    assert certificates() == []


def test_a_cancelled_last_session_does_not_hold_issuing_back(course, coordinator):
    done = course(marks={"An": ["present", "present", "present", None]})
    last = done.sessions[-1]
    last.starts_at = last.starts_at + timedelta(weeks=5)
    last.ends_at = last.ends_at + timedelta(weeks=5)
    last.status = "cancelled"
    db.session.commit()
    result = service.issue_for_activity(done.activity, actor=coordinator)
    assert len(result.issued) == 1


def test_the_holder_gets_a_dutch_mail_and_the_audit_log_an_entry(
    finished_course, coordinator, queued_mails
):
    result = service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    zoe = finished_course.people[0]
    [mail] = queued_mails("certificate_issued", to=zoe.email)
    cert = next(c for c in result.issued if c.user_id == zoe.id)
    assert mail.subject == "Je attest voor Impactevaluatie in de praktijk"
    assert "Proficiat" in mail.body_text
    assert cert.code in mail.body_text
    assert f"/certificates/{cert.code}.pdf" in mail.body_text
    assert f"/certificates/verify/{cert.code}" in mail.body_text
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "certificate.issued")
    ).all()
    assert len(entries) == 2
    assert all(e.actor_id == coordinator.id for e in entries)
    assert any("Zoë Ağaoğlu-Łukasiewicz" in e.summary and cert.code in e.summary for e in entries)


def test_revoking_needs_a_reason_and_is_audited_and_mailed(
    finished_course, coordinator, queued_mails
):
    [cert, *_] = service.issue_for_activity(finished_course.activity, actor=coordinator).issued
    db.session.commit()
    with pytest.raises(service.CertificateError, match="Geef een reden op"):
        service.revoke(cert, actor=coordinator, reason="   ")
    service.revoke(cert, actor=coordinator, reason="Aanwezigheid verkeerd geregistreerd")
    db.session.commit()
    assert cert.revoked_at is not None and cert.revoked_by_id == coordinator.id
    [mail] = queued_mails("certificate_revoked")
    assert "Aanwezigheid verkeerd geregistreerd" in mail.body_text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.revoked"))
    assert "Aanwezigheid verkeerd geregistreerd" in entry.summary
    with pytest.raises(service.CertificateError, match="al ingetrokken"):
        service.revoke(cert, actor=coordinator, reason="nog eens")


def test_bulk_issuing_skips_a_revoked_certificate(finished_course, coordinator):
    [cert, *_] = service.issue_for_activity(finished_course.activity, actor=coordinator).issued
    service.revoke(cert, actor=coordinator, reason="Fraude")
    db.session.commit()
    again = service.issue_for_activity(finished_course.activity, actor=coordinator)
    assert again.issued == [] and again.revoked == 1


def test_reissue_after_a_correction(finished_course, coordinator):
    """Pieter's absence was a registration error: correct it, then re-issue."""
    activity = finished_course.activity
    zoe = finished_course.people[0]
    [first] = [
        c
        for c in service.issue_for_activity(activity, actor=coordinator).issued
        if c.user_id == zoe.id
    ]
    db.session.commit()
    zoe.name = "Zoë Ağaoğlu-Łukasiewicz-Peeters"
    db.session.commit()
    new = service.reissue(first, actor=coordinator, reason="Naam gewijzigd")
    db.session.commit()
    assert new.code != first.code
    assert new.snapshot["holder_name"] == "Zoë Ağaoğlu-Łukasiewicz-Peeters"
    assert new.snapshot["replaces"] == first.code
    db.session.refresh(first)
    assert first.revoked_at is not None and first.revoke_reason == "Naam gewijzigd"
    valid = db.session.scalar(
        select(func.count(Certificate.id)).where(
            Certificate.user_id == zoe.id, Certificate.revoked_at.is_(None)
        )
    )
    assert valid == 1


def test_reissue_of_a_revoked_certificate_after_correcting_attendance(finished_course, coordinator):
    activity = finished_course.activity
    pieter = finished_course.people[2]
    # Pieter was wrongly not eligible: correct his two absences.
    for session in finished_course.sessions[1:3]:
        db.session.execute(
            db.text(
                "UPDATE attendances SET status = 'present' WHERE session_id = :s AND user_id = :u"
            ),
            {"s": session.id, "u": pieter.id},
        )
    db.session.commit()
    result = service.issue_for_activity(activity, actor=coordinator)
    db.session.commit()
    [cert] = [c for c in result.issued if c.user_id == pieter.id]
    service.revoke(cert, actor=coordinator, reason="Nagekeken")
    db.session.commit()
    new = service.reissue(cert, actor=coordinator)
    db.session.commit()
    assert new.user_id == pieter.id and new.revoked_at is None


def test_reissue_refuses_someone_no_longer_eligible(finished_course, coordinator):
    activity = finished_course.activity
    zoe = finished_course.people[0]
    [cert] = [
        c
        for c in service.issue_for_activity(activity, actor=coordinator).issued
        if c.user_id == zoe.id
    ]
    db.session.commit()
    db.session.execute(
        db.text("UPDATE attendances SET status = 'absent' WHERE user_id = :u"), {"u": zoe.id}
    )
    db.session.commit()
    with pytest.raises(service.CertificateError, match="voldoet niet"):
        service.reissue(cert, actor=coordinator)
    db.session.rollback()
    db.session.refresh(cert)
    assert cert.revoked_at is None  # nothing half-done


def test_the_partial_unique_index_forbids_two_valid_certificates(finished_course, coordinator):
    from sqlalchemy.exc import IntegrityError

    [cert, *_] = service.issue_for_activity(finished_course.activity, actor=coordinator).issued
    db.session.commit()
    twin = Certificate(
        code="0000-0000-0000-0000",
        user_id=cert.user_id,
        activity_id=cert.activity_id,
        snapshot=dict(cert.snapshot),
    )
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_programme_diploma_and_module_attests(create_user, create_activity, coordinator):
    from lms.models import ActivityKind
    from tests.factories import create_enrolment, past_start, weekly

    programme = create_activity(kind=ActivityKind.PROGRAMME, title="Beroepsopleiding", sessions=[])
    modules = [
        create_activity(
            title=f"Module {i}",
            parent=programme,
            sessions=weekly(2, first=past_start(12 - 3 * i), minutes=120),
        )
        for i in (1, 2)
    ]
    both, one = create_user(name="Alle Modules"), create_user(name="Eén Module")
    for person in (both, one):
        create_enrolment(programme, person)
        for module in modules:
            create_enrolment(module, person)
    for session in modules[0].sessions + modules[1].sessions:
        attend(both, session, "present")
    for session in modules[0].sessions:
        attend(one, session, "present")
    for session in modules[1].sessions:
        attend(one, session, "absent")
    module_attests = [
        c for m in modules for c in service.issue_for_activity(m, actor=coordinator).issued
    ]
    diplomas = service.issue_for_activity(programme, actor=coordinator).issued
    db.session.commit()
    assert sorted(c.snapshot["holder_name"] for c in module_attests) == [
        "Alle Modules",
        "Alle Modules",
        "Eén Module",
    ]
    [diploma] = diplomas
    assert diploma.user_id == both.id
    assert diploma.snapshot["document"] == "diploma"
    assert diploma.snapshot["modules"] == ["Module 1", "Module 2"]
    assert diploma.snapshot["hours"] == 8


# --- The issue button, revoke and re-issue pages ------------------------------------------------


def test_coordinator_issues_from_the_progress_page(client, login, finished_course, coordinator):
    login(coordinator)
    page = client.get(f"/activities/{finished_course.activity.id}/progress")
    html = page.get_data(as_text=True)
    assert "Attesten uitreiken aan alle geslaagden" in html
    response = client.post(f"/activities/{finished_course.activity.id}/certificates")
    assert response.status_code == 302
    assert len(certificates()) == 2
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 attesten uitgereikt" in html


def test_issue_button_refused_to_a_trainer(client, login, finished_course):
    login(finished_course.trainer)
    html = client.get(f"/activities/{finished_course.activity.id}/progress").get_data(as_text=True)
    assert "Attesten uitreiken" not in html
    response = client.post(f"/activities/{finished_course.activity.id}/certificates")
    assert response.status_code == 403
    assert certificates() == []


def test_issuing_before_the_end_shows_why(client, login, course, coordinator):
    running = course(finished=False, marks={"An": ["present"]})
    login(coordinator)
    html = client.get(f"/activities/{running.activity.id}/progress").get_data(as_text=True)
    assert "Uitreiken kan zodra de laatste sessie voorbij is" in html
    response = client.post(f"/activities/{running.activity.id}/certificates", follow_redirects=True)
    assert "zodra de laatste sessie voorbij is" in response.get_data(as_text=True)
    assert certificates() == []


def test_revoke_and_reissue_in_the_ui(client, login, finished_course, coordinator):
    [cert, *_] = service.issue_for_activity(finished_course.activity, actor=coordinator).issued
    db.session.commit()
    login(coordinator)
    page = client.get(f"/certificates/{cert.id}")
    assert page.status_code == 200 and cert.code in page.get_data(as_text=True)
    empty = client.post(f"/certificates/{cert.id}/revoke", data={"revoke-reason": ""})
    assert empty.status_code == 422
    assert "Geef een reden op voor het intrekken." in empty.get_data(as_text=True)
    assert certificates()[0].revoked_at is None
    done = client.post(
        f"/certificates/{cert.id}/revoke", data={"revoke-reason": "Dubbel geregistreerd"}
    )
    assert done.status_code == 302
    assert certificates()[0].revoke_reason == "Dubbel geregistreerd"
    again = client.post(f"/certificates/{cert.id}/reissue", data={})
    assert again.status_code == 302
    valid = [c for c in certificates() if c.user_id == cert.user_id and c.revoked_at is None]
    assert len(valid) == 1 and valid[0].code != cert.code


def test_certificate_pages_are_for_coordinators_only(client, login, finished_course, coordinator):
    [cert, *_] = service.issue_for_activity(finished_course.activity, actor=coordinator).issued
    db.session.commit()
    login(finished_course.trainer)
    assert client.get(f"/certificates/{cert.id}").status_code == 403
    assert (
        client.post(f"/certificates/{cert.id}/revoke", data={"revoke-reason": "x"}).status_code
        == 403
    )
    assert client.post(f"/certificates/{cert.id}/reissue").status_code == 403
    assert client.get("/certificates/").status_code == 403
    login(coordinator)
    assert client.get("/certificates/999999").status_code == 404


def test_the_overview_lists_finished_activities_waiting_for_certificates(
    client, login, finished_course, coordinator
):
    login(coordinator)
    html = client.get("/certificates/").get_data(as_text=True)
    assert "Impactevaluatie in de praktijk" in html
    assert "2 attesten uitreiken" in html
    client.post(
        f"/activities/{finished_course.activity.id}/certificates",
        data={"next": "/certificates/"},
    )
    html = client.get("/certificates/").get_data(as_text=True)
    assert "in orde" in html


# --- The cron command --------------------------------------------------------------------------


def test_cli_issues_for_finished_activities_only(app, course):
    done = course(marks={"An": ["present"] * 4})
    running = course(finished=False, marks={"Bea": ["present", "present"]})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lms", "certificates", "issue"])
    assert first.exit_code == 0, first.output
    assert "Klaar: 1 attest uitgereikt" in first.output
    second = runner.invoke(args=["lms", "certificates", "issue"])
    assert "Klaar: 0 attesten uitgereikt" in second.output
    assert [c.activity_id for c in certificates()] == [done.activity.id]
    early = runner.invoke(
        args=["lms", "certificates", "issue", "--activity", str(running.activity.id)]
    )
    assert early.exit_code == 1
    assert "zodra de laatste sessie voorbij is" in early.output
    unknown = runner.invoke(args=["lms", "certificates", "issue", "--activity", "999999"])
    assert unknown.exit_code == 1
