"""One-time recovery codes for the second factor: generated, stored only as hashes, matched.

The caller shows the codes once, stores the hashes, and deletes or marks a hash as used as
soon as `match_recovery_code` returns its index: each code works once.
"""

from __future__ import annotations

import secrets
import unicodedata

from casework.security.passwords import hash_password, make_hasher, verify_password

# No 0/o, 1/l/i: nothing that reads as something else on paper or in a small font.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
GROUPS = 3
GROUP_LENGTH = 4
# 31 symbols ** 12 characters ≈ 2 ** 59.4: far beyond guessing through a rate-limited form.
CODE_LENGTH = GROUPS * GROUP_LENGTH
DEFAULT_COUNT = 10


def _random_code() -> str:
    """One code such as "k7q2-m9xp-4tzr", drawn with the operating system's CSPRNG."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(chars[i:i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def generate_recovery_codes(n: int = DEFAULT_COUNT) -> list[str]:
    """`n` distinct codes, formatted in dash-separated groups for reading and typing."""
    if n < 1:
        raise ValueError("n must be at least 1")
    codes: list[str] = []
    while len(codes) < n:
        code = _random_code()
        if code not in codes:  # a repeat is astronomically unlikely, but must not happen
            codes.append(code)
    return codes


def normalise_recovery_code(code: str) -> str:
    """The code as typed, reduced to its characters: any case, with or without dashes/spaces."""
    # NFKC turns full-width letters and digits into ASCII ones.
    folded = unicodedata.normalize("NFKC", code).lower()
    return "".join(ch for ch in folded
                   if not ch.isspace() and unicodedata.category(ch) != "Pd")


def _looks_like_code(normalised: str) -> bool:
    """True when it has the shape of one of our codes (so garbage costs no argon2 work)."""
    return len(normalised) == CODE_LENGTH and all(ch in ALPHABET for ch in normalised)


def hash_recovery_code(code: str) -> str:
    """The argon2id hash to store for a code.

    The codes carry ~59 bits, so a plain SHA-256 would already resist online guessing; but a
    stolen table of fast hashes can be searched offline with GPUs, and ~59 bits is within
    reach of a determined attacker. argon2id at the OWASP floor (the "fast" hasher) makes
    each guess cost memory and time, while ten verifications stay quick enough for a
    sign-in. The same parameters are used everywhere, so hashes stay comparable.
    """
    return hash_password(normalise_recovery_code(code), make_hasher(fast_for_tests=True))


def match_recovery_code(code: str, stored_hashes: list[str]) -> int | None:
    """Index of the stored (unused) hash that the code matches, or None.

    The caller must then delete or mark that hash as used, which makes the code one-time.
    """
    normalised = normalise_recovery_code(code) if isinstance(code, str) else ""
    if not _looks_like_code(normalised):
        return None
    hasher = make_hasher(fast_for_tests=True)
    for index, stored in enumerate(stored_hashes):
        if stored and verify_password(stored, normalised, hasher):
            return index
    return None
