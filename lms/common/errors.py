"""The one shape of a refusal: :class:`RuleError`, which every feature's error extends.

A rule (a service function) that refuses raises a subclass of :class:`RuleError` with the
sentence the person reads (``message``, Dutch, already passed through gettext), a short
machine ``code`` (``not_found``, ``full``, ``invalid``, …), the form ``field`` it concerns if
any, and the HTTP ``status`` a web or API caller answers with. The rules floor knows nothing
of HTTP beyond that number; turning the error into a response is done once for the API
(:func:`lms.api.auth.refuse`) and once for pages (:func:`lms.web.flash_refusal`).

Subclasses keep their own constructor signatures (their callers are many) and set the class
attributes ``code`` and ``status`` as their defaults.
"""

from __future__ import annotations


class RuleError(Exception):
    """A rule refused; ``message`` is meant for the person (see the module docstring)."""

    #: Defaults of the class; an instance may override them.
    code: str = "invalid"
    status: int = 409

    def __init__(
        self,
        message: str,
        code: str | None = None,
        field: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
