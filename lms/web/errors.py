"""Showing a rule's refusal on a page: the one helper every view uses.

A view that catches a :class:`~lms.common.errors.RuleError` flashes its message with
:func:`flash_refusal` and redirects or re-renders. A refusal no view catches becomes an
error page (or JSON) with its own status in :func:`lms.web.refusal_response`. This module
imports nothing of the features, so every feature's views can use it without tying the
features together.
"""

from __future__ import annotations

from flask import flash

from lms.common.errors import RuleError


def flash_refusal(error: RuleError, category: str = "error") -> None:
    """Show a refusal's message (Dutch, already translated) on the next page."""
    flash(error.message, category)
