"""The three feeds: what each one is called, its ETag, and how to build it.

Serving a feed is two steps. First the *state*: one query that finds the feed (and, for a
personal feed, its owner) together with its fingerprint, from which the ETag follows —
no rows are fetched and nothing is built, so answering 304 costs one query. Only when the
client lacks that version do we look in the shared cache (:mod:`lms.calendar.service`)
and, failing that, *build*: one query for the rows and a pure function
(:mod:`lms.calendar.ics`) to bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from lms.calendar import ics, queries
from lms.calendar.tokens import secret_matches, split_token
from lms.common.slugs import slugify

#: Part of every ETag: bump it when the bytes a feed is built into change shape, so
#: cached builds from an older release are not served again.
#: "2": public feeds no longer carry online meeting links (builds of "1" did).
FORMAT_VERSION = "2"

PERSONAL_NAME = "SAM Leerplatform – mijn agenda"
PERSONAL_DESCRIPTION = (
    "Je sessies op het SAM Leerplatform: je inschrijvingen en de activiteiten die je begeleidt."
)
CATALOGUE_NAME = "SAM Leerplatform – volledig aanbod"
CATALOGUE_DESCRIPTION = "Alle sessies van het leeraanbod van SAM."


@dataclass(frozen=True)
class Feed:
    """A feed ready to be answered: its cache key, ETag and (lazy) builder."""

    key: str
    etag: str
    last_modified: datetime | None
    private: bool
    filename: str
    build: Callable[[], bytes]


def _etag(kind: str, ident: str, fingerprint: queries.Fingerprint) -> str:
    base = current_app.config.get("LMS_BASE_URL", "")
    raw = f"{FORMAT_VERSION}|{base}|{kind}|{ident}|{fingerprint.key()}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def events(
    rows: list[queries.NumberedSession], *, with_links: bool = False
) -> list[ics.SessionEvent]:
    """Feed rows to events (one URL per activity, built once).

    ``with_links`` only for the personal feed: it holds the owner's confirmed enrolments
    and the activities they train, whose meeting links they may have. A public feed (and
    so its shared cache entry) never holds a link.
    """
    urls: dict[int, str] = {}
    result = []
    for row in rows:
        activity = row.session.activity
        if activity.id not in urls:
            urls[activity.id] = ics.activity_url(activity.id)
        result.append(
            ics.session_event(
                row.session,
                activity=activity,
                position=row.position,
                total=row.total,
                url=urls[activity.id],
                with_links=with_links,
            )
        )
    return result


# --- Personal --------------------------------------------------------------------------------


def personal(token: str, now: datetime) -> Feed | None:
    """The personal feed of ``token``; None (→ 404, no hint why) for a token that is
    malformed, unknown, rotated away, or whose owner is deactivated or erased."""
    parts = split_token(token)
    if parts is None:
        return None
    state = queries.personal_feed_state(parts.selector, now)
    if state is None or not secret_matches(state.secret, parts.secret) or not state.usable:
        return None
    user_id = state.user_id
    return Feed(
        key=f"personal:{user_id}",
        etag=_etag("personal", f"{user_id}:{parts.selector}", state.fingerprint),
        last_modified=state.fingerprint.last_modified,
        private=True,
        filename="sam-leerplatform-mijn-agenda.ics",
        build=lambda: build_personal(user_id, now),
    )


def build_personal(user_id: int, now: datetime) -> bytes:
    rows = queries.feed_sessions(queries.personal_scope(), queries.personal_params(user_id, now))
    return ics.feed(
        events(rows, with_links=True), name=PERSONAL_NAME, description=PERSONAL_DESCRIPTION, now=now
    )


# --- One activity ------------------------------------------------------------------------------


def activity(activity_id: int, now: datetime) -> Feed | None:
    """The public feed of an activity; None for a draft or an unknown id."""
    state = queries.activity_feed_state(activity_id, now)
    if state is None:
        return None
    title = state.title
    return Feed(
        key=f"activity:{activity_id}",
        etag=_etag("activity", str(activity_id), state.fingerprint),
        last_modified=state.fingerprint.last_modified,
        private=False,
        filename=f"{slugify(title)[:60]}.ics",
        build=lambda: build_activity(activity_id, title, now),
    )


def build_activity(activity_id: int, title: str, now: datetime) -> bytes:
    rows = queries.feed_sessions(
        queries.activity_scope(), queries.activity_params(activity_id, now)
    )
    return ics.feed(events(rows), name=f"{title} – SAM Leerplatform", now=now)


# --- The whole catalogue -------------------------------------------------------------------------


def catalogue(now: datetime) -> Feed:
    fingerprint = queries.catalogue_fingerprint(now)
    return Feed(
        key="catalogue",
        etag=_etag("catalogue", "", fingerprint),
        last_modified=fingerprint.last_modified,
        private=False,
        filename="sam-leerplatform-aanbod.ics",
        build=lambda: build_catalogue(now),
    )


def build_catalogue(now: datetime) -> bytes:
    rows = queries.feed_sessions(queries.catalogue_scope(), queries.catalogue_params(now))
    return ics.feed(events(rows), name=CATALOGUE_NAME, description=CATALOGUE_DESCRIPTION, now=now)
