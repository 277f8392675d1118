"""Dates, numbers and percentages as people read them in each language of the interface.

Babel formats them for the page's language (or for the `locale` given, so that a report can be
made in any of the five languages whatever its reader's own). The Persian interface shows a day
in the Solar Hijri calendar, in Persian digits and month names, as people there read dates,
followed by the Gregorian date in ISO order: "۴ آذر ۱۴۰۵ (2026-11-25)" (the ISO date in a
left-to-right isolate, so that it is not reordered inside Persian text). It is plain text, not
markup, so that it reads the same inside a sentence, a table cell, an attribute or an export,
and a screen reader says both dates (a title attribute would hide the Gregorian one from
keyboard and touch users). The conversion is the maintained `jdatetime` library's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

import jdatetime
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal, parse_pattern
from flask import has_app_context
from flask_babel import get_locale

from casework.clock import as_utc

DEFAULT = "en"
# Babel changes the separators of the Persian numbering system but not the digits themselves.
PERSIAN_DIGITS = str.maketrans("0123456789%", "۰۱۲۳۴۵۶۷۸۹٪")
LEFT_TO_RIGHT_ISOLATE, POP_ISOLATE = "\u2066", "\u2069"


def language(locale: Any = None) -> str:
    """The language to format for: the one given, else the page's (English outside a request)."""
    chosen = locale or (get_locale() if has_app_context() else None) or DEFAULT
    return str(chosen).replace("-", "_").split("_")[0]


def as_day(value: Any) -> Optional[date]:
    """A day from a date, a datetime (its UTC day, as stored) or an ISO string; None otherwise."""
    if isinstance(value, datetime):
        return as_utc(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _localised_digits(text: str, lang: str) -> str:
    return text.translate(PERSIAN_DIGITS) if lang == "fa" else text


def solar_hijri(day: date) -> str:
    """The Solar Hijri date in Persian: day, month name, year ("۴ آذر ۱۴۰۵")."""
    jalali = jdatetime.date.fromgregorian(date=day)
    month = jdatetime.date.j_months_fa[jalali.month - 1]
    return _localised_digits(f"{jalali.day} {month} {jalali.year}", "fa")


def format_day(value: Any, locale: Any = None) -> str:
    """A day as people read it: Babel's medium date ("25 Νοε 2026"); in Persian the Solar Hijri
    date followed by the Gregorian one. Nothing for no value; text that is not a date as it is."""
    day = as_day(value)
    if day is None:
        return "" if value in (None, "") else str(value)
    lang = language(locale)
    if lang == "fa":
        # The ISO date is isolated left to right: after Persian letters its digits and dashes
        # would otherwise be reordered ("25-11-2026").
        return f"{solar_hijri(day)} ({LEFT_TO_RIGHT_ISOLATE}{day.isoformat()}{POP_ISOLATE})"
    return format_date(day, "medium", locale=lang)


def format_moment(value: Optional[datetime], locale: Any = None) -> str:
    """A moment in UTC (the pages say so): its day as format_day, then hours and minutes."""
    if value is None:
        return ""
    lang = language(locale)
    moment = as_utc(value)
    clock = format_time(moment, "HH:mm", tzinfo=moment.tzinfo, locale=lang)
    return f"{format_day(moment, lang)} {_localised_digits(clock, lang)}"


def format_number(value: Any, locale: Any = None) -> str:
    """A number with the language's separators (and Persian digits in Persian)."""
    if value is None or value == "":
        return ""
    lang = language(locale)
    return _localised_digits(format_decimal(value, locale=lang, numbering_system="default"), lang)


def format_percent(value: Any, locale: Any = None, digits: int = 1) -> str:
    """A share (0.125) as a percentage in the language's pattern ("12.5%", "%12,5", "۱۲٫۵٪"),
    with at most `digits` decimals (none shown when they are zeros)."""
    if value is None or value == "":
        return ""
    lang = language(locale)
    parsed = Locale.parse(lang)
    pattern = parse_pattern(parsed.percent_formats[None].pattern)
    pattern.frac_prec = (0, digits)
    return _localised_digits(pattern.apply(value, parsed, numbering_system="default"), lang)


def iso_day(value: Any) -> str:
    """The ISO date of a day, for machines (<time datetime>): "" when there is none."""
    day = as_day(value)
    return day.isoformat() if day else ""


def iso_moment(value: Optional[datetime]) -> str:
    """A moment in UTC for machines (<time datetime>): "2026-11-25 14:03Z"."""
    return f"{as_utc(value).strftime('%Y-%m-%d %H:%M')}Z" if value else ""


TEMPLATE_HELPERS = {"format_day": format_day, "format_moment": format_moment,
                    "format_number": format_number, "format_percent": format_percent,
                    "iso_day": iso_day, "iso_moment": iso_moment}
