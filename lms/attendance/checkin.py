"""Self check-in codes: short, rotating, derived from the app's secret.

A code is six characters from an alphabet without look-alikes (no 0/O, 1/I/L), computed
as HMAC-SHA256(SECRET_KEY, session id, time window). The window is one minute; the current
and the previous window are accepted, so a code read just before it changes still works.
Nothing is stored: every app server computes the same code, and a code is worthless for
another session or a minute later. Check-in is open from 30 minutes before the start to
the end of the session.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from flask import current_app

from lms.models import ActivitySession

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
WINDOW_SECONDS = 60
OPENS_BEFORE = timedelta(minutes=30)
#: How many windows back a code is still accepted (1: the previous minute's code).
ACCEPTED_PAST_WINDOWS = 1


class WindowState(StrEnum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class CheckinCode:
    code: str
    #: When this code stops being shown (it is still accepted one window longer).
    rotates_at: datetime

    @property
    def display(self) -> str:
        """``ABC DEF``: easier to read out and type."""
        half = len(self.code) // 2
        return f"{self.code[:half]} {self.code[half:]}"


def opens_at(session: ActivitySession) -> datetime:
    return session.starts_at - OPENS_BEFORE


def window_state(session: ActivitySession, now: datetime) -> WindowState:
    if now < opens_at(session):
        return WindowState.NOT_OPEN
    if now > session.ends_at:
        return WindowState.CLOSED
    return WindowState.OPEN


def window_index(at: datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    # A key of its own, so a check-in code never equals any other HMAC the app makes.
    return hmac.new(secret, b"lms.attendance.checkin", hashlib.sha256).digest()


def code_for(session_id: int, window: int) -> str:
    digest = hmac.new(_key(), f"{session_id}:{window}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:12], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def current_code(session: ActivitySession, now: datetime) -> CheckinCode:
    window = window_index(now)
    rotates_at = datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, tz=UTC)
    return CheckinCode(code=code_for(session.id, window), rotates_at=rotates_at)


def normalise(code: str | None) -> str:
    """Upper case, without spaces or dashes; typed look-alikes are not guessed."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_matches(session_id: int, code: str | None, now: datetime) -> bool:
    """The code is this session's code of the current or the previous window."""
    typed = normalise(code)
    if len(typed) != CODE_LENGTH:
        return False
    window = window_index(now)
    matched = False
    for back in range(ACCEPTED_PAST_WINDOWS + 1):
        # Compare against every accepted window (constant time, no early exit).
        matched |= hmac.compare_digest(typed, code_for(session_id, window - back))
    return matched


def scan_url(session_id: int, code: str) -> str:
    """The absolute URL the QR code holds: ``/checkin/<id>?code=…`` (see LMS_BASE_URL)."""
    from lms.common.urls import absolute_url

    return absolute_url("attendance.checkin_scan", session_id=session_id, code=code)


def qr_code(url: str):  # -> segno.QRCode
    import segno

    return segno.make(url, error="m")


def qr_svg(url: str) -> str:
    """The QR code as inline SVG (no style attributes: fine under our CSP)."""
    return qr_code(url).svg_inline(
        scale=1, border=4, omitsize=True, dark="#000", light="#fff", title="QR-code"
    )
