"""What every template can use: language and direction, the signed-in person, the demo banner,
and the local formats of dates, numbers and percentages (casework.web.formats)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_babel import get_locale

from casework.i18n import supported_locales, text_direction
from casework.web.formats import TEMPLATE_HELPERS

LANGUAGE_NAMES = {"en": "English", "el": "Ελληνικά", "tr": "Türkçe", "ar": "العربية", "fa": "فارسی"}


def _page_context() -> dict[str, Any]:
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return {
        "page_lang": locale,
        "page_dir": text_direction(locale),
        "language_choices": [(code, LANGUAGE_NAMES.get(code, code)) for code in supported_locales()],
        "demo_instance": current_app.config["DEMO_INSTANCE"],
        "second_factor_relaxed": not current_app.config["REQUIRE_SECOND_FACTOR"],
    }


def init_app(app: Flask) -> None:
    app.context_processor(_page_context)
    # As globals ({{ format_day(d) }}) and as filters ({{ d | format_day }}).
    app.jinja_env.globals.update(TEMPLATE_HELPERS)
    app.jinja_env.filters.update(TEMPLATE_HELPERS)
