"""``flask lms purge`` (retention) and the privacy statement."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.models import (
    ApiToken,
    Certificate,
    FeedCache,
    MailStatus,
    OutboxMail,
    utcnow,
)
from lms.privacy.erasure import erase_user


def mail(user, status, *, age_days, sent=True):
    at = utcnow() - timedelta(days=age_days)
    row = OutboxMail(
        kind="reminder",
        to_email=user.email,
        to_name=user.name,
        user=user,
        subject=f"{status} {age_days}",
        body_text="…",
        status=status,
        created_at=at,
        sent_at=at if status == MailStatus.SENT and sent else None,
    )
    db.session.add(row)
    return row


def subjects():
    return sorted(db.session.scalars(select(OutboxMail.subject)))


def run_purge(app, *args):
    result = app.test_cli_runner().invoke(args=["lms", "purge", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_purge_deletes_what_is_past_its_retention_and_nothing_else(app, create_user):
    user = create_user()
    mail(user, MailStatus.SENT, age_days=120)
    mail(user, MailStatus.SENT, age_days=10)
    mail(user, MailStatus.ABORTED, age_days=91)
    mail(user, MailStatus.FAILED, age_days=100)
    mail(user, MailStatus.FAILED, age_days=3)
    mail(user, MailStatus.QUEUED, age_days=200)  # still to be sent: never purged
    now = utcnow()
    db.session.add_all(
        [
            FeedCache(key="catalogue", etag="a", body=b"x", built_at=now - timedelta(days=40)),
            FeedCache(key="personal:1", etag="b", body=b"x", built_at=now - timedelta(days=1)),
            ApiToken(user=user, token_hash="1" * 64, revoked_at=now - timedelta(days=100)),
            ApiToken(user=user, token_hash="2" * 64, revoked_at=now - timedelta(days=5)),
            ApiToken(user=user, token_hash="3" * 64, created_at=now - timedelta(days=900)),
        ]
    )
    db.session.commit()

    output = run_purge(app)
    assert "Mails (verzonden, afgebroken of mislukt) ouder dan 90 dagen" in output
    assert "Mails (verzonden, afgebroken of mislukt) ouder dan 90 dagen (vóór" in output
    assert ": 3\n" in output  # three mails
    assert "Klaar: 5 gewist." in output
    db.session.expire_all()
    assert subjects() == ["failed 3", "queued 200", "sent 10"]
    assert set(db.session.scalars(select(FeedCache.key))) == {"personal:1"}
    assert sorted(db.session.scalars(select(ApiToken.token_hash))) == ["2" * 64, "3" * 64]

    # Idempotent: the second run finds nothing.
    assert "Klaar: 0 gewist." in run_purge(app)


def test_dry_run_deletes_nothing(app, create_user):
    mail(create_user(), MailStatus.SENT, age_days=365)
    db.session.commit()
    output = run_purge(app, "--dry-run")
    assert "Proefdraai: niets gewist (1 zou gewist worden)." in output
    db.session.expire_all()
    assert subjects() == ["sent 365"]


def test_the_retention_period_follows_the_config(app, create_user):
    mail(create_user(), MailStatus.SENT, age_days=20)
    db.session.commit()
    app.config["MAIL_RETENTION_DAYS"] = 14
    try:
        assert "ouder dan 14 dagen" in run_purge(app)
    finally:
        app.config["MAIL_RETENTION_DAYS"] = 90
    assert subjects() == []


def test_certificates_of_erased_people_end_after_ten_years(app, person):
    erase_user(person.user, actor=person.coordinator)
    db.session.commit()
    kept = db.session.get(Certificate, person.certificate.id)
    kept.issued_at = utcnow() - timedelta(days=365 * 10 + 5)
    # Someone who was not erased keeps their old certificate as it is.
    other = db.session.scalar(select(Certificate).where(Certificate.user_id == person.other.id))
    other.issued_at = utcnow() - timedelta(days=365 * 12)
    db.session.commit()

    output = run_purge(app)
    assert "Attesten van gewiste personen" in output and ": 1\n" in output
    db.session.expire_all()
    kept = db.session.get(Certificate, person.certificate.id)
    assert kept.revoked_at is not None
    assert "Bewaartermijn van 10 jaar verstreken" in kept.revoke_reason
    assert kept.snapshot["holder_name"] == f"Verwijderde gebruiker #{person.user.id}"
    other = db.session.get(Certificate, other.id)
    assert other.revoked_at is None and other.snapshot["holder_name"] == person.other.name
    assert "Klaar: 0 gewist." in run_purge(app)


def test_a_certificate_within_its_retention_is_untouched(app, person):
    erase_user(person.user, actor=person.coordinator)
    db.session.commit()
    run_purge(app)
    db.session.expire_all()
    kept = db.session.get(Certificate, person.certificate.id)
    assert (
        kept.revoked_at is None
        and kept.snapshot["holder_name"] == person.certificate.snapshot["holder_name"]
    )


# --- The privacy statement -----------------------------------------------------------------


def test_the_statement_says_what_why_how_long_and_who(client, app):
    response = client.get("/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in (
        "Wat we bewaren, waarom en hoe lang",
        "Wie je gegevens ziet",
        "Lesgevers en begeleiders",
        "De contactpersoon van je organisatie",
        "Een kopie van al je gegevens",
        "Wissen",
        "90 dagen na het versturen",
        "10 jaar na de uitreiking",
        "Verwijderde gebruiker",
        "art. 17.3.e",
        "Gegevensbeschermingsautoriteit",
    ):
        assert text in html, text
    assert 'href="mailto:leerplatform@samenlevingsopbouw.be"' in html
    assert '<th scope="col">' in html and '<th scope="row">' in html


def test_the_footer_links_to_the_statement(client):
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)


def test_logged_in_the_statement_links_to_the_download(login, create_user):
    html = login(create_user()).get("/privacy").get_data(as_text=True)
    assert 'href="/privacy/my-data"' in html


def test_the_statement_follows_the_configured_retention(client, app):
    app.config["MAIL_RETENTION_DAYS"] = 30
    try:
        assert "30 dagen na het versturen" in client.get("/privacy").get_data(as_text=True)
    finally:
        app.config["MAIL_RETENTION_DAYS"] = 90
