"""Password hashing and the password policy.

Hashes are scrypt (Werkzeug's default); a policy refuses short and very common passwords
with an explanation in Dutch.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

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
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why this password is refused, in Dutch; empty when it is fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Kies een wachtwoord van minstens {MIN_LENGTH} tekens.")
    lowered = password.lower()
    if lowered in common_passwords() or lowered.rstrip("0123456789!") in common_passwords():
        problems.append(
            "Dit wachtwoord is te bekend: het staat in lijsten die aanvallers eerst proberen."
        )
    elif len(set(lowered)) <= 3:
        problems.append("Dit wachtwoord herhaalt te weinig verschillende tekens.")
    local_part = email.split("@", 1)[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        problems.append("Gebruik je e-mailadres niet in je wachtwoord.")
    return problems
