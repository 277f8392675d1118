"""An intake completed with the keyboard alone: Tab and Shift+Tab to move, typing to fill in
(and to choose in a list), Space to tick, Enter to follow a link or press a button. Not one
click. Every element that takes the focus on the way must show it (a visible outline), and a
refused value is announced next to its field."""

from __future__ import annotations

import re
from datetime import date

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import (
    CASE_PAGE,
    COUNSELLOR_PASSWORD,
    centre_today,
    create_user,
)

pytestmark = pytest.mark.browser

FOCUS_SHOWN = """element => {
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2
      && box.width > 0 && box.height > 0;
}"""


def focused(page: Page, selector: str) -> bool:
    return page.evaluate("selector => document.activeElement.matches(selector)", selector)


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Tab (or Shift+Tab) until the focus is on `selector`; the focus must be visible at every
    stop on the way."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        stop = page.evaluate_handle("document.activeElement")
        where = page.evaluate("element => element.outerHTML.slice(0, 120)", stop)
        assert page.evaluate(FOCUS_SHOWN, stop), f"the focus is not visible on {where}"
        if focused(page, selector):
            return
    raise AssertionError(f"{selector} was not reached with {key}")


def type_into(page: Page, selector: str, text: str, **how: bool) -> None:
    tab_to(page, selector, **how)
    page.keyboard.type(text)


def press_on(page: Page, selector: str, key: str = "Enter", **how: bool) -> None:
    """Tab to `selector` and press `key`; Enter follows the link or sends the form: the next
    page is waited for."""
    tab_to(page, selector, **how)
    if key == "Enter":
        with page.expect_navigation():
            page.keyboard.press(key)
    else:
        page.keyboard.press(key)


def date_keys(day: date) -> str:
    """The keys that type a date into a date input, segment after segment. Chromium orders the
    segments as its own language says (day or month first), so the day is one whose day and
    month are the same number: the same keys give the same date either way."""
    assert day.day == day.month
    return f"{day.day:02d}{day.month:02d}{day.year}"


def latest_day_of_a_month_number(today: date) -> date:
    """The latest day not after today whose day and month are the same number (11 November)."""
    return max(date(today.year, n, n) for n in range(1, 13) if date(today.year, n, n) <= today)


def save_and_continue(page: Page, section: str) -> None:
    expect(page).to_have_url(re.compile(rf"/intake/[0-9a-f-]{{36}}/{section}$"))
    press_on(page, "button[name=go][value=continue]")
    expect(page.locator("main .field-error")).to_have_count(0)


def test_an_intake_with_the_keyboard_alone(page: Page, live_server):
    create_user(live_server, "nadia.k")
    day = centre_today(live_server)
    page.goto("/")
    # The first Tab reaches the skip link, which then shows on the screen.
    page.keyboard.press("Tab")
    assert focused(page, ".skip-link")
    assert page.locator(".skip-link").bounding_box()["x"] >= 0

    type_into(page, "#username", "nadia.k")
    type_into(page, "#password", COUNSELLOR_PASSWORD)
    press_on(page, "main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/auth/enrol/second-factor$"))
    secret = page.locator("code.secret-display").inner_text().replace(" ", "")
    type_into(page, "#code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.keyboard.press("Enter")  # a form is sent with Enter from its field
    expect(page.locator(".code-list")).to_be_visible()
    press_on(page, "main a.button")

    press_on(page, "nav a[href$='/intake/new']")
    type_into(page, "#given_name", "Leyla")
    type_into(page, "#family_name", "Yılmaz")
    press_on(page, "button[name=go][value=search]")
    press_on(page, "button[name=go][value=new]")

    save_and_continue(page, "identity")  # her names came from the search
    for section in ("contacts", "demographics", "discrimination"):
        save_and_continue(page, section)

    # A refused value is announced next to its field, and what was typed stays.
    type_into(page, "#reason_for_contact", "Gender")
    expect(page.locator("#reason_for_contact")).to_have_value("gender_based_violence")
    type_into(page, "#intake_date", date_keys(date(day.year + 1, 12, 12)))  # in the future
    type_into(page, "#contact_channel", "Phone")
    press_on(page, "button[name=go][value=continue]")
    assert focused(page, "#intake_date")  # the page comes back with the focus on the problem
    error = page.locator("#intake_date-error")
    expect(error).to_have_attribute("role", "alert")
    expect(page.locator("#intake_date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#intake_date")).to_have_attribute("aria-describedby", re.compile("intake_date-error"))
    expect(page.locator("#intake_date")).to_have_value(f"{day.year + 1}-12-12")  # kept as typed
    expect(page.locator("#contact_channel")).to_have_value("phone")
    assert_accessible(page, "referral with an error")
    # She puts the date right there, goes on to the buttons, and back (Shift+Tab) to check the
    # channel.
    page.keyboard.type(date_keys(latest_day_of_a_month_number(day)))
    tab_to(page, "button[name=go][value=continue]")
    tab_to(page, "#contact_channel", backwards=True)
    expect(page.locator("#contact_channel")).to_have_value("phone")  # kept as she chose it
    save_and_continue(page, "referral")

    save_and_continue(page, "requests")
    press_on(page, "input[name=violence_types][value=psychological]", key="Space")
    expect(page.locator("input[name=violence_types][value=psychological]")).to_be_checked()
    save_and_continue(page, "violence")
    type_into(page, "#perpetrators-0-relationship", "Former")
    save_and_continue(page, "perpetrators")
    save_and_continue(page, "history")
    type_into(page, "#narrative", "She came in with her sister.")
    save_and_continue(page, "narrative")
    press_on(page, "#processing-given", key="Space")
    expect(page.locator("#processing-given")).to_be_checked()
    save_and_continue(page, "consents")

    expect(page).to_have_url(re.compile(r"/review$"))
    press_on(page, "form[action$='/review'] button[type=submit]")
    expect(page).to_have_url(CASE_PAGE)
    expect(page.locator("main")).to_contain_text("Leyla Yılmaz")
    opened_on = latest_day_of_a_month_number(day).isoformat()
    expect(page.locator(f"main .case-header time[datetime='{opened_on}']")).to_be_visible()
