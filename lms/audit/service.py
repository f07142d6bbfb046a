"""Writing the audit log. Services call :func:`record` in the transaction of their change."""

from __future__ import annotations

from typing import Any

from lms.extensions import db
from lms.models import Activity, AuditEntry, User


def record(
    action: str,
    *,
    actor: User | None,
    summary: str,
    subject_user: User | None = None,
    activity: Activity | None = None,
    **details: Any,
) -> AuditEntry:
    """Add an audit entry to the current transaction (committed with the change itself)."""
    entry = AuditEntry(
        action=action,
        actor=actor,
        subject_user=subject_user,
        activity=activity,
        summary=summary,
        details={k: _jsonable(v) for k, v in details.items()},
    )
    db.session.add(entry)
    return entry


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
