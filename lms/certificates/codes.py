"""Verification codes: 80 random bits in grouped Crockford base32, e.g. ``7KQ4-M2XD-9FJ1-PZ3W``.

Crockford's alphabet leaves out I, L, O and U, so a code read aloud or typed from paper
survives the usual confusions: :func:`normalise` maps O to 0 and I/L to 1, ignores case,
spaces and dashes, and regroups.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 symbols × 5 bits = 80 bits of randomness
GROUP = 4

_TRANSLATE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return group("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def group(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalise(text: str | None) -> str | None:
    """The canonical form of a typed code, or None when it cannot be a code at all."""
    if not text:
        return None
    raw = "".join(ch for ch in text.upper() if not ch.isspace() and ch not in "-–—_.")
    raw = raw.translate(_TRANSLATE)
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return group(raw)
