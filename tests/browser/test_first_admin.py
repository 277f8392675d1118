"""The foundation's journey in real Chromium: the first administrator enrols with the code that
`casework init` printed, sets up her second factor, creates a counsellor, locks and unlocks the
screen without losing what she typed, and signs out; the counsellor then enrols in turn."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase for the first one in"
COUNSELLOR_PASSWORD = "another long passphrase, hers"


def enrol(page: Page, code: str, password: str) -> None:
    """From the sign-in page: code, own password, authenticator app, recovery codes."""
    page.get_by_role("link", name="I have an enrolment code").click()
    page.get_by_label("Enrolment code").fill(code)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("New password").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_role("button", name="Save my password").click()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("code.secret-display").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".code-list")).to_be_visible()
    page.get_by_role("link", name="I have saved them, continue").click()


def test_first_admin_enrols_creates_a_counsellor_and_signs_out(page: Page, live_server):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/auth/sign-in$"))
    enrol(page, live_server.admin_code, PASSWORD)
    expect(page.get_by_text("Signed in as")).to_be_visible()

    page.get_by_role("link", name="Users").first.click()
    page.get_by_role("link", name="Create a user").click()
    page.get_by_label("Username").fill("eleni.k")
    page.get_by_label("Display name").fill("Eleni K.")

    # Quick-lock: the page hides at once, and comes back with the form as it was.
    page.get_by_role("button", name="Lock screen").click()
    expect(page.locator("#lock-overlay")).to_be_visible()
    expect(page.locator("main")).to_be_hidden()
    page.locator("#unlock-password").fill("not the password at all")
    page.locator("#unlock-form").get_by_role("button", name="Unlock").click()
    expect(page.locator("#unlock-error")).to_be_visible()
    page.locator("#unlock-password").fill(PASSWORD)
    page.locator("#unlock-form").get_by_role("button", name="Unlock").click()
    expect(page.locator("#lock-overlay")).to_be_hidden()
    expect(page.get_by_label("Username")).to_have_value("eleni.k")

    page.get_by_label("Role").select_option("counsellor")
    page.get_by_role("button", name="Create the user and issue an enrolment code").click()
    counsellor_code = page.locator("#enrolment-code").inner_text().strip()
    assert counsellor_code and counsellor_code not in page.url

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/auth/sign-in$"))
    page.goto("/admin/users")
    expect(page).to_have_url(re.compile(r"/auth/sign-in$"))

    enrol(page, counsellor_code, COUNSELLOR_PASSWORD)
    expect(page.get_by_text("Signed in as")).to_contain_text("eleni.k")
    page.goto("/admin/users")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
