"""Encryption at rest, measured against plaintext baselines in the same run.

    python -m benchmarks.crypto --clients 100000

1. Name search through the blind index (HMAC lookups, open the candidates, drop false
   positives) versus the same search on a plaintext, indexed token column.
2. Seal + open of a 2 KB record through the envelope layer versus raw AES-GCM on the same bytes.
3. `keys rotate` re-wrapping throughput (records per second) and its peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, insert, intersect, select

from benchmarks.common import per_call_seconds, print_table, row
from casework import create_app
from casework.clients.models import Client, ClientIndexEntry
from casework.clients.search_index import INDEX_BITS, NAME, search_clients
from casework.crypto.blind_index import index_value, query_name_groups, stored_name_tokens
from casework.crypto.envelope import (create_data_key, data_key, forget_cached_keys, open_value,
                                      seal_value)
from casework.crypto.keyfile import generate_key_material, write_key_file
from casework.crypto.keyring import new_data_key
from casework.crypto.models import DataKey
from casework.crypto.runtime import current_keyring
from casework.crypto.sealing import open_sealed, seal, seal_json
from casework.extensions import db
from casework.migrate import upgrade_all

GIVEN = ["Maria", "Eleni", "Μαρία", "Ελένη", "Fatima", "فاطمة", "Zahra", "زهرا", "Ayşe", "Nadia",
         "Sofia", "Katerina", "Leila", "مریم", "Georgia", "Anna", "Dimitra", "Irini", "Samira", "Yasmin"]
SYLLABLES = ["pa", "ni", "ko", "la", "dor", "ha", "dad", "yil", "maz", "ah", "ma", "di", "ka", "rim",
             "geor", "gi", "pe", "tro", "va", "sil", "kos", "ta", "de", "mir", "re", "zai", "hos",
             "sei", "man", "sour"]
ENDINGS = ["poulou", "idou", "iou", "oglu", "zadeh", "aki", "ou", "ova", "i", ""]

plain_metadata = MetaData()
plain_tokens = Table("bench_plain_tokens", plain_metadata,
                     Column("id", Integer, primary_key=True),
                     Column("client_id", String(36), nullable=False),
                     Column("token", String(80), nullable=False),
                     Index("ix_bench_plain_token", "token"))


def make_name(rng: random.Random) -> tuple[str, str]:
    family = "".join(rng.choice(SYLLABLES) for _ in range(3)) + rng.choice(ENDINGS)
    return rng.choice(GIVEN), family.capitalize()


def seed(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Insert `count` clients with sealed identities, their index entries and the plaintext twin."""
    keyring = current_keyring()
    name_key, key_id = keyring.index_key(NAME), keyring.index_key_id
    plain_metadata.create_all(db.session.connection())
    names = []
    for start in range(0, count, 2000):
        keys, clients, entries, plain = [], [], [], []
        for n in range(start, min(start + 2000, count)):
            given, family = make_name(rng)
            names.append((given, family))
            data_key, client_id, data_key_id = new_data_key(), f"c{n:035d}", f"k{n:035d}"
            master_id, wrapped = keyring.wrap_data_key(data_key)
            keys.append({"id": data_key_id, "master_key_id": master_id, "wrapped": wrapped})
            identity = {"given_name": given, "family_name": family}
            clients.append({"id": client_id, "data_key_id": data_key_id, "version": 1,
                            "identity_sealed": seal_json(data_key, data_key_id, identity, table="clients",
                                                         field="identity", record_id=client_id)})
            for token in stored_name_tokens(f"{given} {family}"):
                entries.append({"client_id": client_id, "field": NAME, "index_key_id": key_id,
                                "value": index_value(name_key, token, INDEX_BITS)})
                plain.append({"client_id": client_id, "token": token})
        db.session.execute(insert(DataKey), keys)
        db.session.execute(insert(Client), clients)
        db.session.execute(insert(ClientIndexEntry), entries)
        db.session.execute(insert(plain_tokens), plain)
        db.session.commit()
    return names


def plaintext_search(name: str) -> list[str]:
    """The same matching rule on plaintext tokens, with the same SQL shape (one INTERSECT)."""
    lookups = [select(plain_tokens.c.client_id).where(plain_tokens.c.token.in_(group))
               for group in query_name_groups(name)]
    query = lookups[0] if len(lookups) == 1 else intersect(*lookups)
    ids = db.session.scalars(select(query.subquery().c[0])).all()
    return list(db.session.scalars(select(Client.id).where(Client.id.in_(ids))))


