"""Local formats: a day, a number and a percentage as each of the five languages writes them;
the Persian interface gives the Solar Hijri date (Persian digits and month names) followed by
the Gregorian one; templates get them for the page's language."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from flask import render_template_string

from casework.web.formats import (format_day, format_moment, format_number, format_percent,
                                  iso_day, solar_hijri)

DAY = date(2026, 11, 25)
LRI, PDI, RLM = "\u2066", "\u2069", "\u200f"

EXPECTED = {  # day, 12345.5, 0.125
    "en": ("Nov 25, 2026", "12,345.5", "12.5%"),
    "el": ("25 Νοε 2026", "12.345,5", "12,5%"),
    "tr": ("25 Kas 2026", "12.345,5", "%12,5"),
    "ar": (f"25{RLM}/11{RLM}/2026", "12,345.5", "12.5%"),
    "fa": (f"۴ آذر ۱۴۰۵ ({LRI}2026-11-25{PDI})", "۱۲٬۳۴۵٫۵", "۱۲٫۵٪"),
}


@pytest.mark.parametrize("locale", EXPECTED)
def test_a_day_a_number_and_a_percentage_in_each_language(locale):
    day, number, percent = EXPECTED[locale]
    assert format_day(DAY, locale) == day
    assert format_number(12345.5, locale) == number
    assert format_percent(0.125, locale) == percent


def test_persian_shows_the_solar_hijri_date_then_the_gregorian_one():
    shown = format_day(DAY, "fa")
    assert shown.startswith("۴ آذر ۱۴۰۵")  # 4 Azar 1405
    assert "2026-11-25" in shown
    assert not any(digit in shown.split("(")[0] for digit in "0123456789")
    assert solar_hijri(date(2026, 3, 21)) == "۱ فروردین ۱۴۰۵"  # Nowruz
    assert solar_hijri(date(2026, 3, 20)) == "۲۹ اسفند ۱۴۰۴"
    assert solar_hijri(date(1988, 4, 2)) == "۱۳ فروردین ۱۳۶۷"


def test_days_come_as_dates_datetimes_or_iso_strings():
    assert format_day("2026-11-25", "el") == "25 Νοε 2026"
    assert format_day(datetime(2026, 11, 25, 23, 30, tzinfo=timezone.utc), "en") == "Nov 25, 2026"
    assert format_day(None) == "" and format_day("") == ""
    assert format_day("not a date", "en") == "not a date"  # shown as it is, never lost
    assert iso_day("2026-11-25") == iso_day(DAY) == "2026-11-25" and iso_day(None) == ""


def test_moments_whole_numbers_and_rounding():
    moment = datetime(2026, 11, 25, 9, 5, tzinfo=timezone.utc)
    assert format_moment(moment, "el") == "25 Νοε 2026 09:05"
    assert format_moment(moment, "fa").endswith("۰۹:۰۵")
    assert format_moment(None) == ""
    assert format_number(1234567, "el") == "1.234.567"
    assert format_number(1234567, "fa") == "۱٬۲۳۴٬۵۶۷"
    assert format_percent(0.5, "en") == "50%" and format_percent(1 / 3, "tr") == "%33,3"
    assert format_percent(1 / 3, "en", digits=0) == "33%"
    assert format_number(None) == "" and format_percent(None) == ""


@pytest.mark.parametrize("header, expected", [("el", "25 Νοε 2026 · 1.234 · 12,5%"),
                                              ("fa", f"۴ آذر ۱۴۰۵ ({LRI}2026-11-25{PDI}) · ۱٬۲۳۴ · ۱۲٫۵٪"),
                                              ("xx", "Nov 25, 2026 · 1,234 · 12.5%")])
def test_templates_format_in_the_pages_language(app, header, expected):
    with app.test_request_context(headers={"Accept-Language": header}):
        rendered = render_template_string(
            "{{ day | format_day }} · {{ format_number(1234) }} · {{ share | format_percent }}",
            day=DAY, share=0.125)
    assert rendered == expected


def test_a_report_can_be_formatted_in_another_language_than_the_page(app):
    with app.test_request_context(headers={"Accept-Language": "el"}):
        assert format_day(DAY, "tr") == "25 Kas 2026"
        assert format_day(DAY) == "25 Νοε 2026"


def test_the_day_macro_keeps_the_iso_date_for_machines(app):
    with app.test_request_context(headers={"Accept-Language": "fa"}):
        rendered = render_template_string(
            '{% from "macros.html" import day %}{{ day(value) }}|{{ day(none) }}', value=DAY)
    assert rendered == (f'<bdi><time datetime="2026-11-25">۴ آذر ۱۴۰۵ ({LRI}2026-11-25{PDI})'
                        "</time></bdi>|")
