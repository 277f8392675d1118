"""A counsellor's day in Greek, in real Chromium: she chooses Greek on the sign-in page, enrols
her second factor, records an intake (Greek names, another name in Arabic script) through every
section to completion, adds a session, a high risk assessment and a safety plan, finds the woman
again by her name typed in Latin letters, and closes the case. axe-core checks every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import (
    centre_today,
    choose_language,
    complete_intake,
    create_user,
    fill_intake,
    sign_in,
    start_intake,
)

pytestmark = pytest.mark.browser


def submit(page: Page) -> None:
    page.locator("main form[method=post]:not(.inline-form) button[type=submit]").last.click()


def test_a_counsellors_day_in_greek(page: Page, live_server):
    create_user(live_server, "maria.p")
    today = centre_today(live_server).isoformat()
    page.goto("/")
    choose_language(page, "el")
    expect(page.locator("main h1")).to_have_text("Σύνδεση")
    sign_in(page, "maria.p")
    expect(page.locator("html")).to_have_attribute("lang", "el")
    assert_accessible(page, "home")

    case_id = start_intake(page, "Ελένη", "Παπαδοπούλου")
    fill_intake(page, intake_day=centre_today(live_server), other_name="هيلين")
    expect(page.locator("main")).to_contain_text("هيلين")
    complete_intake(page)
    assert_accessible(page, "case")
    expect(page.locator("main h1")).to_contain_text("Υπόθεση")

    page.locator(f"a[href$='/cases/{case_id}/sessions/new']").click()
    assert_accessible(page, "new session")
    expect(page.locator("#held_on")).to_have_value(today)  # a date input keeps the ISO value
    page.locator("#duration_minutes").fill("50")
    page.locator("#service").select_option("psychological_support")
    page.locator("#mode").select_option("in_person")
    page.locator("#notes").fill("Συζητήσαμε το σχέδιο για τα παιδιά.")
    submit(page)
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator(".messages")).to_be_visible()

    page.locator(f"a[href$='/cases/{case_id}/risk/new']").click()
    assert_accessible(page, "risk assessment")
    page.locator("input[name=indicators][value=threats_to_kill]").check()
    page.locator("input[name=indicators][value=recent_separation]").check()
    page.locator("#level").select_option("high")
    submit(page)
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator("p.risk-high")).to_be_visible()

    page.locator(f"a[href$='/cases/{case_id}/safety-plans/new']").click()
    assert_accessible(page, "safety plan")
    page.locator("#safe_contacts").fill("Η αδελφή της, στο σπίτι της στην Καλαμαριά.")
    submit(page)
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    assert_accessible(page, "case with records")

    # She finds the woman again by her name typed in Latin letters.
    page.locator("nav a[href$='/cases/']").first.click()
    assert_accessible(page, "dashboard")
    page.locator("#by").select_option("name")
    page.locator("#text").fill("Eleni Papadopoulou")
    page.locator("form[role=search] button[type=submit]").click()
    found = page.locator("#results-title + ul")
    expect(found).to_contain_text("Ελένη Παπαδοπούλου")
    assert_accessible(page, "search results")
    found.locator(f"a[href$='/cases/{case_id}']").click()

    page.locator(f"a[href$='/cases/{case_id}/close']").click()
    assert_accessible(page, "close")
    page.locator("#reason").select_option("goals_met")
    submit(page)
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator("main .banner-warning")).to_be_visible()
    expect(page.locator(f"a[href$='/cases/{case_id}/sessions/new']")).to_have_count(0)
    assert_accessible(page, "closed case")
