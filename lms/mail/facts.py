"""The facts a queued mail reports, as plain JSON, taken while the change is made.

A mail is rendered when it is sent (:mod:`lms.mail.rendering`), possibly a day later, by a
worker that has no request. So the transaction that queues it writes down what the mail
is about *as it was at that moment* — the activity's title, the session's times, the
waiting-list position, the links — and nothing that needs a template. Reading attributes
of rows already loaded is all this module does: no template, no iCalendar, no request.

:func:`snapshot` turns the values services pass (users, activities, sessions, enrolments,
datetimes, enums, decimals) into JSON with the same attribute names the mail templates
read (Jinja reads ``activity.title`` from a dict as well as from an object), so a
template does not care whether it is given a row or its facts. Datetimes become ISO 8601
strings with their offset; :func:`revive` turns them back into aware datetimes for the
date filters.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lms.models import Activity, ActivitySession, Enrolment, Organisation, User

_ISO_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)$")


def user_facts(user: User) -> dict[str, Any]:
    """A person as mails name them (their organisation only where a mail names it: it
    would cost a query per mail while a lock is held)."""
    return {"id": user.id, "name": user.name, "first_name": user.first_name, "email": user.email}


def activity_facts(activity: Activity) -> dict[str, Any]:
    """What the mail templates say about an activity."""
    return {
        "id": activity.id,
        "title": activity.title,
        "kind": {"value": activity.kind.value, "label": activity.kind.label},
        "status": activity.status.value,
        "is_programme": bool(activity.is_programme),
        "seat_release": activity.seat_release.value if activity.seat_release else None,
        "offer_hours": activity.offer_hours,
        "what_to_bring": activity.what_to_bring or "",
        "cancellation_deadline": snapshot(activity.cancellation_deadline),
        "price_member": snapshot(activity.price_member),
        "price_non_member": snapshot(activity.price_non_member),
    }


def session_facts(session: ActivitySession) -> dict[str, Any]:
    """A session as a mail shows it (the invitation has its own facts)."""
    return {
        "id": session.id,
        "uid": session.uid,
        "title": session.title or "",
        "starts_at": snapshot(session.starts_at),
        "ends_at": snapshot(session.ends_at),
        "location": session.location or "",
        "online_url": session.online_url or "",
        "status": session.status.value,
        "sequence": session.sequence or 0,
    }


def snapshot(value: Any) -> Any:
    """``value`` as JSON (see the module's docstring); raises TypeError for anything a
    mail cannot keep, so a new fact of an unknown type fails in the tests, not in the
    worker a day later."""
    if isinstance(value, enum.Enum):  # before str: StrEnum members are strings too
        return snapshot(value.value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, User):
        return user_facts(value)
    if isinstance(value, Activity):
        return activity_facts(value)
    if isinstance(value, ActivitySession):
        return session_facts(value)
    if isinstance(value, Enrolment):
        return {"id": value.id, "status": value.status.value}
    if isinstance(value, Organisation):
        return {"name": value.name}
    if isinstance(value, Mapping):
        return {str(key): snapshot(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [snapshot(item) for item in value]
    raise TypeError(f"a mail fact cannot hold a {type(value).__name__}")


def revive(value: Any) -> Any:
    """The facts with their ISO datetimes as aware datetimes again (for the filters)."""
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {key: revive(item) for key, item in value.items()}
    if isinstance(value, list):
        return [revive(item) for item in value]
    return value
