"""The application's keyring: loaded once at start-up, checked against the database.

Start-up stops (KeyFileError) when the key file is missing, unreadable or wrong; it never falls
back to anything.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from casework.crypto.errors import KeyFileError
from casework.crypto.keyfile import load_key_file, parse_key_document
from casework.crypto.keyring import Keyring
from casework.crypto.models import DataKey, KeyCheck

ENV_SOURCE = "the CASEWORK_MASTER_KEYS environment setting"


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


def install_keyring(app: Flask, keyring: Keyring) -> None:
    app.extensions["casework.keyring"] = keyring


def current_keyring() -> Keyring:
    return current_app.extensions["casework.keyring"]


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
