"""The signed “stop” link of an interest mail.

The link names the person and the list (activity or theme) and is signed with the app's
secret key, so it works without logging in and nobody can stop someone else's list by
guessing. It does not expire: a stop link in an old mail must keep working.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "interest-stop"


class StopTarget(NamedTuple):
    user_id: int
    kind: str  # "activity" or "theme"
    target_id: int


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def stop_token(user_id: int, kind: str, target_id: int) -> str:
    return str(_serializer().dumps([user_id, kind, target_id]))


def read_stop_token(token: str) -> StopTarget | None:
    """The list a token stops, or None for a token that is not ours."""
    if not token or len(token) > 300:
        return None
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not isinstance(value[0], int)
        or value[1] not in ("activity", "theme")
        or not isinstance(value[2], int)
    ):
        return None
    return StopTarget(value[0], value[1], value[2])
