"""Exceptions raised by the crypto layer.

Messages may name key ids and file locations (neither is secret) but must never
contain key material or plaintext.
"""

from __future__ import annotations

INTEGRITY_MESSAGE = (
    "sealed value failed its integrity check "
    "(tampered, truncated, or moved from another record or field)"
)


class CryptoError(Exception):
    """Base class for every error raised by ``casework.crypto``."""


class KeyFileError(CryptoError):
    """A start-up problem with the keys: missing, unreadable, malformed or wrong.

    ``key_id`` and ``source`` are kept as attributes so callers can report them
    without parsing the message.
    """

    def __init__(self, message: str, *, key_id: str | None = None, source: str | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id
        self.source = source


class UnknownKeyError(CryptoError):
    """A ciphertext or wrapped key names a key id the keyring does not hold."""

    def __init__(self, key_id: str, what: str = "key") -> None:
        super().__init__(f"no {what} with id {key_id!r} is loaded (is the key file complete?)")
        self.key_id = key_id


class IntegrityError(CryptoError):
    """A sealed value is tampered, truncated, malformed or in the wrong place."""

    def __init__(self, message: str = INTEGRITY_MESSAGE) -> None:
        super().__init__(message)
