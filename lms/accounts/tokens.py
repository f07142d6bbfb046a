"""Personal API tokens: random, shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import Flask, current_app
from sqlalchemy import bindparam, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import contains_eager

from lms.audit import record
from lms.extensions import db
from lms.models import ApiToken, User, utcnow

log = logging.getLogger(__name__)

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


@cache
def _token_statement() -> Any:
    """The token with its owner and the owner's roles: one query (a LEFT JOIN for roles)."""
    return (
        select(ApiToken)
        .join(ApiToken.user)
        .where(ApiToken.token_hash == bindparam("token_hash"))
        .options(contains_eager(ApiToken.user).joinedload(User.role_rows))
    )


def find_api_token(raw: str) -> ApiToken | None:
    """The valid token row for ``raw`` (None when unknown, revoked or its owner inactive),
    with its owner and their roles, in one query."""
    if not raw:
        return None
    result = db.session.execute(_token_statement(), {"token_hash": hash_token(raw)})
    token = result.unique().scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    return token


def user_for_api_token(raw: str) -> User | None:
    """The owner of a valid token. Its use is noted for :func:`flush_token_usage` (no write,
    no commit here: a request must not commit halfway, nor wait for a disk flush)."""
    token = find_api_token(raw)
    if token is None:
        return None
    note_token_use(token, utcnow())
    return token.user


# --- When a token was last used ----------------------------------------------------------
#
# Kept per worker and written in one statement at most once per FLUSH_INTERVAL, after a
# response has been sent (lms.web installs the hook), in a transaction of its own. A
# crashed worker loses at most that interval of bookkeeping.

#: How often a worker writes the usage it collected.
FLUSH_INTERVAL = timedelta(seconds=60)


class _Usage:
    def __init__(self) -> None:
        self.pending: dict[int, datetime] = {}
        self.flushed_at: datetime | None = None
        self.lock = threading.Lock()


def _usage(app: Flask | None = None) -> _Usage:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    usage = app.extensions.get("lms_token_usage")
    if usage is None:
        usage = app.extensions.setdefault("lms_token_usage", _Usage())
    return usage


def note_token_use(token: ApiToken, now: datetime) -> None:
    """Remember that ``token`` was used (only when the stored moment is out of date)."""
    if token.last_used_at is not None and now - token.last_used_at <= LAST_USED_RESOLUTION:
        return
    usage = _usage()
    with usage.lock:
        usage.pending[token.id] = now


def token_usage_due(now: datetime, app: Flask | None = None) -> bool:
    """Whether this worker holds usage to write and last wrote it long enough ago."""
    usage = _usage(app)
    if not usage.pending:
        return False
    return usage.flushed_at is None or now - usage.flushed_at >= FLUSH_INTERVAL


def flush_token_usage(engine: Engine, now: datetime, app: Flask | None = None) -> int:
    """Write the collected usage in one statement of its own transaction; returns the
    number of tokens. A failure (the database away) keeps the usage for the next try."""
    usage = _usage(app)
    with usage.lock:
        pending, usage.pending = usage.pending, {}
        usage.flushed_at = now
    if not pending:
        return 0
    rows = [{"token_id": token_id, "used_at": used_at} for token_id, used_at in pending.items()]
    table = ApiToken.__table__
    statement = (
        table.update()
        .where(
            table.c.id == bindparam("token_id"),
            or_(table.c.last_used_at.is_(None), table.c.last_used_at < bindparam("used_at")),
        )
        .values(last_used_at=bindparam("used_at"))
    )
    try:
        with engine.begin() as connection:
            connection.execute(statement, rows)
    except Exception:  # bookkeeping only: never let it break anything
        log.warning("Could not write API token usage; kept for the next try.", exc_info=True)
        with usage.lock:
            for token_id, used_at in pending.items():
                usage.pending.setdefault(token_id, used_at)
        return 0
    return len(rows)


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
