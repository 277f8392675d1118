"""No sealed value ever reaches the database files, a dump, the log or a response header in clear.

Every sealed field of seeded clients (and a user's second-factor secret) holds a unique canary;
after committing for real, the raw bytes of the stores are scanned for each canary in the
encodings a leak could take.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import MetaData, select, text

from casework import create_app
from casework.auth.models import User
from casework.auth.second_factor import enable_second_factor
from casework.clients.identity import register_client
from casework.extensions import db
from casework.migrate import upgrade_all
from casework.security.totp import new_totp_secret
from tests.support import own_stores, uses_postgresql


def canary_client_sections(n: int) -> dict:
    tag = f"Qx{n}Zv"
    return {
        "identity": {"given_name": f"Canarygiven{tag}", "family_name": f"Κανάρηφαμ{tag}",
                     "other_names": [f"كناري{tag}"], "birth_date": f"19{40 + n}-03-17",
                     "approximate_age": None, "age_is_estimated": False},
        "contacts": {"phones": [{"number": f"+30 699 {n:03d} 7{n:03d}", "safe_to_call": False,
                                 "safe_to_message": False, "safe_times": f"safetimes{tag}"}],
                     "emails": [{"address": f"canarymail{tag}@example.org", "safe_to_message": False}],
                     "address": f"Canarystreet{tag} 12"},
        "profile": {"nationality": f"canarynation{tag}", "interpreter_language": f"canarylang{tag}",
                    "children": {"count": 2, "ages": [4, 9], "note": f"canarychildren{tag}"}},
        "discrimination_factors": ["single_parent", f"canaryother{tag}"],
    }


def canaries(sections: dict) -> list[str]:
    found: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and ("Qx" in value or value[:2] in ("19", "+3")):
            found.append(value)

    walk(sections)
    return found


def leak_forms(value: str) -> list[bytes]:
    """The byte forms a leaked value could take: UTF-8, JSON-escaped, phone digits alone."""
    forms = [value.encode("utf-8"), value.encode("unicode_escape"),
             value.encode("utf-16-le")]
    digits = "".join(ch for ch in value if ch.isdigit())
    if value.startswith("+30"):
        forms.append(digits[-9:].encode())
    return forms


@pytest.fixture
def seeded(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    stores, drop = own_stores(tmp_path, "canary")
    instance = tmp_path / "instance"
    from casework.crypto.keyfile import generate_key_material, write_key_file
    write_key_file(instance / "keys" / "casework.keys", generate_key_material())
    app = create_app({"SECRET_KEY": "canary-test-" + "k" * 32, "PASSWORD_HASHER": "fast", **stores},
                     instance_path=instance)
    caplog.set_level(logging.DEBUG)
    secret = new_totp_secret()
    all_canaries: list[str] = [secret]
    with app.app_context():
        upgrade_all(app)
        for n in range(3):
            sections = canary_client_sections(n)
            all_canaries += canaries(sections)
            register_client(db.session, actor=None, **sections)
        user = User(username="canaryuser", role="counsellor")
        db.session.add(user)
        db.session.flush()
        enable_second_factor(db.session, user, secret, pyotp.TOTP(secret).now())
        db.commit()
    client = app.test_client()
    responses = [client.get(path) for path in ("/health", "/auth/sign-in", "/", "/nowhere")]
    yield app, stores, instance, all_canaries, responses, caplog
    db.dispose(app)
    drop()


def raw_store_bytes(app, stores: dict, instance: Path, tmp_path: Path) -> bytes:
    if not uses_postgresql():
        chunks = []
        for url in stores.values():
            path = Path(url.removeprefix("sqlite:///"))
            for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-journal")):
                if candidate.exists():
                    chunks.append(candidate.read_bytes())
        return b"".join(chunks)
    return b"".join(_pg_dump(url) + _select_everything(app, index) for index, url in enumerate(stores.values()))


def _pg_dump(url: str) -> bytes:
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run(["pg_dump", "--no-owner", plain], check=True, capture_output=True).stdout


def _select_everything(app, index: int) -> bytes:
    engine = db.engines(app)[index]
    metadata = MetaData()
    metadata.reflect(engine)
    chunks = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                chunks.append(repr(tuple(row)).encode("utf-8"))
    return b"".join(chunks)


def test_no_canary_anywhere(seeded, tmp_path: Path):
    app, stores, instance, all_canaries, responses, caplog = seeded
    raw = raw_store_bytes(app, stores, instance, tmp_path)
    assert len(raw) > 10_000  # the stores really were read
    logs = "\n".join(record.getMessage() for record in caplog.records).encode("utf-8")
    headers = b"\n".join(str(r.headers).encode("utf-8") for r in responses)
    assert len(all_canaries) > 20
    for canary in all_canaries:
        for form in leak_forms(canary):
            assert form not in raw, f"canary {canary!r} found in the stores"
            assert form not in logs, f"canary {canary!r} found in the log"
            assert form not in headers, f"canary {canary!r} found in a response header"


def test_sealed_columns_hold_ciphertext(seeded):
    app = seeded[0]
    with app.app_context():
        rows = db.session.execute(text("SELECT identity_sealed FROM clients")).scalars().all()
    assert len(rows) == 3 and all(bytes(blob)[0] == 1 for blob in rows)  # format version 1
