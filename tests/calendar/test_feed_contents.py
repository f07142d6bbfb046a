"""What each feed holds: whose sessions, which window, cancellations, drafts."""

from __future__ import annotations

from datetime import timedelta

from lms.extensions import db
from lms.models import ActivityKind, ActivityStatus, SessionStatus, utcnow


def cancel_session(session, *, days_ago: float = 0) -> None:
    session.status = SessionStatus.CANCELLED
    session.touch()
    session.cancelled_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


def test_personal_feed_holds_enrolments_and_trained_activities(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    person = create_user(roles=("participant", "trainer"))
    enrolled = create_activity(title="Ingeschreven", sessions=2)
    trained = create_activity(title="Begeleid", sessions=3, trainers=[person])
    draft = create_activity(title="Ontwerp", sessions=1, trainers=[person], status="draft")
    other = create_activity(title="Niet van mij", sessions=2)
    create_enrolment(enrolled, person)

    feed = parse(client.get(feed_path(person)).data)
    expected = {s.uid for s in enrolled.sessions + trained.sessions}
    assert feed.uids == expected
    assert not {s.uid for s in draft.sessions + other.sessions} & feed.uids


def test_programme_modules_for_its_trainer_and_its_participants(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    trainer = create_user(roles=("trainer",))
    participant = create_user()
    dropped_out = create_user()
    programme = create_activity(
        kind=ActivityKind.PROGRAMME, title="Beroepsopleiding", sessions=0, trainers=[trainer]
    )
    module_1 = create_activity(title="Module 1", sessions=2, parent=programme)
    module_2 = create_activity(title="Module 2", sessions=2, parent=programme)
    create_enrolment(programme, participant)
    create_enrolment(programme, dropped_out)
    create_enrolment(module_2, dropped_out, status="cancelled")  # left module 2 only

    all_modules = {s.uid for s in module_1.sessions + module_2.sessions}
    assert parse(client.get(feed_path(trainer)).data).uids == all_modules
    assert parse(client.get(feed_path(participant)).data).uids == all_modules
    assert parse(client.get(feed_path(dropped_out)).data).uids == {s.uid for s in module_1.sessions}


def test_personal_feed_covers_ninety_days_back_and_everything_ahead(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    participant = create_user()
    now = utcnow().replace(microsecond=0)
    activity = create_activity(
        title="Lange reeks",
        sessions=[
            (now - timedelta(days=100), now - timedelta(days=100) + timedelta(hours=2)),
            (now - timedelta(days=80), now - timedelta(days=80) + timedelta(hours=2)),
            (now + timedelta(days=400), now + timedelta(days=400) + timedelta(hours=2)),
        ],
    )
    create_enrolment(activity, participant)
    _too_old, recent, far_ahead = sorted(activity.sessions, key=lambda s: s.starts_at)
    feed = parse(client.get(feed_path(participant)).data)
    assert feed.uids == {recent.uid, far_ahead.uid}
    assert str(feed.event(far_ahead.uid)["SUMMARY"]) == "Lange reeks (3/3)"


def test_cancelled_session_stays_thirty_days_after_its_cancellation(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    participant = create_user()
    activity = create_activity(title="Reeks", sessions=3)
    create_enrolment(activity, participant)
    recent, old, kept = sorted(activity.sessions, key=lambda s: s.starts_at)
    cancel_session(recent, days_ago=29)
    cancel_session(old, days_ago=31)
    for path in (
        feed_path(participant),
        f"/activities/{activity.id}/calendar.ics",
        "/calendar/catalogue.ics",
    ):
        feed = parse(client.get(path).data)
        assert feed.uids == {recent.uid, kept.uid}, path
        assert feed.status(recent.uid) == "CANCELLED"
        assert feed.status(kept.uid) == "CONFIRMED"


def test_cancelled_activity_feed_shows_its_sessions_cancelled(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    participant = create_user()
    activity = create_activity(title="Afgelast", sessions=2)
    create_enrolment(activity, participant)
    activity.status = ActivityStatus.CANCELLED
    db.session.commit()
    for path in (
        f"/activities/{activity.id}/calendar.ics",
        "/calendar/catalogue.ics",
        feed_path(participant),
    ):
        response = client.get(path)
        assert response.status_code == 200
        feed = parse(response.data)
        assert feed.uids == {s.uid for s in activity.sessions}
        assert {feed.status(s.uid) for s in activity.sessions} == {"CANCELLED"}
        assert {e.status.value for e in feed.strict.events} == {"CANCELLED"}


def test_draft_and_unknown_activity_feeds_are_404(client, create_activity):
    draft = create_activity(status="draft", sessions=2)
    assert client.get(f"/activities/{draft.id}/calendar.ics").status_code == 404
    assert client.get("/activities/999999/calendar.ics").status_code == 404


def test_catalogue_holds_published_sessions_only(client, create_activity, parse):
    published = create_activity(title="Gepubliceerd", sessions=2)
    draft = create_activity(title="Ontwerp", sessions=2, status="draft")
    archived = create_activity(title="Gearchiveerd", sessions=1, status="archived")
    feed = parse(client.get("/calendar/catalogue.ics").data)
    assert feed.uids == {s.uid for s in published.sessions}
    assert not {s.uid for s in draft.sessions + archived.sessions} & feed.uids


def test_catalogue_route_is_not_taken_for_a_token(client, create_activity):
    create_activity(title="Iets", sessions=1)
    response = client.get("/calendar/catalogue.ics")
    assert response.status_code == 200
    assert b"X-WR-CALNAME:SAM Leerplatform \xe2\x80\x93 volledig aanbod" in response.data


def test_reschedule_changes_dtstart_raises_sequence_and_keeps_the_uid(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    participant = create_user()
    activity = create_activity(title="Verplaatst", sessions=2)
    create_enrolment(activity, participant)
    session = min(activity.sessions, key=lambda s: s.starts_at)
    uid, old_start = session.uid, session.starts_at
    path = feed_path(participant)
    before = parse(client.get(path).data)
    etag = client.get(path).headers["ETag"]
    assert before.event(uid)["SEQUENCE"] == 0

    old_end = session.ends_at
    session.starts_at = old_start + timedelta(days=1, hours=2)
    session.ends_at = old_end + timedelta(days=1, hours=2)
    session.touch()
    db.session.commit()

    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200
    after = parse(response.data)
    assert uid in after.uids
    assert after.event(uid).decoded("DTSTART") == old_start + timedelta(days=1, hours=2)
    assert after.event(uid)["SEQUENCE"] == 1
    assert after.strict_event(uid).sequence == 1
    assert after.strict_event(uid).dtstart == old_start + timedelta(days=1, hours=2)


def test_single_session_download(client, create_activity, parse, login, create_user):
    activity = create_activity(title="Wonen op maat", sessions=3)
    session = sorted(activity.sessions, key=lambda s: s.starts_at)[1]
    response = client.get(f"/sessions/{session.id}.ics")
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="wonen-op-maat-')
    assert disposition.endswith('.ics"')
    feed = parse(response.data)
    assert feed.uids == {session.uid}
    assert str(feed.event(session.uid)["SUMMARY"]) == "Wonen op maat (2/3)"
    assert str(feed.calendar["METHOD"]) == "PUBLISH"
    assert "VTIMEZONE" in {c.name for c in feed.calendar.subcomponents}

    again = client.get(
        f"/sessions/{session.id}.ics", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    assert client.get("/sessions/999999.ics").status_code == 404


def test_single_download_of_a_draft_only_for_who_manages_it(
    client, create_activity, create_user, login
):
    trainer = create_user(roles=("trainer",))
    draft = create_activity(status="draft", sessions=1, trainers=[trainer])
    path = f"/sessions/{draft.sessions[0].id}.ics"
    assert client.get(path).status_code == 404
    login(create_user())
    assert client.get(path).status_code == 404
    login(trainer)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
