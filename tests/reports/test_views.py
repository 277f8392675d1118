"""The report pages: the coordinator's only, fixed periods and tables (anything else is 404), an
empty year said plainly, the stale-store banner, the report's own language, the print stylesheet.

As in tests/sharing, each person gets a client of her own with a server-side session, and the
stores are read and seeded in short application contexts.
"""

from __future__ import annotations

import json
import re
import secrets
from contextlib import contextmanager
from typing import Any, Iterator

import pytest
from flask import Flask

from casework.auth.models import Organisation, User
from casework.auth.reauth import REAUTH_AT
from casework.clock import now
from casework.extensions import db as databases
from casework.reports.definitions import YEAR_TABLES
from casework.security.models import WebSession
from casework.security.sessions import token_hash
from tests.reports.conftest import Seeder
from tests.reports.test_build import seed_large_year, seed_small_year

ROUTES = [("GET", "/reports/"), ("GET", "/reports/2025"), ("GET", "/reports/2025/q2"),
          ("GET", "/reports/2025/violence_types"), ("GET", "/reports/2025/releases"),
          ("GET", "/reports/2025/release"), ("POST", "/reports/2025/release")]


@contextmanager
def stores(app: Flask) -> Iterator[Seeder]:
    """The statistics store in an application context of its own, committed at the end."""
    with app.app_context():
        yield Seeder(databases.stats_session)
        databases.stats_session.commit()


def person(app: Flask, role: str, *, reauthenticated: bool = False) -> Any:
    """A client signed in as a new user of `role` (server-side session; fresh re-auth if asked)."""
    with app.app_context():
        session = databases.session
        organisation_id = None
        if role == "shelter_partner":
            organisation = Organisation(name=f"Shelter {secrets.token_hex(4)}", kind="shelter")
            session.add(organisation)
            session.flush()
            organisation_id = organisation.id
        user = User(username=f"{role.replace('_', '')}-{secrets.token_hex(4)}", role=role,
                    organisation_id=organisation_id)
        session.add(user)
        session.flush()
        data = {"_user_id": str(user.id), "_fresh": True}
        if reauthenticated:
            data[REAUTH_AT] = now().isoformat()
        token = secrets.token_urlsafe(32)
        session.add(WebSession(token_hash=token_hash(token), user_id=user.id,
                               data=json.dumps(data)))
        session.commit()
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token, domain="localhost")
    return client


