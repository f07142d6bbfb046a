"""Dutch first (nl-BE), English available, through Flask-Babel.

Message ids are Dutch; ``translations/en`` holds the English catalogue. A person's choice
is kept on their account and in a cookie (so it also works before logging in).
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, LazyString, gettext
from flask_login import current_user

from config import BASE_DIR

LANGUAGE_COOKIE = "lang"


def lazy_capitalized(label: str) -> LazyString:
    """A label marked with :func:`lms.models.markers.N_`, translated and capitalised when
    it is shown: for choices of forms declared at import time
    (``SelectChoice(kind.value, lazy_capitalized(...))``)."""
    return LazyString(lambda: gettext(label).capitalize())


def select_locale() -> str:
    """The person's choice, else the cookie, else Dutch; Dutch outside a request (CLI, mail)."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_i18n(app: Flask, babel: Babel) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(BASE_DIR / "lms" / "translations"),
    )
