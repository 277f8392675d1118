"""The application's keyring: loaded at start-up, checked against the database, and reloaded
when the key file changes.

Start-up stops (KeyFileError) when the key file is missing, unreadable or wrong; it never falls
back to anything. While serving, `casework keys rotate` adds a key to the file: the running
application notices the change (a stat at most once a second, or at once when it meets a key
id it does not know) and loads the new document, so rotation needs no restart. A key file that
becomes unreadable while serving is logged and the keys already loaded stay in use.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from flask import Flask, current_app
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from casework.crypto.errors import KeyFileError
from casework.crypto.keyfile import load_key_file, parse_key_document
from casework.crypto.keyring import Keyring
from casework.crypto.models import DataKey, KeyCheck

ENV_SOURCE = "the CASEWORK_MASTER_KEYS environment setting"
RECHECK_SECONDS = 1.0
logger = logging.getLogger(__name__)


def load_keyring(app: Flask) -> Keyring:
    """Read the key document from the environment setting or the key file."""
    inline = app.config.get("MASTER_KEYS")
    if inline:
        document = parse_key_document(inline, ENV_SOURCE)
    else:
        document = load_key_file(Path(app.config["KEY_FILE"]))
    return Keyring.from_document(document, source=key_source(app))


def key_source(app: Flask) -> str:
    return ENV_SOURCE if app.config.get("MASTER_KEYS") else str(app.config["KEY_FILE"])


@dataclass
class _KeyFileState:
    """What the loaded keyring was read from, and when the file was last looked at."""

    signature: Optional[tuple[int, int]]
    checked_at: float


def _file_signature(app: Flask) -> Optional[tuple[int, int]]:
    if app.config.get("MASTER_KEYS"):
        return None
    try:
        status = os.stat(app.config["KEY_FILE"])
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def install_keyring(app: Flask, keyring: Keyring) -> None:
    app.extensions["casework.keyring"] = keyring
    app.extensions["casework.keyfile_state"] = _KeyFileState(_file_signature(app), time.monotonic())


def current_keyring() -> Keyring:
    state: _KeyFileState = current_app.extensions["casework.keyfile_state"]
    if time.monotonic() - state.checked_at > RECHECK_SECONDS:
        reload_keyring_if_changed(current_app)
    return current_app.extensions["casework.keyring"]


def reload_keyring_if_changed(app: Flask) -> bool:
    """Load the key file again if it changed on disk; returns whether new keys were loaded."""
    state: _KeyFileState = app.extensions["casework.keyfile_state"]
    state.checked_at = time.monotonic()
    signature = _file_signature(app)
    if signature is None or signature == state.signature:
        return False
    try:
        keyring = load_keyring(app)
    except KeyFileError as error:
        logger.warning("key file changed but could not be loaded; keeping the loaded keys: %s", error)
        return False
    install_keyring(app, keyring)
    logger.info("key file reloaded: master keys %s", ", ".join(keyring.master_ids))
    return True


def check_keys_against_database(app: Flask, engine: Engine) -> None:
    """Each master key must open its check value; every key still in use must be present.

    Skipped on a database that has not been migrated yet (`casework init` migrates it next).
    """
    if not inspect(engine).has_table(KeyCheck.__tablename__):
        return
    keyring: Keyring = app.extensions["casework.keyring"]
    source = key_source(app)
    with Session(engine) as session:
        checks = {row.master_key_id: row.check_value for row in session.scalars(select(KeyCheck))}
        for master_id, blob in checks.items():
            if master_id in keyring.master_ids:
                keyring.verify_check_value(master_id, blob)
        _refuse_missing_keys_in_use(session, keyring, source)
        _refuse_unrelated_keys(checks, keyring, source)
        if keyring.current_master_id not in checks:
            session.add(KeyCheck(master_key_id=keyring.current_master_id,
                                 check_value=keyring.make_check_value(keyring.current_master_id)))
            session.commit()


def _refuse_missing_keys_in_use(session: Session, keyring: Keyring, source: str) -> None:
    in_use = session.scalars(
        select(DataKey.master_key_id).where(DataKey.wrapped.is_not(None)).distinct()
    ).all()
    for master_id in in_use:
        if master_id not in keyring.master_ids:
            raise KeyFileError(
                f"Master key {master_id} still wraps data keys in the database but is not in "
                f"{source}. Restore the key file from its backup."
            )


def _refuse_unrelated_keys(checks: dict[str, bytes], keyring: Keyring, source: str) -> None:
    """A key file sharing no master key with the database is another instance's (or a new one):
    its audit and index keys would not match either, even while no data key exists yet."""
    if checks and not set(checks) & set(keyring.master_ids):
        known = ", ".join(sorted(checks))
        raise KeyFileError(
            f"The database was set up with master key {known}, but {source} holds none of "
            f"them (wrong or regenerated key file?). Restore the key file from its backup.",
            source=source,
        )
