"""Small steps the browser journeys share: a counsellor made with the CLI, signing in with her
authenticator code, choosing the language, and the intake's pages.

Elements are found by id, name and value, never by their words, so the same steps work in
every language of the interface. Every page reached is checked with axe-core.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pyotp
from click.testing import CliRunner
from playwright.sync_api import Page, expect

from casework.cli import cli
from tests.browser.accessibility import assert_accessible

COUNSELLOR_PASSWORD = "a long passphrase of her very own"
CASE_PAGE = re.compile(r"/cases/([0-9a-f-]{36})$")


def create_user(live_server: Any, username: str, role: str = "counsellor",
                password: str = COUNSELLOR_PASSWORD, organisation: str | None = None) -> None:
    """`casework users create USERNAME --role ROLE --password-stdin` on the served instance
    (with `--organisation` for a shelter partner); she enrols her second factor when she first
    signs in."""
    belongs = ["--organisation", organisation] if organisation else []
    result = CliRunner().invoke(
        cli, ["--instance", str(live_server.instance), "users", "create", username, "--role", role,
              *belongs, "--password-stdin"], input=f"{password}\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output


def choose_language(page: Page, code: str) -> None:
    """The sign-in page's language switch."""
    page.locator("#language").select_option(code)
    page.locator("form.language-switch button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def sign_in(page: Page, username: str, password: str = COUNSELLOR_PASSWORD,
            secret: str | None = None) -> str:
    """From the sign-in page to her home page. At her first sign-in she sets up her
    authenticator app (the secret is read from the page) and sees her recovery codes; later
    ones ask for a code made from `secret`. Returns the secret."""
    assert_accessible(page, "sign in")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: not url.endswith("/auth/sign-in"))
    if "/auth/enrol/second-factor" in page.url:
        secret = sign_in_second_step(page)
    elif "/auth/second-factor" in page.url:
        assert secret, "she has a second factor: the secret is needed"
        page.locator("#code").fill(pyotp.TOTP(secret).now())
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".signed-in-as bdi")).to_have_text(username)
    return secret or ""


def enrol(page: Page, code: str, password: str) -> str:
    """From the sign-in page, with an enrolment code: her own password, her authenticator app,
    her recovery codes, then her home page. Returns her authenticator secret."""
    page.locator("main a[href$='/auth/enrol']").click()
    assert_accessible(page, "enrolment code")
    page.locator("#code").fill(code)
    page.locator("main form button[type=submit]").click()
    assert_accessible(page, "new password")
    page.locator("#password").fill(password)
    page.locator("#confirm").fill(password)
    page.locator("main form button[type=submit]").click()
    return sign_in_second_step(page)


def sign_in_second_step(page: Page) -> str:
    """Her first sign-in: set up the authenticator app (the secret is read from the page) and
    see the recovery codes. Returns the secret."""
    expect(page).to_have_url(re.compile(r"/auth/enrol/second-factor$"))
    assert_accessible(page, "second factor set-up")
    secret = page.locator("code.secret-display").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".code-list")).to_be_visible()
    assert_accessible(page, "recovery codes")
    page.locator("main a.button").click()
    return secret


def centre_today(live_server: Any) -> date:
    from casework.clock import today

    with live_server.app.app_context():
        return today()


# --- The intake -------------------------------------------------------------------------------

def start_intake(page: Page, given: str, family: str) -> str:
    """New intake: search for her first, then "none of these — new client". Returns the case id."""
    page.goto("/intake/new")
    assert_accessible(page, "new intake")
    page.locator("#given_name").fill(given)
    page.locator("#family_name").fill(family)
    page.locator("button[name=go][value=search]").click()
    expect(page.locator("#results-title")).to_be_visible()
    assert_accessible(page, "possible matches")
    page.locator("button[name=go][value=new]").click()
    expect(page).to_have_url(re.compile(r"/intake/[0-9a-f-]{36}/identity$"))
    return page.url.split("/intake/")[1].split("/")[0]


def save_and_continue(page: Page, section: str) -> None:
    """Check the section's page, then "Save and continue"; the next page must not be an error."""
    expect(page).to_have_url(re.compile(rf"/intake/[0-9a-f-]{{36}}/{section}$"))
    assert_accessible(page, section)
    page.locator("button[name=go][value=continue]").click()
    expect(page.locator("main .field-error")).to_have_count(0)


def fill_intake(page: Page, *, intake_day: date, other_name: str) -> None:
    """Every section in turn, from identity to consents, with what a real first meeting gives;
    ends on the review page."""
    page.locator("#other_names-0").fill(other_name)
    page.locator("#birth_date").fill("1988-04-02")
    save_and_continue(page, "identity")
    page.locator("#phones-0-number").fill("+30 697 123 4567")
    page.locator("#phones-0-safe_to_message").check()
    save_and_continue(page, "contacts")
    page.locator("#marital_status").select_option("separated")
    page.locator("#children-count").fill("2")
    page.locator("#children-ages").fill("4, 9")
    save_and_continue(page, "demographics")
    page.locator("input[name=discrimination_factors][value=single_parent]").check()
    save_and_continue(page, "discrimination")
    page.locator("#reason_for_contact").select_option("gender_based_violence")
    page.locator("#intake_date").fill(intake_day.isoformat())
    page.locator("#contact_channel").select_option("in_person")
    save_and_continue(page, "referral")
    page.locator("input[name=requests][value=psychological_support]").check()
    save_and_continue(page, "requests")
    page.locator("input[name=violence_types][value=psychological]").check()
    page.locator("input[name=violence_types][value=physical]").check()
    save_and_continue(page, "violence")
    page.locator("#perpetrators-0-relationship").select_option("former_partner")
    page.locator("#perpetrators-0-sex").select_option("male")
    save_and_continue(page, "perpetrators")
    page.locator("#history-first_incident_year").fill("2019")
    save_and_continue(page, "history")
    page.locator("#narrative").fill("Μου είπε ότι φοβάται για τα παιδιά.")
    save_and_continue(page, "narrative")
    page.locator("#processing-given").check()
    page.locator("#processing-given_on").fill(intake_day.isoformat())
    save_and_continue(page, "consents")
    expect(page).to_have_url(re.compile(r"/intake/[0-9a-f-]{36}/review$"))


def complete_intake(page: Page) -> str:
    """On the review page: complete. Returns the case id (she lands on the case page)."""
    assert_accessible(page, "review")
    page.locator("form[action$='/review'] button[type=submit]").click()
    expect(page).to_have_url(CASE_PAGE)
    return CASE_PAGE.search(page.url).group(1)


class FakeClock:
    """The live server's clock (the server runs in a thread of this process): starts at the
    real time and moves only when told."""

    def __init__(self) -> None:
        self.moment = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)
