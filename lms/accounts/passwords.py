"""Password hashing and the password policy.

Hashes are scrypt (Werkzeug's default); a policy refuses short and very common passwords
with an explanation in Dutch.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

#: Compared against when the email is unknown, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password-just-for-timing")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)


def burn_time_like_a_check(password: str) -> None:
    """Spend the time of a real check (unknown email), so timing reveals nothing."""
    check_password_hash(_DUMMY_HASH, password)


@cache
def common_passwords() -> frozenset[str]:
    """The refused passwords and words (about 30,000; read once per process)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        entry for line in lines if (entry := line.strip().lower()) and not entry.startswith("#")
    )


#: What people put around a common word: "Welkom2025!", "2024zomer", "wacht-woord".
_AROUND = "0123456789!?.,;:@#$%&*+=_-~ "
#: Letters written as digits or signs ("p@ssw0rd").
_LEET = str.maketrans(
    {
        "@": "a",
        "4": "a",
        "3": "e",
        "1": "i",
        "!": "i",
        "0": "o",
        "$": "s",
        "5": "s",
        "7": "t",
        "€": "e",
    }
)


def _variants(lowered: str) -> set[str]:
    """The password as an attacker's word list would hold it."""
    stripped = lowered.strip(_AROUND)
    letters = "".join(ch for ch in lowered if ch.isalpha())
    return {lowered, stripped, letters, lowered.translate(_LEET), stripped.translate(_LEET)}


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why this password is refused, in the reader's language; empty when it is fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Kies een wachtwoord van minstens %(n)s tekens.", n=MIN_LENGTH))
    lowered = password.lower()
    variants = {v for v in _variants(lowered) if v}
    if variants & common_passwords():
        problems.append(
            _(
                "Dit wachtwoord is te bekend: het (of het woord erin) staat in lijsten die "
                "aanvallers eerst proberen. Kies een zin van enkele woorden die niet bij elkaar "
                "horen."
            )
        )
    elif len(set(lowered)) <= 3:
        problems.append(_("Dit wachtwoord herhaalt te weinig verschillende tekens."))
    local_part = email.split("@", 1)[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        problems.append(_("Gebruik je e-mailadres niet in je wachtwoord."))
    elif _is_own_name(variants, name):
        problems.append(_("Gebruik je naam niet als wachtwoord."))
    return problems


def _is_own_name(variants: set[str], name: str) -> bool:
    parts = [p for p in "".join(c if c.isalpha() else " " for c in name.lower()).split() if p]
    names = {"".join(parts), *(p for p in parts if len(p) >= 4)}
    return bool(names & variants)
