"""``/contact``: how to reach SAM, as configured: address, phone and e-mail.

``LMS_CONTACT_ADDRESS`` (lines separated by ``|`` or a newline), ``LMS_CONTACT_PHONE`` and
``LMS_CONTACT_EMAIL`` come from the app config (``config.py`` reads them from the
environment); the page shows only what is set. The e-mail falls back to the privacy
contact (which falls back to the mail sender, :func:`lms.privacy.settings.privacy_contact`),
so the page always offers a way to write to SAM. The page is the same for everyone and
needs no session.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from lms.privacy.settings import privacy_contact


def _setting(name: str) -> str:
    """A contact setting from the app config ("" when not set)."""
    return str(current_app.config.get(name) or "").strip()


def contact_email() -> str:
    """The address people write to: ``LMS_CONTACT_EMAIL``, else the privacy contact."""
    return _setting("LMS_CONTACT_EMAIL") or privacy_contact()


def page() -> Any:
    address = _setting("LMS_CONTACT_ADDRESS").replace("|", "\n")
    phone = _setting("LMS_CONTACT_PHONE")
    return render_template(
        "contact/page.html",
        email=contact_email(),
        address_lines=[line.strip() for line in address.split("\n") if line.strip()],
        phone=phone,
        phone_href="".join(ch for ch in phone if ch.isdigit() or ch == "+"),
    )
