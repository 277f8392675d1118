"""The coordinator's yearly report, exported and downloaded in real Chromium: on an instance
filled with fictional women by `casework demo seed`, she opens last year's report, switches the
report to Greek (her interface stays English), asks for the workbook, proves who she is again,
and downloads it; then the CSV in the same language without a second prompt. The files hold the
figures the page shows, and nothing of a case. axe-core checks every page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyotp
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import open_page
from tests.browser.journeys import (
    COUNSELLOR_PASSWORD,
    FakeClock,
    centre_today,
    create_user,
    sign_in,
)

pytestmark = pytest.mark.browser


def in_greek(live_server, text: str) -> str:
    with live_server.app.test_request_context(), force_locale("el"):
        return _(text)


def figures_on_page(page: Page, table_id: str) -> list[list[str]]:
    """The body cells of a report table, row by row, as the page shows them."""
    rows = page.locator(f"#table-{table_id} tbody tr")
    return [[cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()]
            for i in range(rows.count())]


def download(page: Page, link: str, tmp_path: Path, *, then=None) -> Path:
    """Click a download link (and, if given, what must happen before the file comes: the
    re-authentication); the file as saved."""
    with page.expect_download() as started:
        page.locator(link).click()
        if then is not None:
            then()
    got = started.value
    assert got.failure() is None
    saved = tmp_path / got.suggested_filename
    got.save_as(saved)
    return saved


def test_the_coordinator_downloads_the_report_in_greek(browser, demo_server, tmp_path: Path):
    clock = FakeClock()
    demo_server.app.extensions["casework.clock"] = clock
    create_user(demo_server, "sofia.coord", role="coordinator")
    year = centre_today(demo_server).year - 1
    page = open_page(browser, demo_server, accept_downloads=True)
    page.goto("/")
    secret = sign_in(page, "sofia.coord")

    page.locator("nav a[href$='/reports/']").first.click()
    assert_accessible(page, "statistics")
    page.locator(f"main a[href='/reports/{year}']").click()
    page.locator("p.report-languages a[lang=el]").click()
    expect(page.locator("article.report")).to_have_attribute("lang", "el")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page, "report in Greek")
    shown = figures_on_page(page, "women_supported")
    clock.advance(minutes=6)  # her sign-in no longer counts as a recent check

    def reauthenticate() -> None:
        expect(page.locator("#password")).to_be_visible()
        assert_accessible(page, "re-authentication")
        page.locator("#password").fill(COUNSELLOR_PASSWORD)
        page.locator("#code").fill(pyotp.TOTP(secret).at(clock.moment))
        page.locator("main form button[type=submit]").click()

    workbook_file = download(page, "a[href$='.xlsx?lang=el']", tmp_path, then=reauthenticate)
    assert workbook_file.name == f"casework-statistics-{year}-el.xlsx"
    workbook = load_workbook(workbook_file)
    cover = workbook.worksheets[0]
    assert cover.title == in_greek(demo_server, "Cover")
    assert cover["A1"].value == in_greek(demo_server, "Anonymised statistics")

    page.goto(f"/reports/{year}?lang=el")  # back on the report: the check is still fresh
    csv_file = download(page, "a[href$='.csv?lang=el']", tmp_path)
    assert csv_file.name == f"casework-statistics-{year}-el.csv"
    lines = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8-sig"))))
    women = [line for line in lines if line["table"] == "women_supported"
             and line["row_code"] != "_total"]
    assert women, "the year's report has figures"
    from_file = {}
    for line in women:
        from_file.setdefault(line["row_code"], []).append(line["value"])
    assert list(from_file.values()) == shown
    assert not any(username in csv_file.read_text(encoding="utf-8-sig")
                   for username in ("sofia.coord", "demo"))
    page.context.close()
