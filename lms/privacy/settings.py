"""The privacy settings: how long what is kept stays, and where people send their requests.

Each retention period can be overridden by the application config of the same name; the
privacy statement (``templates/privacy/statement.html``) shows them, :mod:`lms.privacy.retention`
applies them.
"""

from __future__ import annotations

import re

from flask import current_app

#: Retention periods (each can be overridden by the application config of the same name).
DEFAULT_CERTIFICATE_RETENTION_YEARS = 10
DEFAULT_FEED_CACHE_RETENTION_DAYS = 30
DEFAULT_REVOKED_TOKEN_RETENTION_DAYS = 90


def retention(name: str) -> int:
    """A retention setting (days or years) from the config, else its default."""
    defaults = {
        "MAIL_RETENTION_DAYS": 90,
        "CERTIFICATE_RETENTION_YEARS": DEFAULT_CERTIFICATE_RETENTION_YEARS,
        "FEED_CACHE_RETENTION_DAYS": DEFAULT_FEED_CACHE_RETENTION_DAYS,
        "REVOKED_TOKEN_RETENTION_DAYS": DEFAULT_REVOKED_TOKEN_RETENTION_DAYS,
    }
    return int(current_app.config.get(name, defaults[name]))


def privacy_contact() -> str:
    """Where people send privacy requests: ``PRIVACY_CONTACT_EMAIL``, else the sender."""
    configured = current_app.config.get("PRIVACY_CONTACT_EMAIL")
    if configured:
        return str(configured)
    sender = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "")
    match = re.search(r"<([^>]+)>", sender)
    return match.group(1) if match else sender
