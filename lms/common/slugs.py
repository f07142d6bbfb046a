"""URL slugs from Dutch titles: ``Wonen op maat: lokaal woonbeleid`` → ``wonen-op-maat-…``."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str, max_length: int = 200) -> str:
    normalised = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", normalised.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "activiteit"