def page(client: Any, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture
def coordinator(app: Flask, clock: Any) -> Any:
    return person(app, "coordinator")


@pytest.fixture
def year_2025(app: Flask) -> None:
    with stores(app) as seed:
        seed_large_year(seed)


def test_the_coordinator_reads_a_year_with_every_table(coordinator, year_2025):
    html = page(coordinator, "/reports/2025")
    for table in YEAR_TABLES:
        assert f'id="table-{table.id}"' in html, table.id
    assert html.count("Audit passed: no hidden figure") == len(YEAR_TABLES)
    assert "The audit passed for every table of this report." in html
    assert "Counting unit" in html and "Can a woman count in several rows?" in html
    assert "A woman counts under each type of violence she experienced" in html
    assert html.count('src="data:image/svg+xml;base64,') >= 10  # the bar charts
    assert "<script" not in html.split('<main id="main"')[1]


def test_a_quarter_shows_totals_only(coordinator, year_2025):
    html = page(coordinator, "/reports/2025/q1")
    assert 'id="table-new_women_in_quarter"' in html and 'id="table-enquiries_in_quarter"' in html
    assert html.count('class="report-table"') == 2
    assert "breakdowns are published for whole years" in html
    assert 'id="table-violence_types"' not in html


def test_one_table(coordinator, year_2025):
    html = page(coordinator, "/reports/2025/violence_types")
    assert html.count('class="report-table"') == 1 and 'id="table-violence_types"' in html


@pytest.mark.parametrize("url", [
    "/reports/2025/no_such_table", "/reports/2025/new_women_in_quarter", "/reports/2025/q0",
    "/reports/2025/q5", "/reports/1989", "/reports/2027", "/reports/2025?lang=xx",
    "/reports/2025?lang=EL", "/reports/2025?view=raw", "/reports/2025?view=live",
    "/reports/2025/violence_types?lang=de", "/reports/2031/releases", "/reports/1200/release"])
def test_anything_but_a_fixed_period_table_or_language_is_404(coordinator, year_2025, url):
    page(coordinator, url, 404)


def test_a_quarter_that_has_not_begun_is_404(app, coordinator, clock, year_2025):
    clock.current = clock.current.replace(month=5, day=10)
    page(coordinator, "/reports/2026/q2")
    page(coordinator, "/reports/2026/q3", 404)


def test_a_year_with_no_data_says_so_plainly(coordinator, year_2025):
    html = page(coordinator, "/reports/2019")
    assert "Nothing was counted in 2019" in html and "The tables are empty." in html
    assert 'class="report-table"' not in html


def test_the_stale_store_banner_names_the_verify_command(app, coordinator, year_2025):
    html = page(coordinator, "/reports/2025")
    assert 'id="stale-statistics"' in html and "not been checked" in html
    assert "<code>casework stats verify</code>" in html
    with stores(app) as seed:
        seed.meta("verified_at", "2026-11-01T00:00:00")
        seed.meta("pending", "0")
    assert 'id="stale-statistics"' not in page(coordinator, "/reports/2025")
    assert 'id="stale-statistics"' not in page(coordinator, "/reports/")
    with stores(app) as seed:
        seed.meta("pending", "3")
    html = page(coordinator, "/reports/")
    assert "3 changes to the case records are not in the statistics yet." in html
    assert "<code>casework stats verify</code>" in html


def test_the_report_has_its_own_language(coordinator, year_2025):
    html = page(coordinator, "/reports/2025?lang=el")
    assert '<html lang="en" dir="ltr">' in html  # her interface stays in English
    assert '<article class="report" lang="el" dir="ltr">' in html
    assert "Ιανουάριος" in html
    arabic = page(coordinator, "/reports/2025/violence_types?lang=ar")
    assert '<article class="report" lang="ar" dir="rtl">' in arabic
    assert 'href="/reports/2025/violence_types?lang=el"' in arabic  # the language choice


def test_the_report_offers_its_downloads_in_its_own_language(coordinator, year_2025):
    html = page(coordinator, "/reports/2025?lang=ar")
    assert 'href="/reports/exports/2025.csv?lang=ar"' in html
    assert 'href="/reports/exports/2025.xlsx?lang=ar"' in html
    assert 'href="/reports/exports/2025.json"' in html  # codes, the same in every language
    quarter = page(coordinator, "/reports/2025/q1")
    assert 'href="/reports/exports/2025/q1.csv?lang=en"' in quarter


def test_hidden_figures_show_the_mark(coordinator, app):
    with stores(app) as seed:
        seed_small_year(seed)
    html = page(coordinator, "/reports/2025")
    assert re.search(r'<abbr class="hidden-figure" title="c: not published[^"]*">c</abbr>', html)
    assert "This table is not published." in html  # cases closed: 3 closures
    assert "&lt;5" not in html and "<5" not in html


def test_the_printed_page_links_its_stylesheet(app, coordinator, year_2025):
    html = page(coordinator, "/reports/2025")
    assert '<link rel="stylesheet" media="print" href="/static/css/print.css">' in html
    css = coordinator.get("/static/css/print.css")
    assert css.status_code == 200
    text = css.get_data(as_text=True)
    assert "size: A4" in text and "break-before: page" in text


def test_the_dashboard_shows_this_year_so_far_with_the_same_protection(app, coordinator):
    with stores(app) as seed:
        for _ in range(12):
            seed.woman(2026, services={"social_support": (2, 120)})
        seed.women(6, 2026, new=False)
        seed_large_year(seed)
    html = page(coordinator, "/reports/")
    assert "2026 so far" in html
    block = html.split('id="this-year"')[1].split("</dl>")[0]
    assert re.search(r"<dt>Women supported</dt>\s*<dd><bdi>18</bdi></dd>", block)
    assert re.search(r"<dt>New women</dt>\s*<dd><bdi>12</bdi></dd>", block)
    assert re.search(r"<dt>Sessions</dt>\s*<dd><bdi>24</bdi></dd>", block)
    assert 'href="/reports/2025"' in html and 'href="/reports/2025/q1"' in html
    assert "not released" in html


def test_the_dashboard_hides_small_counts(app, coordinator):
    with stores(app) as seed:
        seed.women(3, 2026)
    block = page(coordinator, "/reports/").split('id="this-year"')[1].split("</dl>")[0]
    assert "<bdi>3</bdi>" not in block
    assert re.search(r"<dt>Women supported</dt>\s*<dd>c</dd>", block)
    assert re.search(r"<dt>New women</dt>\s*<dd>c</dd>", block)


@pytest.mark.parametrize("role", ["counsellor", "admin", "shelter_partner"])
def test_other_roles_are_refused_every_report_route(app, clock, role):
    client = person(app, role, reauthenticated=True)
    for method, url in ROUTES:
        response = client.get(url) if method == "GET" else \
            client.post_form(url, {}, token_page="/auth/account")  # the policy refuses, not CSRF
        assert response.status_code == 403, (role, method, url)


def test_anonymous_is_sent_to_sign_in(app):
    client = app.test_client()
    for method, url in ROUTES:
        response = client.get(url) if method == "GET" else \
            client.post_form(url, {}, token_page="/auth/sign-in")
        assert response.status_code in (302, 303), (method, url)
        assert response.location.split("?")[0].endswith("/auth/sign-in")


def test_report_pages_are_not_cached(coordinator, year_2025):
    response = coordinator.get("/reports/2025")
    assert "no-store" in response.headers.get("Cache-Control", "")



def test_the_coordinator_reaches_no_case_route(app, coordinator):
    """The matrix of tests/test_access_matrix.py, for her: every route of a case, a client, an
    intake, a record, sharing or a referral of a case is refused."""
    from tests.test_access_matrix import routes

    case_areas = ("cases.", "clients.", "intake.", "records.", "sharing.", "referrals.",
                  "partner.")
    checked = 0
    for rule, method, url in routes(app):
        if method != "GET" or not rule.endpoint.startswith(case_areas) \
                or rule.endpoint == "referrals.directory":  # the partner directory is hers
            continue
        assert coordinator.get(url).status_code == 403, url
        checked += 1
    assert checked >= 15
