"""Password hashing (Argon2id) and the strength rules a new password must meet.

Parameters follow OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane): memory-hard, yet 20
simultaneous sign-ins stay well inside a 512 MB service. A semaphore bounds how many hashes run
at once so a burst of logins cannot exhaust memory. Unknown emails are checked against a dummy
hash so a failed login costs the same time whether or not the account exists.
"""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.core.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 128
_CONCURRENT_HASHES = threading.BoundedSemaphore(4)
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class WeakPassword(InvalidInput):
    code = "weak_password"


def _classes(password: str) -> int:
    checks = (str.islower, str.isupper, str.isdigit)
    found = {i for ch in password for i, check in enumerate(checks) if check(ch)}
    if any(not ch.isalnum() for ch in password):
        found.add(len(checks))
    return len(found)


def check_strength(password: str, *, email: str) -> None:
    """At least 10 characters, at least two kinds (lower, upper, digit, other), not the email."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Choose a password of at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Choose a password of at most {MAX_LENGTH} characters.")
    if _classes(password) < 2:
        raise WeakPassword(
            "Mix at least two kinds of characters (lower case, upper case, digits, symbols)."
        )
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    if email.lower() in lowered or (len(local_part) >= 4 and local_part in lowered):
        raise WeakPassword("The password must not contain your email address.")
    if len(set(lowered)) <= 3:
        raise WeakPassword("The password repeats too few characters; choose a less guessable one.")


def hash_password(password: str) -> str:
    with _CONCURRENT_HASHES:
        return _HASHER.hash(password)


_DUMMY_HASH = hash_password("not-a-real-password-0")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check ``password``; with no stored hash, spend the same effort on a dummy and fail."""
    with _CONCURRENT_HASHES:
        try:
            return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
