"""Choosing the language of a page: her saved preference, the sign-in switch, then the browser."""

from __future__ import annotations

from typing import Optional

from flask import current_app, has_request_context, request, session
from flask_login import current_user

RIGHT_TO_LEFT = frozenset({"ar", "fa"})


def supported_locales() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> Optional[str]:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # commands and services under test
    supported = supported_locales()
    preferred = getattr(current_user, "preferred_locale", None) if current_user else None
    for candidate in (preferred, session.get("locale")):
        if candidate in supported:
            return candidate
    # An unknown language code from the browser is simply not matched.
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def requested_language() -> Optional[str]:
    """The `lang` of the request when it is a supported language; otherwise None (absent or
    unknown codes are ignored)."""
    requested = request.args.get("lang")
    return requested if requested in supported_locales() else None


def text_direction(locale: str) -> str:
    return "rtl" if locale.split("_")[0] in RIGHT_TO_LEFT else "ltr"
