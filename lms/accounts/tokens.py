"""Personal API tokens: random, shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from lms.audit import record
from lms.extensions import db
from lms.models import ApiToken, User, utcnow

TOKEN_PREFIX = "sam_"  # noqa: S105 (a prefix, not a secret: makes leaked tokens greppable)
#: last_used_at is refreshed at most this often, so reading the API does not write each time.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_api_token(user: User, label: str = "", *, actor: User | None = None) -> str:
    """A new token for ``user``; returns the raw token (the only time it exists in clear)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(raw), label=label[:100]))
    record(
        "token.created",
        actor=actor or user,
        subject_user=user,
        summary=f"API-sleutel aangemaakt{f' ({label})' if label else ''}",
    )
    return raw


def find_api_token(raw: str) -> ApiToken | None:
    """The valid token row for ``raw`` (None when unknown, revoked or its owner inactive)."""
    if not raw:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    return token


def user_for_api_token(raw: str) -> User | None:
    token = find_api_token(raw)
    if token is None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token.user


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(
            "token.revoked", actor=actor, subject_user=token.user, summary="API-sleutel ingetrokken"
        )


def revoke_all_api_tokens(user: User) -> int:
    """Revoke every valid token of ``user`` (password change, deactivation)."""
    count = 0
    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = utcnow()
        count += 1
    return count
