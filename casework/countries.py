"""Countries as ISO 3166-1 alpha-2 codes (stored), named in the reader's language (Babel's
territory names, so no list of our own to translate), plus "stateless" and "not stated"."""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

STATELESS = "stateless"
NOT_STATED = "not_stated"
SPECIAL = {STATELESS: _l("Stateless"), NOT_STATED: _l("Not stated")}
_ALPHA_2 = re.compile(r"^[A-Z]{2}$")
# Codes Babel knows that are not countries one is a national of.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "ZZ", "XA", "XB"})


@lru_cache(maxsize=8)
def _names(locale: str) -> dict[str, str]:
    territories = Locale.parse(locale).territories
    return {code: name for code, name in territories.items()
            if _ALPHA_2.match(code) and code not in _NOT_COUNTRIES}


def _current_locale() -> str:
    return str(get_locale() or "en")


def country_choices() -> list[tuple[str, object]]:
    """(code, name) for a select: "not stated" first, countries by name, "stateless" last."""
    names = _names(_current_locale())
    ordered = sorted(names.items(), key=lambda item: item[1].casefold())
    return [(NOT_STATED, SPECIAL[NOT_STATED]), *ordered, (STATELESS, SPECIAL[STATELESS])]


def is_country(value: str) -> bool:
    return value in SPECIAL or value in _names("en")


def country_name(value: str | None) -> object:
    """The country's name in the page's language; an unknown value is shown as typed."""
    if not value:
        return ""
    if value in SPECIAL:
        return SPECIAL[value]
    return _names(_current_locale()).get(value, value)
