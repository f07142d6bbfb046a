"""Where a "next" parameter may send someone: only to a path on this site.

Used by every view that redirects to a target taken from the request (login's ``next``,
the preference forms, "back" links after an action), so none of them can be turned into an
open redirect: no scheme, no host, no ``//`` and no backslash (browsers read ``/\\host``
as ``//host``).
"""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str | None = None) -> str | None:
    """``target`` when it is a local path, else ``default``."""
    if not target or not target.startswith("/") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return default
    if any(ord(char) < 32 for char in target):
        return default
    return target
