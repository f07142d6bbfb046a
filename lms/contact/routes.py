"""``/contact``: SAM's address, e-mail and (when configured) phone number.

The e-mail is ``LMS_CONTACT_EMAIL``, else the privacy contact (which falls back to the
mail sender, :func:`lms.privacy.settings.privacy_contact`), so a fresh installation never
shows an empty address. ``LMS_CONTACT_ADDRESS`` (lines separated by ``\n`` or ``|``) and
``LMS_CONTACT_PHONE`` are read from the app config, else from the environment. The page is
the same for everyone and needs no session.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, current_app, render_template

from lms.privacy.settings import privacy_contact

bp = Blueprint("contact", __name__)

#: SAM's postal address, lines separated by ``|`` (override with ``LMS_CONTACT_ADDRESS``).
DEFAULT_ADDRESS = "SAM vzw|Vooruitgangstraat 323 bus 2|1030 Brussel"


def _setting(name: str, default: str = "") -> str:
    """A contact setting from the app config, else the environment, else ``default``."""
    value = current_app.config.get(name) or os.environ.get(name) or default
    return str(value).strip()


def contact_email() -> str:
    """The address people write to: ``LMS_CONTACT_EMAIL``, else the privacy contact."""
    return _setting("LMS_CONTACT_EMAIL") or privacy_contact()


@bp.get("/contact")
def page() -> Any:
    address = _setting("LMS_CONTACT_ADDRESS", DEFAULT_ADDRESS).replace("|", "\n")
    phone = _setting("LMS_CONTACT_PHONE")
    return render_template(
        "contact/page.html",
        email=contact_email(),
        address_lines=[line.strip() for line in address.split("\n") if line.strip()],
        phone=phone,
        phone_href="".join(ch for ch in phone if ch.isdigit() or ch == "+"),
    )
