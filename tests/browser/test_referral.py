"""A referral to a shelter, in real Chromium, by three people at three computers: the admin adds
the shelter to the partner directory; a counsellor working in Persian records an intake, prepares
a referral with an alias, sees exactly what the shelter will see, records the woman's consent and
sends it; the shelter's worker, in Turkish, reads the packet (the same fields, nothing more),
accepts and records her arrival; the counsellor sees who opened it and where the referral
stands. axe-core checks every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import open_page
from tests.browser.journeys import (
    centre_today,
    choose_language,
    complete_intake,
    create_user,
    enrol,
    fill_intake,
    sign_in,
    start_intake,
)

pytestmark = pytest.mark.browser

SHELTER = "Καταφύγιο Αθηνάς"
ADMIN_PASSWORD = "the first one in keeps her own passphrase"
REFERRAL_PAGE = re.compile(r"/cases/[0-9a-f-]{36}/referrals/([0-9a-f-]{36})$")


def add_the_shelter(page: Page, live_server) -> None:
    page.goto("/")
    enrol(page, live_server.admin_code, ADMIN_PASSWORD)
    page.goto("/admin/organisations")
    assert_accessible(page, "partner organisations")
    page.locator("#name").fill(SHELTER)
    page.locator("#kind").select_option("shelter")
    page.locator("#area").fill("Αθήνα")
    page.locator("#takes_children").check()
    page.locator("form[action$='/admin/organisations'] button[type=submit]").click()
    expect(page.locator("main table")).to_contain_text(SHELTER)


def prepare_referral(page: Page, case_id: str) -> None:
    """From the case page to the preview of a draft referral with an alias."""
    page.locator(f"main a[href$='/cases/{case_id}/referrals']").first.click()
    assert_accessible(page, "referrals of the case")
    page.locator(f"main a[href$='/cases/{case_id}/referrals/new']").click()
    assert_accessible(page, "new referral")
    shelter = page.locator("#organisation_id option", has_text=SHELTER).get_attribute("value")
    page.locator("#organisation_id").select_option(shelter)
    page.locator("#purpose").select_option("shelter_place")
    page.locator("#alias").fill("Leila")
    page.locator("#children_count").fill("2")
    page.locator("#children_ages").fill("4, 9")
    page.locator("#urgency").select_option("immediate")
    page.locator("#note_for_partner").fill("She arrives by bus with her two children.")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/referrals/[0-9a-f-]{36}/preview$"))


def packet_of(page: Page) -> dict[str, str]:
    """The packet on the page: its fields by code, with the text shown for each."""
    rows = page.locator("dl.packet dd[data-packet-field]")
    return {rows.nth(i).get_attribute("data-packet-field"): rows.nth(i).inner_text()
            for i in range(rows.count())}


def test_a_referral_accepted_by_a_shelter(browser, page: Page, live_server):
    add_the_shelter(page, live_server)
    create_user(live_server, "maria.p")
    create_user(live_server, "nikoleta.shelter", role="shelter_partner", organisation=SHELTER)

    counsellor = open_page(browser, live_server)
    counsellor.goto("/")
    choose_language(counsellor, "fa")
    sign_in(counsellor, "maria.p")
    expect(counsellor.locator("html")).to_have_attribute("dir", "rtl")
    case_id = start_intake(counsellor, "Ελένη", "Παπαδοπούλου")
    fill_intake(counsellor, intake_day=centre_today(live_server), other_name="هيلين")
    complete_intake(counsellor)

    prepare_referral(counsellor, case_id)
    assert_accessible(counsellor, "preview")
    previewed = packet_of(counsellor)
    assert previewed["first_name_or_alias"] == "Leila"
    assert set(previewed) == {"first_name_or_alias", "age_band", "languages", "children_coming",
                              "urgency", "accessibility_needs", "note_for_partner"}
    shown = counsellor.locator("dl.packet").inner_text()
    for never_sent in ("Ελένη", "Παπαδοπούλου", "هيلين", "697", "φοβάται"):
        assert never_sent not in shown
    counsellor.locator("#consent_given").check()
    counsellor.locator("form[action$='/send'] button[type=submit]").click()
    expect(counsellor).to_have_url(REFERRAL_PAGE)
    expect(counsellor.locator("main dl .status-badge")).to_have_attribute("data-status", "sent")
    assert_accessible(counsellor, "sent referral")
    referral_id = REFERRAL_PAGE.search(counsellor.url).group(1)

    shelter = open_page(browser, live_server)
    shelter.goto("/")
    choose_language(shelter, "tr")
    sign_in(shelter, "nikoleta.shelter")
    expect(shelter).to_have_url(re.compile(r"/partner/referrals$"))  # her home is the inbox
    assert_accessible(shelter, "inbox")
    new = shelter.locator("#group-new + table")
    new.locator(f"a[href$='/{referral_id}']").click()
    assert_accessible(shelter, "packet")
    received = packet_of(shelter)  # her labels are in Turkish, the counsellor's in Persian
    assert set(received) == set(previewed)
    assert received["first_name_or_alias"] == "Leila"
    shelter.locator("form[action$='/accept'] button[type=submit]").click()
    expect(shelter).to_have_url(re.compile(r"/partner/referrals$"))  # back to her inbox
    shelter.locator(f"#group-accepted + table a[href$='/{referral_id}']").click()
    expect(shelter.locator("main dl .status-badge")).to_have_attribute("data-status", "accepted")
    shelter.locator("form[action$='/arrived'] button[type=submit]").click()
    shelter.locator(f"#group-arrived + table a[href$='/{referral_id}']").click()
    expect(shelter.locator("main dl .status-badge")).to_have_attribute("data-status", "arrived")
    assert_accessible(shelter, "arrived")
    shelter.goto(f"/cases/{case_id}")
    expect(shelter.locator("main h1")).not_to_contain_text("Ελένη")
    expect(shelter.locator("main")).not_to_contain_text("Παπαδοπούλου")

    counsellor.reload()
    expect(counsellor.locator("main dl .status-badge")).to_have_attribute("data-status", "arrived")
    openings = counsellor.locator("section[aria-labelledby=openings-title] table")
    expect(openings).to_contain_text("nikoleta.shelter")
    expect(openings).to_contain_text(SHELTER)
    assert_accessible(counsellor, "referral seen by the counsellor")
