"""A confirmation step for actions that cannot be undone, without JavaScript.

A view of such an action calls :func:`ask` first: unless the form says ``confirmed=1``,
it answers with a page that names the consequence and posts the same fields back with
``confirmed=1`` (and a fresh CSRF token), or links back. A browser without scripts, a
screen reader and a double click all get the same explicit second step.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request

#: Form fields never copied onto the confirmation page.
_SKIP = frozenset({"csrf_token", "confirmed"})


def confirmed() -> bool:
    return request.form.get("confirmed") == "1"


def ask(
    *,
    title: str,
    consequence: str,
    button: str,
    back_url: str,
    back_label: str,
) -> Any | None:
    """None when the request confirms; otherwise the confirmation page to return."""
    if confirmed():
        return None
    fields = [
        (name, value)
        for name, values in request.form.lists()
        if name not in _SKIP
        for value in values
    ]
    action = request.full_path.rstrip("?")
    return render_template(
        "confirm.html",
        title=title,
        consequence=consequence,
        button=button,
        back_url=back_url,
        back_label=back_label,
        action=action,
        fields=fields,
    )
