"""Calendar rules that write: the shared cache of built feeds and rotating feed tokens.

Like every service, these add to the session and flush; the route commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from lms import audit
from lms.calendar import queries, tokens
from lms.calendar.feeds import Feed
from lms.models import User


def feed_body(feed: Feed, now: datetime) -> bytes:
    """The feed's bytes: the shared build for this ETag, else a fresh build, stored.

    Every worker (and every host) reads the same ``feed_cache`` row, so a feed is built
    once per change, not once per worker per poll. On PostgreSQL, requests that miss the
    cache at the same moment queue behind one builder (a transaction-scoped advisory
    lock on the feed's key) instead of all building the same bytes.
    """
    body = queries.cached_body(feed.key, feed.etag)
    if body is None and queries.wait_for_builder(feed.key):
        # Another worker was building this feed while we waited: take its build.
        body = queries.cached_body(feed.key, feed.etag)
    if body is None:
        body = feed.build()
        queries.store_body(feed.key, feed.etag, body, now)
    return body


def rotate_feed_token(user: User, *, actor: User) -> tokens.FeedToken:
    """A new feed URL; the old one answers 404 from now on."""
    had_token = bool(user.feed_selector)
    token = tokens.rotate_feed_token(user)
    queries.forget_body(f"personal:{user.id}")
    audit.record(
        "calendar.feed_token_rotated" if had_token else "calendar.feed_token_created",
        actor=actor,
        subject_user=user,
        summary=(
            f"Nieuwe agenda-link voor {user.name}; de vorige link werkt niet meer."
            if had_token
            else f"Agenda-link gemaakt voor {user.name}."
        ),
    )
    return token


@dataclass(frozen=True)
class Subscription:
    """The links on the subscription page."""

    https_url: str
    webcal_url: str
    google_url: str


def subscription_for(user: User) -> Subscription:
    """The user's feed links (the token is created on first use; the caller commits)."""
    https_url = tokens.personal_feed_url(user)
    webcal_url = tokens.webcal_url(https_url)
    google_url = "https://calendar.google.com/calendar/r?cid=" + quote(webcal_url, safe=":/")
    return Subscription(https_url=https_url, webcal_url=webcal_url, google_url=google_url)
