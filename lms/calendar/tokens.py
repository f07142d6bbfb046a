"""Personal feed tokens: a selector (looked up by its unique index) and a secret (compared in
constant time), both random, joined in the URL: ``/calendar/<selector><secret>.ics``.

The secret carries 192 bits of randomness, the selector another 64. Rotating replaces both,
so the old URL stops working at once (its selector no longer exists). The secret is kept
in the clear on purpose: the owner must be able to see their feed URL again on the
subscription page and through the API, and a calendar client has nothing but the URL.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from lms.common.urls import absolute_url
from lms.extensions import db
from lms.models import User

SELECTOR_LENGTH = 16  # hex characters: 64 bits, only for the index lookup
SECRET_LENGTH = 48  # hex characters: 192 bits, compared with hmac.compare_digest
TOKEN_LENGTH = SELECTOR_LENGTH + SECRET_LENGTH
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class FeedToken:
    selector: str
    secret: str

    def __str__(self) -> str:
        return self.selector + self.secret


def _new_pair() -> tuple[str, str]:
    return secrets.token_hex(SELECTOR_LENGTH // 2), secrets.token_hex(SECRET_LENGTH // 2)


def split_token(token: str) -> FeedToken | None:
    """The selector and secret of a token from a URL, or None when it cannot be one."""
    token = (token or "").lower()
    if len(token) != TOKEN_LENGTH or not set(token) <= _HEX:
        return None
    return FeedToken(token[:SELECTOR_LENGTH], token[SELECTOR_LENGTH:])


def secret_matches(stored: str | None, given: str) -> bool:
    """Constant-time comparison of the secret (a missing secret never matches)."""
    if not stored:
        return False
    return hmac.compare_digest(stored.encode("ascii"), given.encode("ascii"))


def ensure_feed_token(user: User) -> FeedToken:
    """The user's token, created on first use (flushed with the session, not committed).

    Two requests creating the first token at once must agree on one: the update only
    applies while the user has no selector yet, and the loser reads the winner's token.
    """
    if user.feed_selector and user.feed_secret:
        return FeedToken(user.feed_selector, user.feed_secret)
    selector, secret = _new_pair()
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, User.feed_selector.is_(None))
        .values(feed_selector=selector, feed_secret=secret)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        selector, secret = db.session.execute(
            select(User.feed_selector, User.feed_secret).where(User.id == user.id)
        ).one()
    # Keep the identity map in step without marking the user dirty.
    db.session.expire(user, ["feed_selector", "feed_secret"])
    return FeedToken(selector, secret)


def rotate_feed_token(user: User) -> FeedToken:
    """Replace selector and secret; the old URL answers 404 from the next request on."""
    selector, secret = _new_pair()
    user.feed_selector = selector
    user.feed_secret = secret
    db.session.flush()
    return FeedToken(selector, secret)


def personal_feed_url(user: User) -> str:
    """The absolute https URL of the user's personal feed (creates the token on first use).

    The caller commits (the token is written in its transaction).
    """
    return absolute_url("calendar.personal_feed", token=str(ensure_feed_token(user)))


def webcal_url(https_url: str) -> str:
    """The same feed as a ``webcal://`` link, which calendar apps open as a subscription."""
    scheme, _sep, rest = https_url.partition("://")
    return f"webcal://{rest}" if scheme in ("http", "https") else https_url