def blind_search(name: str) -> list[str]:
    forget_cached_keys(db.session)  # every search pays for unwrapping its data keys, as a new request would
    return [c.id for c in search_clients(db.session, name, NAME, lambda ids: ids)]


def measure_search(names: list[tuple[str, str]], rng: random.Random) -> list[str]:
    probes = [f"{given} {family}" for given, family in rng.sample(names, 200)]
    cursor = {"i": 0}

    def next_probe() -> str:
        cursor["i"] = (cursor["i"] + 1) % len(probes)
        return probes[cursor["i"]]

    for probe in probes[:20]:  # both paths find the same women
        assert sorted(blind_search(probe)) == sorted(plaintext_search(probe)), probe
    plain = per_call_seconds(lambda: plaintext_search(next_probe()), repeat=200)
    blind = per_call_seconds(lambda: (db.session.expunge_all(), blind_search(next_probe())), repeat=200)
    return [row("name search, plaintext indexed column", f"{plain * 1e3:.3f} ms"),
            row("name search, blind index (open + filter)", f"{blind * 1e3:.3f} ms",
                f"ratio {blind / plain:.2f}× (target ≤ 1.5×)")]


def measure_sealing() -> list[str]:
    """The 2 KB record as the store holds it (its serialized bytes), then the model's JSON path."""
    record = {"narrative": "Ω" * 600 + "x" * 800, "codes": ["physical", "psychological"], "n": 3}
    payload = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
    session = db.session  # as a request holds its session
    key_id = create_data_key(session).id
    aead = AESGCM(os.urandom(32))

    def raw_roundtrip() -> None:
        nonce = os.urandom(12)
        aead.decrypt(nonce, aead.encrypt(nonce, payload, b"ctx"), b"ctx")

    def sealed_roundtrip() -> None:
        blob = seal(data_key(session, key_id), key_id, payload, table="cases", field="intake", record_id="r1")
        open_sealed(lambda kid: data_key(session, kid), blob, table="cases", field="intake", record_id="r1")

    def record_roundtrip() -> None:
        blob = seal_value(session, key_id, record, table="cases", field="intake", record_id="r1")
        open_value(session, blob, table="cases", field="intake", record_id="r1")

    raw = per_call_seconds(raw_roundtrip, repeat=5000)
    sealed = per_call_seconds(sealed_roundtrip, repeat=5000)
    full = per_call_seconds(record_roundtrip, repeat=5000)
    return [row(f"raw AES-GCM encrypt+decrypt, {len(payload)} B", f"{1 / raw:,.0f} per s"),
            row("seal+open, same bytes (format, AAD, data key from the request cache)",
                f"{1 / sealed:,.0f} per s", f"ratio {raw / sealed:.2f}× of raw (target ≥ 0.5×)"),
            row("seal+open of the record as a dict (adds JSON encode/decode)",
                f"{1 / full:,.0f} per s", f"ratio {raw / full:.2f}× of raw")]


def measure_rotation(app, instance: Path) -> list[str]:
    from casework.crypto.rotation import rewrap_data_keys, start_master_rotation
    from casework.crypto.runtime import install_keyring

    keyring, _ = start_master_rotation(db.session, Path(app.config["KEY_FILE"]), current_keyring())
    install_keyring(app, keyring)
    tracemalloc.start()
    started = time.perf_counter()
    report = rewrap_data_keys(db.session, keyring)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return [row("keys rotate: data keys re-wrapped", f"{report.done:,}", f"{report.batches} batches"),
            row("keys rotate: throughput", f"{report.done / elapsed:,.0f} records per s"),
            row("keys rotate: peak Python memory", f"{peak / 2**20:.1f} MiB",
                f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as folder:
        instance = Path(folder)
        write_key_file(instance / "keys" / "casework.keys", generate_key_material())
        app = create_app({"SECRET_KEY": "benchmark-" + "b" * 40}, instance_path=instance)
        with app.app_context():
            upgrade_all(app)
            started = time.perf_counter()
            names = seed(args.clients, rng)
            seeded = time.perf_counter() - started
            rows = [row("clients seeded", f"{args.clients:,}", f"{seeded:.0f} s (bulk insert)")]
            rows += measure_search(names, rng)
            rows += measure_sealing()
            rows += measure_rotation(app, instance)
        db.dispose(app)
    print_table(f"Encryption at rest ({args.clients:,} clients, SQLite)", rows)


if __name__ == "__main__":
    main()
