"""Password hashing (argon2id) and the password policy (NIST SP 800-63B style).

Pure functions: no database, no request handling, nothing sent over the network. The
common-password list is a data file shipped with the package and read on first use.

Passwords are NFC-normalised before hashing, verifying and policy checks, so the same
password typed on keyboards that compose accented letters differently (Greek tonos,
Arabic, Persian, Turkish) is the same password.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# Production parameters: above the OWASP floor so that a stolen user table is expensive to
# attack; ~0.1 s per hash on a small server, acceptable for a sign-in.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 65536
ARGON2_PARALLELISM = 1
ARGON2_HASH_LEN = 32
ARGON2_SALT_LEN = 16

# OWASP Password Storage Cheat Sheet minimum for argon2id: (time cost, memory KiB, parallelism).
OWASP_MIN = (2, 19456, 1)

MIN_LENGTH = 12
# NIST asks verifiers to accept at least 64 characters; the cap only bounds the work per request.
MAX_LENGTH = 128
# Shorter usernames ("an", "jo") would reject too many honest passphrases.
MIN_USERNAME_LENGTH_CHECKED = 3

COMMON_PASSWORDS_FILE = "common_passwords.txt"

# A repeated block this short ("abcabcabc…", "aaaa…") is trivial however long the password.
_MAX_REPEATED_BLOCK = 4
# Runs a person walks along on a keyboard or counts through; a password that is one piece of
# one of these (either direction) is as weak as a listed one, at any length.
_SEQUENCES = (
    "012345678901234567890123456789",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
    "αβγδεζηθικλμνξοπρστυφχψωαβγδεζηθικλμνξοπρστυφχψω",
)


@dataclass(frozen=True)
class PolicyError:
    """One reason a new password is refused: a stable `code` and a message for the person."""

    code: str  # "too_short", "too_long", "common" or "contains_username"
    message: LazyString


@lru_cache(maxsize=2)
def make_hasher(fast_for_tests: bool = False) -> argon2.PasswordHasher:
    """Return the argon2id hasher; the fast variant sits exactly on the OWASP floor, never below."""
    if fast_for_tests:
        time_cost, memory_kib, parallelism = OWASP_MIN
    else:
        time_cost, memory_kib, parallelism = ARGON2_TIME_COST, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM
    return argon2.PasswordHasher(
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=parallelism,
        hash_len=ARGON2_HASH_LEN,
        salt_len=ARGON2_SALT_LEN,
        type=argon2.Type.ID,
    )


def _normalise(password: str) -> str:
    """NFC, so composed and decomposed accents give the same hash and the same length."""
    return unicodedata.normalize("NFC", password)


def hash_password(password: str, hasher: argon2.PasswordHasher | None = None) -> str:
    """Hash a password into an encoded argon2id string (salt and parameters included)."""
    return (hasher or make_hasher()).hash(_normalise(password))


def verify_password(stored_hash: str | None, password: str,
                    hasher: argon2.PasswordHasher | None = None) -> bool:
    """True when the password matches; False on a mismatch or a damaged/unknown hash, never raises.

    An account without a hash yet (None or "") costs the same time as a real check.
    """
    hasher = hasher or make_hasher()
    if not isinstance(stored_hash, str) or not stored_hash:
        return verify_against_dummy(password, hasher)
    try:
        return hasher.verify(stored_hash, _normalise(password))
    except (VerificationError, InvalidHashError, ValueError):
        # ValueError covers non-ASCII garbage (UnicodeEncodeError): "no match", not a 500 page.
        return False


def needs_rehash(stored_hash: str | None, hasher: argon2.PasswordHasher | None = None) -> bool:
    """True when the hash was made with other parameters (rehash after a successful sign-in)."""
    if not isinstance(stored_hash, str) or not stored_hash:
        return True
    try:
        return (hasher or make_hasher()).check_needs_rehash(stored_hash)
    except ValueError:
        # Not a hash we can read (InvalidHashError is a ValueError): it should be replaced.
        return True


@lru_cache(maxsize=4)
def _dummy_hash(hasher: argon2.PasswordHasher) -> str:
    """A hash of a random throwaway password, made once per hasher on first use."""
    return hasher.hash(secrets.token_urlsafe(16))


def verify_against_dummy(password: str, hasher: argon2.PasswordHasher | None = None) -> bool:
    """Spend the time of a real verification and return False.

    Called when the username is unknown, so that a sign-in for a non-existent account takes
    as long as one for a real account and the timing does not reveal who has an account.
    """
    hasher = hasher or make_hasher()
    verify_password(_dummy_hash(hasher), password, hasher)
    return False


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The local list of common and breached passwords, case-folded, read once on first use."""
    text = resources.files(__package__).joinpath(COMMON_PASSWORDS_FILE).read_text("utf-8")
    entries = (line.strip() for line in text.splitlines())
    return frozenset(_fold(entry) for entry in entries if entry and not entry.startswith("#"))


def _fold(text: str) -> str:
    """Case-insensitive comparison key (casefold handles Greek final sigma, German ß…)."""
    return unicodedata.normalize("NFC", text.casefold())


def _is_trivial_pattern(folded: str) -> bool:
    """True for one short block repeated, or one stretch of a counting/keyboard sequence."""
    if len(folded) < 3:
        return False
    for size in range(1, _MAX_REPEATED_BLOCK + 1):
        if len(folded) > size and folded == folded[:size] * (len(folded) // size):
            return True
    return any(folded in seq or folded[::-1] in seq for seq in _SEQUENCES)


def is_common_password(password: str) -> bool:
    """True when the password is on the common list (any case) or is a trivial pattern."""
    folded = _fold(password)
    # Spaces round a listed password ("password1234 ") add nothing an attacker would not try.
    return folded in common_passwords() or folded.strip() in common_passwords() \
        or _is_trivial_pattern(folded)


def _contains_username(password: str, username: str | None) -> bool:
    """True when the (long enough) username appears anywhere in the password, any case."""
    if not username:
        return False
    name = _fold(username).strip()
    return len(name) >= MIN_USERNAME_LENGTH_CHECKED and name in _fold(password)


def _message(code: str) -> LazyString:
    """The person-facing explanation for a policy error code (translated when rendered)."""
    if code == "too_short":
        return _l("Your password must be at least %(min)d characters long. A few unrelated "
                  "words make a long password that is easy to remember.", min=MIN_LENGTH)
    if code == "too_long":
        return _l("Your password can be at most %(max)d characters long.", max=MAX_LENGTH)
    if code == "common":
        return _l("This password is too common and easy to guess. Please choose another one.")
    if code == "contains_username":
        return _l("Your password must not contain your username.")
    raise ValueError(f"unknown password policy code: {code!r}")


def check_password_policy(password: str, *, username: str | None = None) -> list[PolicyError]:
    """Every reason the password is refused (empty list: acceptable).

    Length is counted in Unicode code points after NFC. There are deliberately no composition
    rules (digits, symbols, upper case): NIST SP 800-63B advises against them.
    """
    normalised = _normalise(password)
    codes: list[str] = []
    if len(normalised) < MIN_LENGTH:
        codes.append("too_short")
    if len(normalised) > MAX_LENGTH:
        codes.append("too_long")
    if is_common_password(normalised):
        codes.append("common")
    if _contains_username(normalised, username):
        codes.append("contains_username")
    return [PolicyError(code, _message(code)) for code in codes]
