"""Is a SECRET_KEY good enough for production?

The key signs session and remember-me cookies, reset links and seat offers: whoever knows
it can forge a coordinator's session offline. So production refuses a key that is short,
made of few different characters, or one of the values published in this repository
(config.py) or in every tutorial. The check is pure (no app needed), so config.py, the
application factory and the tests share it.
"""

from __future__ import annotations

import math
from collections import Counter

#: Shorter keys are refused (a random key of 32 URL-safe characters carries 192 bits).
MIN_LENGTH = 32
#: At least this many different characters (a repeated word is not a key).
MIN_DISTINCT = 8
#: Estimated entropy (Shannon, per character, times the length) a key must reach; a
#: random key of 32 hex characters (``secrets.token_hex(16)``) estimates above 80 (none
#: in a million tries fell below).
MIN_BITS = 80

#: Values that are public: the development and testing keys of config.py and the usual
#: placeholders. Compared case-insensitively, also as the key's repeated unit.
KNOWN_WEAK = frozenset(
    {
        "dev-only-secret-key-do-not-use-in-production",
        "testing-secret-key",
        "changeme",
        "change-me",
        "change_me",
        "abc",
        "abc123",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "supersecret",
        "password",
        "dev",
        "development",
        "test",
        "testing",
        "default",
        "sam",
        "lms",
        "your-secret-key",
        "your-secret-key-here",
        "replace-me",
        "please-change-me",
        "a-real-secret-from-the-environment",  # once in this repository's tests
    }
)

HOW_TO_MAKE_ONE = (
    "Make a good one with: python -c 'import secrets; print(secrets.token_urlsafe(48))' "
    "and set it as SECRET_KEY in the environment of every app server (the same value on all)."
)


def estimated_bits(key: str) -> float:
    """Shannon entropy of the key's characters times its length: a rough upper bound of
    what guessing it costs (enough to tell a random key from a word or a pattern)."""
    if not key:
        return 0.0
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_char * len(key)


def weak_key_reason(key: str | None, *, also_known: frozenset[str] = frozenset()) -> str | None:
    """Why ``key`` must not sign production cookies (an English sentence for operators),
    or None when it is good enough."""
    if not key:
        return "SECRET_KEY is not set."
    lowered = key.strip().lower()
    known = KNOWN_WEAK | {k.lower() for k in also_known}
    if lowered in known or any(
        unit and lowered == unit * (len(lowered) // len(unit)) for unit in known
    ):
        return "SECRET_KEY is a published example value."
    if len(key) < MIN_LENGTH:
        return f"SECRET_KEY is too short ({len(key)} characters; at least {MIN_LENGTH})."
    if len(set(key)) < MIN_DISTINCT or estimated_bits(key) < MIN_BITS:
        return "SECRET_KEY is too predictable (too few different characters)."
    return None
