"""An idle session ends: the first administrator enrols, looks through her pages (each checked
with axe-core), then leaves the computer; 16 minutes later (the limit is 15) the next page she
asks for is the sign-in page, saying that her session ended. The live server's clock is moved,
not waited for: the server runs in a thread of this process."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import FakeClock, enrol

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase for the first one in"


def test_an_idle_session_ends_and_returns_to_sign_in(page: Page, live_server):
    clock = FakeClock()
    live_server.app.extensions["casework.clock"] = clock
    page.goto("/")
    enrol(page, live_server.admin_code, PASSWORD)
    expect(page.locator(".signed-in-as")).to_be_visible()
    assert_accessible(page, "home")
    for href in page.locator("nav .nav-list a").evaluate_all("links => links.map(l => l.href)"):
        page.goto(href)
        assert_accessible(page)
    page.locator("nav a[href$='/admin/users']").click()
    page.locator("main a[href$='/admin/users/new']").click()
    assert_accessible(page, "create a user")
    page.go_back()
    page.locator("main table a").first.click()
    assert_accessible(page, "a user")
    page.goto("/cases/")  # a counsellor's page: refused
    expect(page.locator("main h1")).to_have_text("Not allowed")
    assert_accessible(page, "refused")
    page.locator("#quick-lock-button").click()
    expect(page.locator("#lock-overlay")).to_be_visible()
    assert_accessible(page, "screen locked")
    page.locator("#unlock-password").fill(PASSWORD)
    page.locator("#unlock-form button[type=submit]").click()
    expect(page.locator("#lock-overlay")).to_be_hidden()

    clock.advance(minutes=14)  # still within the limit: she is still signed in
    page.reload()
    expect(page.locator(".signed-in-as")).to_be_visible()
    clock.advance(minutes=16)
    page.locator("nav a[href$='/auth/account']").click()
    expect(page).to_have_url(re.compile(r"/auth/sign-in$"))
    expect(page.locator(".messages")).to_contain_text("Your session ended. Please sign in again.")
    expect(page.locator(".signed-in-as")).to_have_count(0)
    assert_accessible(page, "session ended")
