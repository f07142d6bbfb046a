"""Cheap polling: ETag from a fingerprint, 304 without building, a shared cache of builds."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.calendar import feeds, ics
from lms.calendar.service import rotate_feed_token
from lms.extensions import db
from lms.models import Enrolment, EnrolmentStatus, FeedCache, utcnow


@pytest.fixture
def setup(create_activity, create_user, create_enrolment):
    participant = create_user()
    activity = create_activity(title="Wonen op maat", sessions=4)
    enrolment = create_enrolment(activity, participant)
    return participant, activity, enrolment


@pytest.fixture
def builds(monkeypatch):
    """Counts calls of the pure builder (``ics.feed``) behind every feed."""
    calls = []
    real = ics.feed

    def counting(*args, **kwargs):
        calls.append(kwargs.get("name"))
        return real(*args, **kwargs)

    monkeypatch.setattr(ics, "feed", counting)
    return calls


def feed_paths(participant, activity, feed_path):
    return {
        "personal": feed_path(participant),
        "activity": f"/activities/{activity.id}/calendar.ics",
        "catalogue": "/calendar/catalogue.ics",
    }


def test_matching_etag_gets_304_with_no_body_one_query_and_no_build(
    client, setup, feed_path, count_queries, builds
):
    participant, activity, _ = setup
    for kind, path in feed_paths(participant, activity, feed_path).items():
        first = client.get(path)
        assert first.status_code == 200
        etag = first.headers["ETag"]
        assert etag.startswith('"') and len(etag) > 10
        assert first.headers["Last-Modified"]
        builds.clear()
        with count_queries() as counter:
            second = client.get(path, headers={"If-None-Match": etag})
        assert second.status_code == 304, kind
        assert second.data == b""
        assert second.headers["ETag"] == etag
        assert builds == [], f"{kind}: a 304 must never build the feed"
        assert counter.count == 1, counter
        # A proxy that weakened the tag (W/"…") still gets its 304.
        weak = client.get(path, headers={"If-None-Match": f"W/{etag}"})
        assert weak.status_code == 304


def test_a_build_is_stored_and_reused_until_the_fingerprint_changes(
    client, setup, feed_path, count_queries, builds
):
    participant, activity, _ = setup
    path = feed_path(participant)
    assert client.get(path).status_code == 200
    assert len(builds) == 1
    row = db.session.scalar(select(FeedCache).where(FeedCache.key == f"personal:{participant.id}"))
    assert row is not None and row.body.startswith(b"BEGIN:VCALENDAR")

    # Another client (or another gunicorn worker) without the ETag: served from the cache.
    with count_queries() as counter:
        again = client.get(path)
    assert again.status_code == 200
    assert again.data == bytes(row.body)
    assert len(builds) == 1
    assert counter.count == 2, counter  # fingerprint + cached body

    session = min(activity.sessions, key=lambda s: s.starts_at)
    session.location = "Elders"
    session.touch()
    db.session.commit()
    changed = client.get(path)
    assert len(builds) == 2
    assert b"LOCATION:Elders" in changed.data
    assert changed.headers["ETag"] != again.headers["ETag"]


def test_query_count_of_a_full_build_does_not_grow_with_the_feed(
    client, create_activity, create_user, create_theme, create_enrolment, feed_path, count_queries
):
    participant = create_user()
    path = feed_path(participant)
    counts = []
    for size in (2, 12):
        activity = create_activity(sessions=size, themes=[create_theme(), create_theme()])
        create_enrolment(activity, participant)
        db.session.execute(FeedCache.__table__.delete())
        db.session.commit()
        with count_queries() as counter:
            response = client.get(path)
        assert response.status_code == 200
        assert response.data.count(b"BEGIN:VEVENT") == (2 if size == 2 else 14)
        counts.append(counter.count)
    # fingerprint, cache miss, (PostgreSQL: build lock,) rows, themes, store
    assert counts[0] == counts[1] <= 6, (counts, counter)


@pytest.mark.parametrize(
    "change",
    ["session_edit", "activity_title", "enrolment_cancelled", "rotation", "trainer_added"],
)
def test_every_change_that_shapes_the_feed_changes_the_etag(
    client, setup, feed_path, create_activity, change
):
    participant, activity, enrolment = setup
    path = feed_path(participant)
    before = client.get(path)
    etag = before.headers["ETag"]

    if change == "session_edit":
        session = activity.sessions[0]
        session.starts_at += timedelta(hours=1)
        session.ends_at += timedelta(hours=1)
        session.touch()
    elif change == "activity_title":
        activity.title = "Wonen op maat (nieuwe titel)"
    elif change == "enrolment_cancelled":
        enrolment.status = EnrolmentStatus.CANCELLED
    elif change == "rotation":
        rotate_feed_token(participant, actor=participant)
    elif change == "trainer_added":
        create_activity(sessions=2, trainers=[participant])
    db.session.commit()
    if change == "rotation":
        path = feed_path(participant)

    after = client.get(path, headers={"If-None-Match": etag})
    assert after.status_code == 200, change
    assert after.headers["ETag"] != etag
    if change == "activity_title":
        assert b"Wonen op maat (nieuwe titel) (1/4)" in after.data
    if change == "enrolment_cancelled":
        assert b"BEGIN:VEVENT" not in after.data


def test_cancelling_an_enrolment_then_enrolling_elsewhere_is_noticed(
    client, setup, feed_path, create_activity, create_enrolment
):
    """Same number of sessions before and after: the fingerprint still tells them apart."""
    participant, _activity, enrolment = setup
    path = feed_path(participant)
    etag = client.get(path).headers["ETag"]
    other = create_activity(title="Andere cursus", sessions=4)
    enrolment.status = EnrolmentStatus.CANCELLED
    db.session.commit()
    create_enrolment(other, participant)
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert b"Andere cursus (1/4)" in response.data
    assert b"Wonen op maat" not in response.data


def test_cache_headers(client, setup, feed_path):
    participant, activity, _ = setup
    paths = feed_paths(participant, activity, feed_path)
    personal = client.get(paths["personal"])
    assert personal.headers["Cache-Control"] == "private, no-cache"
    assert "Set-Cookie" not in personal.headers
    for kind in ("activity", "catalogue"):
        response = client.get(paths[kind])
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"


def test_a_304_never_calls_the_builder_even_after_the_cache_row_is_gone(
    client, setup, feed_path, monkeypatch
):
    participant, _activity, _ = setup
    path = feed_path(participant)
    etag = client.get(path).headers["ETag"]
    db.session.execute(FeedCache.__table__.delete())
    db.session.commit()

    def refuse(*_args, **_kwargs):
        raise AssertionError("built")

    monkeypatch.setattr(feeds, "build_personal", refuse)
    monkeypatch.setattr(ics, "feed", refuse)
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304


def test_feed_window_changes_are_noticed_without_any_update(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    """A session that leaves the 90-day window changes the count, hence the ETag."""
    participant = create_user()
    now = utcnow()
    old = create_activity(
        title="Oud",
        sessions=[
            (now - timedelta(days=89, hours=23), now - timedelta(days=89, hours=20)),
            (now - timedelta(days=120), now - timedelta(days=120) + timedelta(hours=3)),
        ],
    )
    create_enrolment(old, participant)
    feed = parse(client.get(feed_path(participant)).data)
    recent = max(old.sessions, key=lambda s: s.starts_at)
    assert feed.uids == {recent.uid}
    assert str(feed.event(recent.uid)["SUMMARY"]) == "Oud (2/2)"  # numbered over all


def test_request_log_never_holds_the_token(client, setup, feed_path, caplog):
    participant, _activity, _ = setup
    path = feed_path(participant)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    with caplog.at_level(logging.INFO, logger="lms.request"):
        client.get(path)
        client.get("/calendar/catalogue.ics")
    lines = [r.getMessage() for r in caplog.records if r.name == "lms.request"]
    assert any("path=/calendar/[redacted]" in line for line in lines)
    assert any("path=/calendar/catalogue.ics" in line for line in lines)
    assert not any(token in line for line in lines)


def test_two_builds_racing_for_the_same_key_do_not_fail(client, setup, feed_path):
    """The store is an upsert: a second build of the same key replaces the first."""
    from lms.calendar import queries

    queries.store_body("personal:race", "a", b"one", utcnow())
    queries.store_body("personal:race", "b", b"two", utcnow())
    db.session.commit()
    assert queries.cached_body("personal:race", "b") == b"two"
    assert queries.cached_body("personal:race", "a") is None


def test_enrolments_in_other_states_do_not_count(
    client, create_activity, create_user, feed_path, parse
):
    participant = create_user()
    kept = create_activity(title="Bevestigd", sessions=1)
    for status, title in (
        ("confirmed", None),
        ("waitlisted", "Wachtlijst"),
        ("pending", "Aangevraagd"),
        ("cancelled", "Geannuleerd"),
        ("rejected", "Niet aanvaard"),
    ):
        activity = kept if title is None else create_activity(title=title, sessions=1)
        db.session.add(
            Enrolment(user=participant, activity=activity, status=EnrolmentStatus(status))
        )
    db.session.commit()
    feed = parse(client.get(feed_path(participant)).data)
    assert feed.uids == {kept.sessions[0].uid}
