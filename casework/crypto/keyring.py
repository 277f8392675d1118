"""The in-memory keyring built from a validated key document.

Master keys wrap per-owner data keys (envelope encryption); they never seal
fields directly. Index keys feed per-field blind-index keys via HKDF. The
keyring's repr shows key ids only, never key material.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from casework.crypto import sealing
from casework.crypto.errors import IntegrityError, KeyFileError, UnknownKeyError
from casework.crypto.keyfile import decode_key, validate_key_document

DATA_KEY_BYTES = 32
DATA_KEY_CONTEXT = b"casework/data-key"
CHECK_CONTEXT = b"casework/key-check"
CHECK_PLAINTEXT = b"casework key check v1"
INDEX_INFO_PREFIX = b"casework/blind-index/"


def new_data_key() -> bytes:
    """Return a fresh random 32-byte data key."""
    return os.urandom(DATA_KEY_BYTES)


def _entries(document: dict, section: str) -> dict[str, bytes]:
    """Map id -> raw key for one list section, preserving file order (oldest first)."""
    return {entry["id"]: decode_key(entry) for entry in document[section]}


class Keyring:
    """All keys from the key file, with the operations that need them."""

    __slots__ = ("_masters", "_index_keys", "_audit", "_stats", "_source")

    def __init__(
        self,
        *,
        masters: dict[str, bytes],
        index_keys: dict[str, bytes],
        audit: tuple[str, bytes],
        stats: tuple[str, bytes],
        source: str,
    ) -> None:
        """Prefer :meth:`from_document`; dicts must be ordered oldest to newest."""
        if not masters or not index_keys:
            raise KeyFileError(f"key file problem in {source}: no master or index key", source=source)
        self._masters = dict(masters)
        self._index_keys = dict(index_keys)
        self._audit = audit
        self._stats = stats
        self._source = source

    @classmethod
    def from_document(cls, doc: dict, *, source: str = "the key document") -> "Keyring":
        """Build a keyring from a key document (as returned by ``load_key_file``).

        ``source`` (a path or the env setting) is named in start-up errors.
        """
        validate_key_document(doc, source)
        return cls(
            masters=_entries(doc, "master_keys"),
            index_keys=_entries(doc, "index_keys"),
            audit=(doc["audit_key"]["id"], decode_key(doc["audit_key"])),
            stats=(doc["stats_pepper"]["id"], decode_key(doc["stats_pepper"])),
            source=source,
        )

    def __repr__(self) -> str:
        # Ids only: a repr can end up in logs, tracebacks and error reports.
        return (
            f"Keyring(master_ids={self.master_ids!r}, index_key_ids={self.index_key_ids!r}, "
            f"audit_key_id={self.audit_key_id!r}, stats_pepper_id={self.stats_pepper_id!r})"
        )

    # --- master keys -------------------------------------------------------

    @property
    def current_master_id(self) -> str:
        """Id of the newest master key, used for all new wraps."""
        return next(reversed(self._masters))

    @property
    def master_ids(self) -> list[str]:
        """All master key ids, oldest first."""
        return list(self._masters)

    def _master(self, master_key_id: str) -> bytes:
        """Return a master key or raise UnknownKeyError."""
        try:
            return self._masters[master_key_id]
        except KeyError:
            raise UnknownKeyError(master_key_id, "master key") from None

    @staticmethod
    def new_data_key() -> bytes:
        """Return a fresh random 32-byte data key."""
        return new_data_key()

    def wrap_data_key(self, data_key: bytes) -> tuple[str, bytes]:
        """Wrap ``data_key`` under the current master key; return (master_key_id, blob)."""
        if len(data_key) != DATA_KEY_BYTES:
            raise ValueError("data keys must be 32 bytes")
        key_id = self.current_master_id
        blob = sealing.seal_with_context(self._masters[key_id], key_id, data_key, context=DATA_KEY_CONTEXT)
        return key_id, blob

    def unwrap_data_key(self, master_key_id: str, wrapped: bytes) -> bytes:
        """Open a wrapped data key; UnknownKeyError / IntegrityError on failure."""
        self._master(master_key_id)  # UnknownKeyError before looking at the blob
        if sealing.key_id_of(wrapped) != master_key_id:
            # The stored id column and the blob disagree: a row was edited or mixed up.
            raise IntegrityError("wrapped data key does not name the master key it is stored with")
        data_key = sealing.open_with_context(self._master, wrapped, context=DATA_KEY_CONTEXT)
        if len(data_key) != DATA_KEY_BYTES:
            raise IntegrityError("wrapped data key has the wrong length")
        return data_key

    # --- check values ------------------------------------------------------

    def make_check_value(self, master_key_id: str) -> bytes:
        """Seal a known constant under one master key, to be stored in the database."""
        key = self._master(master_key_id)
        return sealing.seal_with_context(key, master_key_id, CHECK_PLAINTEXT, context=CHECK_CONTEXT)

    def verify_check_value(self, master_key_id: str, blob: bytes) -> None:
        """Raise KeyFileError if the loaded master key is not the one the database was made with.

        A malformed blob, or one naming another id, is a corrupt database row
        and raises IntegrityError instead.
        """
        if master_key_id not in self._masters:
            raise KeyFileError(
                f"the database needs master key {master_key_id!r}, "
                f"but {self._source} does not contain it (wrong or outdated key file?)",
                key_id=master_key_id,
                source=self._source,
            )
        if sealing.key_id_of(blob) != master_key_id:
            raise IntegrityError(f"key check value stored for {master_key_id!r} names another key id")
        try:
            opened = sealing.open_with_context(self._master, blob, context=CHECK_CONTEXT)
        except IntegrityError:
            opened = None
        if opened != CHECK_PLAINTEXT:
            raise KeyFileError(
                f"master key {master_key_id!r} in {self._source} does not match the database "
                "(wrong key file?)",
                key_id=master_key_id,
                source=self._source,
            )

    # --- blind-index keys --------------------------------------------------

    @property
    def index_key_id(self) -> str:
        """Id of the current (newest) index key."""
        return next(reversed(self._index_keys))

    @property
    def index_key_ids(self) -> list[str]:
        """All index key ids, oldest first."""
        return list(self._index_keys)

    def index_key(self, field: str) -> bytes:
        """Per-field blind-index key derived from the current index key."""
        return self.index_key_for(self.index_key_id, field)

    def index_key_for(self, index_key_id: str, field: str) -> bytes:
        """Per-field blind-index key derived from a given (possibly older) index key."""
        try:
            root = self._index_keys[index_key_id]
        except KeyError:
            raise UnknownKeyError(index_key_id, "index key") from None
        if not isinstance(field, str) or not field:
            raise ValueError("field must be a non-empty string")
        # Separate keys per field: equal names in different fields get unrelated index values.
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INDEX_INFO_PREFIX + field.encode("utf-8"))
        return hkdf.derive(root)

    # --- other keys --------------------------------------------------------

    @property
    def audit_key(self) -> bytes:
        """Key for the audit log's hash chain / MACs."""
        return self._audit[1]

    @property
    def audit_key_id(self) -> str:
        """Id of the audit key."""
        return self._audit[0]

    @property
    def stats_pepper(self) -> bytes:
        """Pepper for pseudonymous statistics."""
        return self._stats[1]

    @property
    def stats_pepper_id(self) -> str:
        """Id of the stats pepper."""
        return self._stats[0]
