"""Tests for the key file: generation, atomic 0600 writes, strict loading, rotation helpers."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from casework.crypto import keyfile
from casework.crypto.errors import KeyFileError
from casework.crypto.keyfile import (
    ENV_SOURCE,
    add_index_key,
    add_master_key,
    generate_key_material,
    load_key_file,
    new_key_id,
    parse_key_document,
    write_key_file,
)

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


@pytest.fixture
def doc() -> dict:
    return generate_key_material(NOW)


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "casework-keys.json"


def write_raw(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def assert_key_error(excinfo: pytest.ExceptionInfo, *needles: str) -> None:
    message = str(excinfo.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"


def test_new_key_id_shape() -> None:
    key_id = new_key_id("mk", NOW)
    assert re.fullmatch(r"mk-20261125-[0-9a-f]{4}", key_id)


def test_generated_document_shape(doc: dict) -> None:
    assert doc["format"] == 1
    entries = doc["master_keys"] + doc["index_keys"] + [doc["audit_key"], doc["stats_pepper"]]
    assert len(entries) == 4
    assert [e["id"][:3] for e in entries] == ["mk-", "ix-", "au-", "sp-"]
    for entry in entries:
        assert len(base64.b64decode(entry["key"])) == 32
        assert entry["created_at"] == "2026-11-25T06:00:00Z"
    assert len({e["key"] for e in entries}) == 4


def test_generate_without_now_is_valid() -> None:
    parse_key_document(json.dumps(generate_key_material()), "test")


def test_roundtrip(doc: dict, key_path: Path) -> None:
    write_key_file(key_path, doc)
    assert load_key_file(key_path) == doc


def test_written_file_and_dir_modes(doc: dict, key_path: Path) -> None:
    write_key_file(key_path, doc)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) & 0o077 == 0
    assert [p.name for p in key_path.parent.iterdir()] == [key_path.name]  # no temp files left


def test_second_write_refused_and_file_untouched(doc: dict, key_path: Path) -> None:
    write_key_file(key_path, doc)
    before = key_path.read_bytes()
    with pytest.raises(FileExistsError):
        write_key_file(key_path, generate_key_material(NOW))
    assert key_path.read_bytes() == before
    assert [p.name for p in key_path.parent.iterdir()] == [key_path.name]


def test_replace_writes_rotated_document(doc: dict, key_path: Path) -> None:
    write_key_file(key_path, doc)
    rotated, _ = add_master_key(doc, NOW)
    write_key_file(key_path, rotated, replace=True)
    assert load_key_file(key_path) == rotated
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


def test_invalid_document_is_never_written(doc: dict, key_path: Path) -> None:
    bad = copy.deepcopy(doc)
    bad["master_keys"][0]["key"] = "short"
    with pytest.raises(KeyFileError):
        write_key_file(key_path, bad)
    assert not key_path.exists()


def test_add_master_key_keeps_old_keys_and_does_not_mutate(doc: dict) -> None:
    snapshot = copy.deepcopy(doc)
    rotated, new_id = add_master_key(doc, NOW)
    assert doc == snapshot
    assert rotated["master_keys"][:-1] == doc["master_keys"]
    assert rotated["master_keys"][-1]["id"] == new_id
    assert new_id != doc["master_keys"][0]["id"]
    assert rotated["index_keys"] == doc["index_keys"]


def test_add_index_key_keeps_old_keys_and_does_not_mutate(doc: dict) -> None:
    snapshot = copy.deepcopy(doc)
    rotated, new_id = add_index_key(doc, NOW)
    assert doc == snapshot
    assert rotated["index_keys"][:-1] == doc["index_keys"]
    assert rotated["index_keys"][-1]["id"] == new_id
    assert rotated["master_keys"] == doc["master_keys"]


def test_missing_file(key_path: Path) -> None:
    with pytest.raises(KeyFileError) as excinfo:
        load_key_file(key_path)
    assert_key_error(excinfo, str(key_path))


def test_empty_file(key_path: Path) -> None:
    write_raw(key_path, "")
    with pytest.raises(KeyFileError) as excinfo:
        load_key_file(key_path)
    assert_key_error(excinfo, str(key_path), "empty")


def test_truncated_json(doc: dict, key_path: Path) -> None:
    text = json.dumps(doc)
    write_raw(key_path, text[: len(text) // 2])
    with pytest.raises(KeyFileError) as excinfo:
        load_key_file(key_path)
    assert_key_error(excinfo, str(key_path))
    assert doc["master_keys"][0]["key"][:8] not in str(excinfo.value)


def test_unreadable_file(doc: dict, key_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_raw(key_path, json.dumps(doc))

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # Simulated: a real chmod 000 does not stop root, and CI may run as root.
    monkeypatch.setattr(keyfile, "open", denied, raising=False)
    with pytest.raises(KeyFileError) as excinfo:
        load_key_file(key_path)
    assert_key_error(excinfo, str(key_path), "permission denied")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_group_or_other_access_refused(doc: dict, key_path: Path, mode: int) -> None:
    write_raw(key_path, json.dumps(doc), mode=mode)
    with pytest.raises(KeyFileError) as excinfo:
        load_key_file(key_path)
    assert_key_error(excinfo, str(key_path), "chmod 600")


def test_directory_instead_of_file(key_path: Path) -> None:
    key_path.mkdir(parents=True, mode=0o700)
    with pytest.raises(KeyFileError) as excinfo:
        load_key_file(key_path)
    assert_key_error(excinfo, str(key_path))


def _corrupt_and_load(doc: dict, key_path: Path, corrupt) -> tuple[pytest.ExceptionInfo, str]:
    bad = copy.deepcopy(doc)
    key_id = corrupt(bad)
    write_raw(key_path, json.dumps(bad))
    with pytest.raises(KeyFileError) as excinfo:
        load_key_file(key_path)
    return excinfo, key_id


def test_bad_base64(doc: dict, key_path: Path) -> None:
    def corrupt(d: dict) -> str:
        d["index_keys"][0]["key"] = "not*base64!"
        return d["index_keys"][0]["id"]

    excinfo, key_id = _corrupt_and_load(doc, key_path, corrupt)
    assert_key_error(excinfo, str(key_path), key_id, "base64")


def test_31_byte_key(doc: dict, key_path: Path) -> None:
    def corrupt(d: dict) -> str:
        d["master_keys"][0]["key"] = base64.b64encode(os.urandom(31)).decode()
        return d["master_keys"][0]["id"]

    excinfo, key_id = _corrupt_and_load(doc, key_path, corrupt)
    assert_key_error(excinfo, str(key_path), key_id, "31")
    assert excinfo.value.key_id == key_id
    assert excinfo.value.source == str(key_path)


def test_duplicate_id(doc: dict, key_path: Path) -> None:
    def corrupt(d: dict) -> str:
        d["stats_pepper"]["id"] = d["audit_key"]["id"]
        return d["audit_key"]["id"]

    excinfo, key_id = _corrupt_and_load(doc, key_path, corrupt)
    assert_key_error(excinfo, str(key_path), key_id)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(format=2),
        lambda d: d.pop("format"),
        lambda d: d.pop("audit_key"),
        lambda d: d.pop("stats_pepper"),
        lambda d: d.update(master_keys=[]),
        lambda d: d.update(index_keys=[]),
        lambda d: d["master_keys"][0].update(id=""),
        lambda d: d["master_keys"][0].pop("id"),
        lambda d: d["index_keys"][0].pop("key"),
        lambda d: d["audit_key"].update(created_at="yesterday"),
        lambda d: d.update(audit_key="plain string"),
    ],
    ids=[
        "format2", "no-format", "no-audit", "no-pepper", "no-masters", "no-index",
        "empty-id", "missing-id", "missing-key", "bad-date", "entry-not-object",
    ],
)
def test_malformed_documents(doc: dict, mutate) -> None:
    bad = copy.deepcopy(doc)
    mutate(bad)
    with pytest.raises(KeyFileError) as excinfo:
        parse_key_document(json.dumps(bad), ENV_SOURCE)
    assert ENV_SOURCE in str(excinfo.value)


@pytest.mark.parametrize("text", ["[]", "null", "42", '"x"', "   \n"])
def test_non_object_json(text: str) -> None:
    with pytest.raises(KeyFileError) as excinfo:
        parse_key_document(text, ENV_SOURCE)
    assert ENV_SOURCE in str(excinfo.value)


def test_error_messages_never_contain_key_material(doc: dict) -> None:
    bad = copy.deepcopy(doc)
    good_key = bad["master_keys"][0]["key"]
    bad["master_keys"][0]["key"] = good_key[:-4]  # truncated base64
    with pytest.raises(KeyFileError) as excinfo:
        parse_key_document(json.dumps(bad), "somewhere")
    assert good_key[:-4] not in str(excinfo.value)
