"""Configuration: defaults, then the instance config file, then CASEWORK_* environment variables.

Every setting is listed in DEFAULTS (and documented in config.example.py). A key that is not in
DEFAULTS is a mistake — a typo that would otherwise silently leave a safety setting at its
default — so it stops start-up with a message naming it.
"""

from __future__ import annotations

import json
import os
import runpy
from pathlib import Path
from typing import Any, Mapping

ENV_PREFIX = "CASEWORK_"
# Environment names with our prefix that are not settings: the instance folder (read by the
# command line) and the test suite's own switches (CASEWORK_TEST_DATABASE, CASEWORK_TEST_PG_URL).
_NOT_SETTINGS = frozenset({"CASEWORK_INSTANCE"})
_TEST_PREFIX = "CASEWORK_TEST_"
CONFIG_FILENAME = "config.py"
KEY_FILENAME = "keys/casework.keys"

# A default of REQUIRED means start-up stops when no source provides the setting.
REQUIRED = object()

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": REQUIRED,
    "TESTING": False,
    # Both stores default to SQLite files in the instance folder (filled in by load_config).
    "DATABASE_URL": None,
    "STATS_DATABASE_URL": None,
    # The key file written by `casework init`; MASTER_KEYS holds the same JSON document for
    # deployments that inject secrets through the environment (CASEWORK_MASTER_KEYS).
    "KEY_FILE": None,
    "MASTER_KEYS": None,
    "DEVELOPMENT": False,
    "DEMO_INSTANCE": False,
    "REQUIRE_SECOND_FACTOR": True,
    "SESSION_IDLE_MINUTES": 15,
    "SESSION_ABSOLUTE_HOURS": 8,
    "REAUTH_VALID_MINUTES": 5,
    "BREAK_GLASS_HOURS": 4,
    # A sent referral with no answer expires after this many days; a referral's packet is
    # erased (crypto-shredded) this many days after the referral ended.
    "REFERRAL_EXPIRY_DAYS": 14,
    "REFERRAL_PACKET_RETENTION_DAYS": 30,
    # Published statistics hide every count from 1 to k-1: k for most tables, the second for the
    # most sensitive ones (sexual violence, trafficking, disability, refugee status).
    "REPORT_MIN_COUNT": 5,
    "REPORT_MIN_COUNT_SENSITIVE": 10,
    # When True, a case counts in the anonymised statistics only while she consents to it.
    "STATISTICS_REQUIRE_CONSENT": False,
    "ENROLMENT_CODE_HOURS": 72,
    "RATELIMIT_STORAGE_URI": "memory://",
    "SIGNIN_LIMIT_PER_ADDRESS": "30 per 5 minutes",
    "SIGNIN_BACKOFF_BASE_SECONDS": 2,
    "SIGNIN_BACKOFF_MAX_SECONDS": 300,
    "SIGNIN_FREE_FAILURES": 3,
    # The centre's time zone: what "today" means for dates typed by people (IANA name).
    "CENTRE_TIMEZONE": "UTC",
    # The centre's country (ISO 3166 alpha-2): the statistics tell national women from others.
    "CENTRE_COUNTRY": "GR",
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGES": ["en", "el", "tr", "ar", "fa"],
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "PASSWORD_HASHER": "standard",
    "LOG_LEVEL": "INFO",
    # How many reverse proxies (the TLS terminator) sit in front of Casework; 0 when none.
    "TRUSTED_PROXIES": 0,
    "AUDIT_PAGE_SIZE": 50,
    # The centre's own additions to DOMAIN.md's code lists: {"referral_source": {"code": "Label"}}.
    "CODE_LIST_EXTENSIONS": {},
}

_BOOLEAN_WORDS = {"1": True, "true": True, "yes": True, "on": True,
                  "0": False, "false": False, "no": False, "off": False}


class ConfigError(RuntimeError):
    """A configuration problem that must stop start-up; the message names the key."""


