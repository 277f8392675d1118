"""Configuration: defaults, the instance config.py, CASEWORK_* variables, and the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.config import DEFAULTS, ConfigError, flask_settings, load_config

SECRET = {"SECRET_KEY": "s" * 48}


def write_config(folder: Path, text: str) -> None:
    (folder / "config.py").write_text(text, encoding="utf-8")


def test_defaults_fill_in_the_instance_paths(tmp_path: Path):
    settings = load_config(tmp_path, SECRET, environ={})
    assert settings["SESSION_IDLE_MINUTES"] == 15
    assert settings["SESSION_ABSOLUTE_HOURS"] == 8
    assert settings["REQUIRE_SECOND_FACTOR"] is True
    assert settings["DEVELOPMENT"] is False
    assert settings["LANGUAGES"] == ["en", "el", "tr", "ar", "fa"]
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'casework.sqlite3'}"
    assert settings["STATS_DATABASE_URL"] == f"sqlite:///{tmp_path / 'statistics.sqlite3'}"
    assert settings["KEY_FILE"] == str(tmp_path / "keys" / "casework.keys")
    assert set(settings) == set(DEFAULTS)


def test_instance_config_file_is_read(tmp_path: Path):
    write_config(tmp_path, 'import os\nSECRET_KEY = "from-the-file-" + "x" * 40\n'
                           "SESSION_IDLE_MINUTES = 10\nLOG_LEVEL = 'WARNING'\n")
    settings = load_config(tmp_path, environ={})
    assert settings["SECRET_KEY"].startswith("from-the-file-")
    assert settings["SESSION_IDLE_MINUTES"] == 10
    assert settings["LOG_LEVEL"] == "WARNING"


def test_environment_overrides_the_file_and_overrides_win(tmp_path: Path):
    write_config(tmp_path, 'SECRET_KEY = "from-the-file"\nLOG_LEVEL = "WARNING"\n')
    settings = load_config(tmp_path, {"AUDIT_PAGE_SIZE": 7},
                           environ={"CASEWORK_LOG_LEVEL": "ERROR", "CASEWORK_AUDIT_PAGE_SIZE": "9"})
    assert settings["LOG_LEVEL"] == "ERROR"
    assert settings["AUDIT_PAGE_SIZE"] == 7


@pytest.mark.parametrize(("raw", "expected"), [
    ("true", True), ("TRUE", True), ("yes", True), ("1", True), ("on", True),
    ("false", False), ("No", False), ("0", False), (" off ", False),
])
def test_environment_booleans(tmp_path: Path, raw: str, expected: bool):
    settings = load_config(tmp_path, SECRET, environ={"CASEWORK_DEVELOPMENT": raw})
    assert settings["DEVELOPMENT"] is expected


def test_environment_numbers_lists_and_strings(tmp_path: Path):
    settings = load_config(tmp_path, environ={
        "CASEWORK_SECRET_KEY": "from-the-environment",
        "CASEWORK_SESSION_IDLE_MINUTES": "20",
        "CASEWORK_LANGUAGES": '["en", "el"]',
        "CASEWORK_DATABASE_URL": "postgresql+psycopg://casework@db/casework",
    })
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert settings["SESSION_IDLE_MINUTES"] == 20
    assert settings["LANGUAGES"] == ["en", "el"]
    assert settings["DATABASE_URL"] == "postgresql+psycopg://casework@db/casework"


def test_instance_and_test_switches_are_not_settings(tmp_path: Path):
    settings = load_config(tmp_path, SECRET, environ={
        "CASEWORK_INSTANCE": "/somewhere", "CASEWORK_TEST_DATABASE": "postgresql",
        "PATH": "/usr/bin", "OTHER_DEVELOPMENT": "yes"})
    assert settings["DEVELOPMENT"] is False


@pytest.mark.parametrize(("name", "raw"), [
    ("CASEWORK_DEVELOPMENT", "maybe"),
    ("CASEWORK_REQUIRE_SECOND_FACTOR", ""),
    ("CASEWORK_SESSION_IDLE_MINUTES", "fifteen"),
    ("CASEWORK_SESSION_ABSOLUTE_HOURS", "8.5"),
    ("CASEWORK_LANGUAGES", "en,el"),
    ("CASEWORK_LANGUAGES", '"en"'),
    ("CASEWORK_LANGUAGES", '{"en": 1}'),
])
def test_bad_environment_values_are_refused_naming_the_key(tmp_path: Path, name: str, raw: str):
    with pytest.raises(ConfigError, match=name):
        load_config(tmp_path, SECRET, environ={name: raw})


@pytest.mark.parametrize(("text", "key"), [
    ("DEVELOPMENT = 'false'\n", "DEVELOPMENT"),
    ("REQUIRE_SECOND_FACTOR = 0\n", "REQUIRE_SECOND_FACTOR"),
    ("SESSION_IDLE_MINUTES = '15'\n", "SESSION_IDLE_MINUTES"),
    ("LANGUAGES = 'en'\n", "LANGUAGES"),
])
def test_wrongly_typed_values_in_the_file_are_refused_naming_the_key(tmp_path: Path, text: str, key: str):
    # A string "false" is truthy: it would quietly switch a safety setting the wrong way.
    write_config(tmp_path, 'SECRET_KEY = "x" * 48\n' + text)
    with pytest.raises(ConfigError, match=key):
        load_config(tmp_path, environ={})


def test_unknown_key_in_the_file_is_refused(tmp_path: Path):
    write_config(tmp_path, 'SECRET_KEY = "x" * 48\nSESION_IDLE_MINUTES = 5\n')
    with pytest.raises(ConfigError, match="SESION_IDLE_MINUTES") as raised:
        load_config(tmp_path, environ={})
    assert str(tmp_path / "config.py") in str(raised.value)


def test_unknown_key_in_the_environment_is_refused(tmp_path: Path):
    with pytest.raises(ConfigError, match="CASEWORK_REQUIRE_2FA"):
        load_config(tmp_path, SECRET, environ={"CASEWORK_REQUIRE_2FA": "false"})


def test_unknown_key_in_the_overrides_is_refused(tmp_path: Path):
    with pytest.raises(ConfigError, match="SESSION_IDLE_MINUTE\\b"):
        load_config(tmp_path, {**SECRET, "SESSION_IDLE_MINUTE": 5}, environ={})


def test_missing_secret_key_is_refused(tmp_path: Path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, environ={})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, {"SECRET_KEY": ""}, environ={})


def test_second_factor_may_only_be_relaxed_on_a_demo_instance(tmp_path: Path):
    with pytest.raises(ConfigError, match="REQUIRE_SECOND_FACTOR"):
        load_config(tmp_path, {**SECRET, "REQUIRE_SECOND_FACTOR": False}, environ={})
    with pytest.raises(ConfigError, match="REQUIRE_SECOND_FACTOR"):
        load_config(tmp_path, SECRET, environ={"CASEWORK_REQUIRE_SECOND_FACTOR": "off",
                                               "CASEWORK_DEMO_INSTANCE": "no"})
    relaxed = load_config(tmp_path, {**SECRET, "REQUIRE_SECOND_FACTOR": False,
                                     "DEMO_INSTANCE": True}, environ={})
    assert relaxed["REQUIRE_SECOND_FACTOR"] is False


def test_cookie_settings_follow_development(tmp_path: Path):
    production = flask_settings(load_config(tmp_path, SECRET, environ={}))
    assert production["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] == "Strict"
    development = flask_settings(load_config(tmp_path, {**SECRET, "DEVELOPMENT": True}, environ={}))
    assert not development["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert development["SESSION_COOKIE_SECURE"] is False
