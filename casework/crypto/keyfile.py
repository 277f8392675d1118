"""The key file written by ``casework init`` and extended by key rotation.

UTF-8 JSON, format 1::

    {"format": 1,
     "master_keys":  [{"id": "mk-20261125-3f9a", "created_at": "2026-11-25T06:00:00Z",
                       "key": "<base64 of 32 bytes>"}, ...],   # newest LAST
     "index_keys":   [{"id": "ix-...", ...}, ...],             # newest LAST = current
     "audit_key":    {"id": "au-...", ...},
     "stats_pepper": {"id": "sp-...", ...}}

Keys are only ever added, never removed or overwritten: losing a key loses the
records sealed under it. Error messages name key ids and where the keys were
looked for, never key material.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import os
import secrets
import stat
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from casework.crypto.errors import KeyFileError

FORMAT = 1
KEY_BYTES = 32
ENV_VAR = "CASEWORK_MASTER_KEYS"
ENV_SOURCE = "the CASEWORK_MASTER_KEYS environment setting"

LIST_SECTIONS = {"master_keys": "master key", "index_keys": "index key"}
SINGLE_SECTIONS = {"audit_key": "audit key", "stats_pepper": "stats pepper"}
PREFIXES = {"master_keys": "mk", "index_keys": "ix", "audit_key": "au", "stats_pepper": "sp"}


def _utc(now: datetime | None) -> datetime:
    """Return ``now`` (or the current time) in UTC; naive datetimes are taken as UTC."""
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc)


def new_key_id(prefix: str, now: datetime) -> str:
    """Return ``<prefix>-YYYYMMDD-<4 random hex>``, e.g. ``mk-20261125-3f9a``.

    Ids are not secret; the random part only keeps same-day ids apart.
    """
    return f"{prefix.rstrip('-')}-{_utc(now):%Y%m%d}-{secrets.token_hex(2)}"


def _new_entry(prefix: str, now: datetime, taken: set[str]) -> dict[str, str]:
    """Return a fresh key entry whose id is not in ``taken``."""
    key_id = new_key_id(prefix, now)
    while key_id in taken:
        key_id = new_key_id(prefix, now)
    return {
        "id": key_id,
        "created_at": _utc(now).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key": base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii"),
    }


def _all_ids(document: dict) -> set[str]:
    """Every key id in a (well-formed) document."""
    ids = {entry["id"] for section in LIST_SECTIONS for entry in document.get(section, [])}
    ids.update(document[section]["id"] for section in SINGLE_SECTIONS if section in document)
    return ids


def generate_key_material(now: datetime | None = None) -> dict:
    """Return a fresh key document with one key of each kind."""
    now = _utc(now)
    taken: set[str] = set()
    document: dict[str, Any] = {"format": FORMAT}
    for section, prefix in PREFIXES.items():
        entry = _new_entry(prefix, now, taken)
        taken.add(entry["id"])
        document[section] = [entry] if section in LIST_SECTIONS else entry
    return document


def _add_key(document: dict, section: str, now: datetime | None) -> tuple[dict, str]:
    """Return (copy of ``document`` with a new newest key in ``section``, its id)."""
    validate_key_document(document, "the key document being rotated")
    new_document = copy.deepcopy(document)
    entry = _new_entry(PREFIXES[section], _utc(now), _all_ids(document))
    new_document[section].append(entry)
    return new_document, entry["id"]


def add_master_key(document: dict, now: datetime | None = None) -> tuple[dict, str]:
    """Return (new document with an extra, now current, master key; its id). Input is untouched."""
    return _add_key(document, "master_keys", now)


def add_index_key(document: dict, now: datetime | None = None) -> tuple[dict, str]:
    """Return (new document with an extra, now current, index key; its id). Input is untouched."""
    return _add_key(document, "index_keys", now)


def _fail(source: str, problem: str, key_id: str | None = None) -> KeyFileError:
    """Build a KeyFileError that names the key id (if known) and the source."""
    return KeyFileError(f"key file problem in {source}: {problem}", key_id=key_id, source=source)


def _check_entry(entry: Any, label: str, source: str) -> str:
    """Validate one key entry; return its id."""
    if not isinstance(entry, dict):
        raise _fail(source, f"{label} entry is not an object")
    key_id = entry.get("id")
    if not isinstance(key_id, str) or not key_id.strip():
        raise _fail(source, f"a {label} has a missing or empty id")
    if not key_id.isascii() or len(key_id) > 255:
        # Ids go into blob headers, which hold at most 255 ASCII bytes.
        raise _fail(source, f"{label} {key_id!r} has an id that is not short ASCII", key_id)
    created_at = entry.get("created_at")
    try:
        datetime.fromisoformat(created_at)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _fail(source, f"{label} {key_id!r} has a missing or invalid created_at", key_id) from None
    _decode_key(entry.get("key"), f"{label} {key_id!r}", source, key_id)
    return key_id


def _decode_key(value: Any, label: str, source: str, key_id: str | None) -> bytes:
    """Decode a base64 key and insist on exactly 32 bytes."""
    if not isinstance(value, str):
        raise _fail(source, f"{label} has no key", key_id)
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _fail(source, f"{label} is not valid base64", key_id) from None
    if len(raw) != KEY_BYTES:
        raise _fail(source, f"{label} must be {KEY_BYTES} bytes, found {len(raw)}", key_id)
    return raw


def _section_entries(document: dict, section: str, source: str) -> list[Any]:
    """Return the entries of a section (a list for key lists, one entry otherwise)."""
    if section not in document:
        raise _fail(source, f"section {section!r} is missing")
    value = document[section]
    if section in SINGLE_SECTIONS:
        return [value]
    if not isinstance(value, list) or not value:
        raise _fail(source, f"section {section!r} must be a non-empty list")
    return value


def validate_key_document(document: Any, source: str) -> dict:
    """Check a parsed key document; return it unchanged or raise KeyFileError."""
    if not isinstance(document, dict):
        raise _fail(source, "the key document is not a JSON object")
    if document.get("format") != FORMAT:
        raise _fail(source, f"unsupported format {document.get('format')!r} (expected {FORMAT})")
    seen: set[str] = set()
    labels = {**LIST_SECTIONS, **SINGLE_SECTIONS}
    for section, label in labels.items():
        for entry in _section_entries(document, section, source):
            key_id = _check_entry(entry, label, source)
            if key_id in seen:
                raise _fail(source, f"key id {key_id!r} is used more than once", key_id)
            seen.add(key_id)
    return document


def parse_key_document(text: str, source: str) -> dict:
    """Parse and validate key file JSON; ``source`` (path or env setting) goes into errors."""
    if not text.strip():
        raise _fail(source, "it is empty")
    try:
        document = json.loads(text)
    except ValueError:
        # No detail from the decoder: its message can quote key material.
        raise _fail(source, "it is not valid JSON (truncated or corrupted?)") from None
    return validate_key_document(document, source)


def decode_key(entry: dict) -> bytes:
    """Return the raw bytes of a validated key entry."""
    return base64.b64decode(entry["key"], validate=True)


def _serialise(document: dict, source: str) -> bytes:
    """Validate and render a document; never write a key file we could not load back."""
    validate_key_document(document, source)
    return (json.dumps(document, indent=2, ensure_ascii=True) + "\n").encode("utf-8")


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable; not every platform lets us open a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(tmp: str, path: Path, replace: bool) -> None:
    """Move the finished temp file into place; without ``replace`` never clobber."""
    if replace:
        os.replace(tmp, path)
        return
    # link() fails atomically if ``path`` exists, closing the race between two inits.
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"key file {path} already exists; refusing to overwrite it") from None
    except OSError:
        # Filesystem without hard links: fall back to check-then-rename.
        if path.exists():
            raise FileExistsError(f"key file {path} already exists; refusing to overwrite it") from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def write_key_file(path: Path, document: dict, *, replace: bool = False) -> None:
    """Atomically write ``document`` to ``path`` with mode 0600.

    Without ``replace`` an existing file is never touched (FileExistsError).
    """
    path = Path(path)
    data = _serialise(document, str(path))
    if not replace and path.exists():
        raise FileExistsError(f"key file {path} already exists; refusing to overwrite it")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), 0o600)
            os.fsync(handle.fileno())
        _publish(tmp, path, replace)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _fsync_dir(path.parent)


def _read_private(path: Path) -> bytes:
    """Read a key file, refusing one that group or others could read."""
    with open(path, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise _fail(str(path), "it is not a regular file")
        if mode & 0o077:
            raise _fail(
                str(path),
                f"its permissions ({stat.S_IMODE(mode):04o}) let other users read it; "
                f"run `chmod 600 {path}` and check who may have copied it",
            )
        return handle.read()


def load_key_file(path: Path) -> dict:
    """Load and validate the key file at ``path``; KeyFileError (naming the path) on any problem."""
    path = Path(path)
    source = str(path)
    try:
        raw = _read_private(path)
    except FileNotFoundError:
        raise _fail(source, "no key file there (run `casework init`, or check the path)") from None
    except PermissionError:
        raise _fail(source, "the key file cannot be read (permission denied)") from None
    except IsADirectoryError:
        raise _fail(source, "it is a directory, not a key file") from None
    except OSError as exc:
        raise _fail(source, f"the key file cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(source, "it is not UTF-8 text (corrupted?)") from None
    return parse_key_document(text, source)