def load_config(instance_path: Path, overrides: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Merge defaults, the instance config file, the environment and explicit overrides."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    settings.update(_read_instance_file(instance_path / CONFIG_FILENAME))
    settings.update(_read_environment(environ))
    settings.update(_checked(dict(overrides or {}), "the configuration passed to create_app"))
    _check_types(settings)
    _fill_instance_defaults(settings, instance_path)
    _check_required(settings)
    return settings


def _read_instance_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    namespace = runpy.run_path(str(path))
    values = {name: value for name, value in namespace.items() if name.isupper()}
    return _checked(values, str(path))


def _read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name in _NOT_SETTINGS or name.startswith(_TEST_PREFIX):
            continue
        key = name[len(ENV_PREFIX):]
        if key not in DEFAULTS:
            raise ConfigError(f"Unknown setting {name} in the environment.")
        values[key] = _parse_env_value(key, raw)
    return values


def _parse_env_value(key: str, raw: str) -> Any:
    default = DEFAULTS[key]
    if isinstance(default, bool):
        try:
            return _BOOLEAN_WORDS[raw.strip().lower()]
        except KeyError:
            raise ConfigError(f"{ENV_PREFIX}{key} must be true or false, not {raw!r}.") from None
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{key} must be a whole number.") from None
    if isinstance(default, list):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{ENV_PREFIX}{key} must be a JSON list of strings, "
                              f'e.g. ["en", "el"].')
        return value
    return raw


def _check_types(settings: Mapping[str, Any]) -> None:
    """Values from config.py or create_app must have the default's type: a string "false" is
    truthy and would quietly turn a safety setting the wrong way."""
    for key, value in settings.items():
        default = DEFAULTS[key]
        if isinstance(default, bool):
            wrong, expected = not isinstance(value, bool), "True or False"
        elif isinstance(default, int):
            wrong = isinstance(value, bool) or not isinstance(value, (int, float))
            expected = "a number"
        elif isinstance(default, list):
            wrong = not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value)
            expected = "a list of strings"
        elif isinstance(default, str):
            wrong, expected = not isinstance(value, str), "a string"
        else:
            continue
        if wrong:
            raise ConfigError(f"The setting {key} must be {expected}, not {type(value).__name__}.")


def _checked(values: dict[str, Any], source: str) -> dict[str, Any]:
    for key in values:
        if key not in DEFAULTS:
            raise ConfigError(f"Unknown setting {key} in {source}.")
    return values


def _fill_instance_defaults(settings: dict[str, Any], instance_path: Path) -> None:
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance_path / 'casework.sqlite3'}"
    if not settings["STATS_DATABASE_URL"]:
        settings["STATS_DATABASE_URL"] = f"sqlite:///{instance_path / 'statistics.sqlite3'}"
    if not settings["KEY_FILE"]:
        settings["KEY_FILE"] = str(instance_path / KEY_FILENAME)


def _check_required(settings: dict[str, Any]) -> None:
    for key, value in settings.items():
        if value is REQUIRED or (DEFAULTS[key] is REQUIRED and not value):
            raise ConfigError(
                f"The required setting {key} is missing: set it in the instance config.py "
                f"or as {ENV_PREFIX}{key} (`casework init` writes one)."
            )
    if not settings["DEMO_INSTANCE"] and not settings["REQUIRE_SECOND_FACTOR"]:
        raise ConfigError(
            "REQUIRE_SECOND_FACTOR may only be turned off on a demo instance "
            "(set DEMO_INSTANCE = True, never on a centre's real data)."
        )


def flask_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The Flask settings that follow from ours, so cookies are safe outside development."""
    development = bool(settings["DEVELOPMENT"])
    return {
        # __Host- cookies must be Secure and can only be set over HTTPS.
        "SESSION_COOKIE_NAME": "casework_session" if development else "__Host-casework_session",
        "SESSION_COOKIE_SECURE": not development,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_PATH": "/",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the server-side session
        # Referrer-Policy is no-referrer, so the Referer check cannot work; the token and
        # SameSite=Strict cookies carry the protection.
        "WTF_CSRF_SSL_STRICT": False,
    }
