"""The same intake in the Arabic interface, chosen by the browser's language: every page is laid
out right to left (dir="rtl" on <html>, the main content's computed direction, the navigation
starting at the right), her names in other scripts keep their own direction, and axe-core checks
every page. Then the Persian interface, her saved preference: Solar Hijri dates."""

from __future__ import annotations

import re
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from casework.web.formats import format_day
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import (
    centre_today,
    complete_intake,
    create_user,
    fill_intake,
    sign_in,
    start_intake,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def arabic_page(browser, live_server) -> Iterator[Page]:
    """A browser whose language is Arabic (Accept-Language: ar): no switch, no preference."""
    context = browser.new_context(base_url=live_server.url, locale="ar-SY")
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def assert_right_to_left(page: Page, lang: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", "rtl")
    assert page.locator("main").evaluate("element => getComputedStyle(element).direction") == "rtl"


def assert_navigation_starts_at_the_right(page: Page) -> None:
    header = page.locator(".site-header").bounding_box()
    items = page.locator("nav .nav-list > li")
    first, second = items.nth(0).bounding_box(), items.nth(1).bounding_box()
    brand = page.locator(".brand").bounding_box()
    assert first["x"] > second["x"], (first, second)  # the list runs from right to left
    # The brand sits at the right edge, the header's actions at the left.
    assert brand["x"] + brand["width"] > header["x"] + header["width"] * 0.8, (brand, header)
    assert page.locator(".header-actions").bounding_box()["x"] < first["x"]


def test_the_intake_in_arabic_is_laid_out_right_to_left(arabic_page: Page, live_server):
    page = arabic_page
    create_user(live_server, "salma.h")
    page.goto("/")
    assert_right_to_left(page, "ar")
    expect(page.locator("main h1")).to_have_text("تسجيل الدخول")
    sign_in(page, "salma.h")
    assert_right_to_left(page, "ar")
    assert_navigation_starts_at_the_right(page)

    start_intake(page, "Ελένη", "Παπαδοπούλου")
    assert_right_to_left(page, "ar")
    # Free text takes the direction of what is typed: Greek in an Arabic page stays left to right.
    given = page.locator("#given_name")
    expect(given).to_have_attribute("dir", "auto")
    assert given.evaluate("element => getComputedStyle(element).direction") == "ltr"
    other = page.locator("#other_names-0")
    other.fill("هيلين")
    assert other.evaluate("element => getComputedStyle(element).direction") == "rtl"
    fill_intake(page, intake_day=centre_today(live_server), other_name="هيلين")
    assert_right_to_left(page, "ar")
    # Her Greek name is isolated: it reads left to right inside the right-to-left page.
    name = page.locator("main bdi[dir=auto]", has_text="Ελένη").first
    assert name.evaluate("element => getComputedStyle(element).direction") == "ltr"
    case_id = complete_intake(page)
    assert_right_to_left(page, "ar")
    assert_navigation_starts_at_the_right(page)

    # Her own saved preference now: Persian, from her account page.
    page.locator("nav a[href$='/auth/account']").click()
    assert_accessible(page, "account")
    page.locator("#language").select_option("fa")
    page.locator("main form button[type=submit]").click()
    assert_right_to_left(page, "fa")
    page.goto(f"/cases/{case_id}")
    assert_right_to_left(page, "fa")
    assert_accessible(page, "case in Persian")
    today = centre_today(live_server)
    opened = page.locator(f"main time[datetime='{today.isoformat()}']").first
    # The Solar Hijri date in Persian digits, then the Gregorian one.
    expect(opened).to_have_text(format_day(today, "fa"))
    expect(opened).to_contain_text(re.compile(r"[۰-۹]+ \S+ ۱۴[۰-۹]{2}"))
