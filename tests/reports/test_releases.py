"""Releases: a published year is frozen; a correction is release 2, audited against release 1,
and refused when the two together would give a small group away."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from casework.audit.models import AuditEntry
from casework.extensions import db as databases
from casework.reports.build import build_report, year_tables
from casework.reports.cache import Publication, PublishedTable
from casework.reports.model import Period
from casework.reports.queries import year_counts
from casework.reports.release_models import ReportRelease
from casework.reports.releases import latest, protect_correction, publication_of, snapshot
from casework.reports.suppression.tables import CountTable
from tests.reports.test_build import seed_large_year, seed_small_year
from tests.reports.test_views import page, person, stores

RELEASE = "/reports/2025/release"


def freeze(client: Any, url: str = RELEASE) -> Any:
    return client.post_form(url, {}, token_page=url)


def releases_of(app: Flask, year: int = 2025) -> list[ReportRelease]:
    with app.app_context():
        return list(databases.stats_session.scalars(
            select(ReportRelease).where(ReportRelease.year == year).order_by(ReportRelease.number)))


def entries(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(databases.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action)))


def like_the_first_new_women(seed: Any, count: int) -> None:
    """More women exactly like the first ones of seed_large_year: every figure they change moves
    by `count`."""
    seed.women(count, 2025, new=True, month=3, age_band="25_34",
               violence=("physical", "psychological"), perpetrators=("former_partner",),
               requests=("psychological_support",), services={"social_support": (1, 60)})


@pytest.fixture
def coordinator(app: Flask, clock: Any) -> Any:
    with stores(app) as seed:
        seed_large_year(seed)
    return person(app, "coordinator", reauthenticated=True)


def test_a_year_is_frozen_as_release_1(app, coordinator):
    assert "Freeze this report as release 1" in page(coordinator, "/reports/2025")
    response = freeze(coordinator)
    assert response.status_code == 302 and response.location.endswith("/reports/2025/releases")
    (release,) = releases_of(app)
    assert (release.year, release.number, release.audited_against) == (2025, 1, None)
    # Nothing about who: the audit log of the case store says it.
    assert set(ReportRelease.__table__.columns.keys()) == {
        "id", "year", "number", "created_at", "stats_version", "k", "k_sensitive",
        "audited_against", "snapshot"}
    (entry,) = entries(app, "report.released")
    assert (entry.target_type, entry.target_id) == ("report", "2025")
    assert json.loads(entry.details) == {"release": 1, "stats_version": "0"}
    assert entry.actor_name.startswith("coordinator")
    html = page(coordinator, "/reports/2025")
    assert "2025 release 1, frozen on" in html
    assert "Freeze this report" not in html
    assert "Passed" in page(coordinator, "/reports/2025/releases")


def test_a_release_stays_as_it_was_and_the_live_view_shows_the_correction(app, coordinator):
    assert freeze(coordinator).status_code == 302
    with stores(app) as seed:
        like_the_first_new_women(seed, 10)
    html = page(coordinator, "/reports/2025")
    assert "The statistics have changed since release 1." in html
    assert "<bdi>40</bdi>" in html.split('id="table-women_supported"')[1].split("</section>")[0]
    live = page(coordinator, "/reports/2025?view=live")
    assert "<bdi>50</bdi>" in live.split('id="table-women_supported"')[1].split("</section>")[0]
    with app.app_context():
        frozen = build_report(databases.stats_session, Period(2025), "en")
        quarter = build_report(databases.stats_session, Period(2025, 1), "en")
    assert frozen.release == "2025 release 1" and frozen.released_at is not None
    assert quarter.release == "2025 release 1"
    assert quarter.tables[0].cells[("new_women", "count")] == 10  # the frozen quarter


def test_a_correction_is_release_2_audited_against_release_1(app, coordinator):
    assert freeze(coordinator).status_code == 302
    with stores(app) as seed:
        like_the_first_new_women(seed, 10)
    assert "Release the correction as release 2" in page(coordinator, "/reports/2025")
    assert freeze(coordinator).status_code == 302
    first, second = releases_of(app)
    assert (second.number, second.audited_against) == (2, 1)
    assert "Passed, against release 1" in page(coordinator, "/reports/2025/releases")
    with app.app_context():
        report = build_report(databases.stats_session, Period(2025), "en")
    assert report.release == "2025 release 2"
    assert report.tables[0].grand_total == 50


def test_a_correction_that_reveals_a_small_difference_is_refused(app, coordinator):
    assert freeze(coordinator).status_code == 302
    with stores(app) as seed:
        like_the_first_new_women(seed, 1)  # "one more woman aged 25–34, with physical…"
    html = page(coordinator, "/reports/2025?view=live")
    assert "It would be refused as a release" in html
    response = freeze(coordinator)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "differs from the earlier release by fewer than k" in text
    assert "Women supported" in text
    assert len(releases_of(app)) == 1
    (refusal,) = entries(app, "report.release_refused")
    assert refusal.target_id == "2025" and refusal.actor_name.startswith("coordinator")


def test_nothing_changed_is_no_new_release(app, coordinator):
    assert freeze(coordinator).status_code == 302
    response = freeze(coordinator)
    assert response.status_code == 409
    assert "Nothing has changed since release 1." in response.get_data(as_text=True)


def test_a_year_that_has_not_ended_cannot_be_released(app, coordinator):
    with stores(app) as seed:
        seed.women(12, 2026)
    assert "A year can be released once it has ended." in page(coordinator, "/reports/2026/release")
    response = freeze(coordinator, "/reports/2026/release")
    assert response.status_code == 409
    assert releases_of(app, 2026) == []


def test_a_release_needs_a_recent_reauthentication(app, clock):
    client = person(app, "coordinator")
    for response in (client.get(RELEASE), client.post_form(RELEASE, {}, token_page="/reports/")):
        assert response.status_code == 302
        assert "/auth/reauthenticate" in response.location
    assert releases_of(app) == []


def test_a_release_holds_published_figures_only(app, clock):
    with stores(app) as seed:
        seed_small_year(seed)
    client = person(app, "coordinator", reauthenticated=True)
    assert freeze(client).status_code == 302
    (release,) = releases_of(app)
    data = json.loads(release.snapshot)
    assert not re.search(r"[0-9a-f]{32}", release.snapshot)  # no row key of the store
    with app.app_context():
        live = year_tables(year_counts(databases.stats_session, 2025), 5, 10).problem()
    hidden = 0
    for table in data["tables"].values():
        for name, value in table["keys"].items():
            if value is None:
                hidden += 1
            else:
                assert value == live.values[name]
        for row, column, value in table["cells"]:
            assert value is None or not 1 <= value <= 4 or table["id"] == "activities"
    assert hidden > 10
    # And it reads back as the report it was.
    with app.app_context():
        again = build_report(databases.stats_session, Period(2025), "en")
        again_live = build_report(databases.stats_session, Period(2025), "en", live=True)
    assert [t.cells for t in again.tables] == [t.cells for t in again_live.tables]


# --- the audit against the earlier release, on small problems ---------------------------------

def _earlier(table: CountTable, published: dict[str, Any]) -> Publication:
    keys = {table.key(r): published.get(r) for r in table.rows}
    keys[table.grand_key] = published.get("*")
    return Publication({table.id: PublishedTable(id=table.id, rows=list(table.rows),
                                                 columns=["count"], cells={}, keys=keys)},
                       "1", 5, 10)


def test_what_release_1_published_counts_as_known_in_the_audit_of_release_2():
    """Release 1 hid c and d and published a = 10. Now c = d = 1: hidden alone they would pin
    each other (c + d = 2), so one more cell is hidden — a. But release 1 published a, so with
    both releases together c + d = 2 again: refused."""
    table = CountTable.one_way("t", {"a": 10, "b": 10, "c": 1, "d": 1})
    correction = protect_correction(table.to_problem(),
                                    _earlier(table, {"a": 10, "b": 10, "*": 22}))
    assert "t|a" in correction.protection["t"].hidden or "t|b" in correction.protection["t"].hidden
    assert correction.problems == [("union_audit", "t")]


def test_a_figure_release_1_published_that_is_now_small_is_refused():
    table = CountTable.one_way("t", {"a": 10, "b": 10, "c": 3, "d": 10})
    correction = protect_correction(table.to_problem(),
                                    _earlier(table, {"a": 10, "b": 10, "c": 10, "d": 10, "*": 40}))
    assert ("published_before", "t") in correction.problems


def test_a_small_difference_is_refused():
    table = CountTable.one_way("t", {"a": 12, "b": 10})
    correction = protect_correction(table.to_problem(),
                                    _earlier(table, {"a": 10, "b": 10, "*": 20}))
    assert correction.problems == [("small_difference", "t")]
    same = protect_correction(table.to_problem(), _earlier(table, {"a": 7, "b": 10, "*": 17}))
    assert same.problems == []  # a difference of 5 = k is a group of 5


def test_a_figure_release_1_hid_stays_hidden_in_the_correction():
    table = CountTable.one_way("t", {"a": 30, "b": 30, "c": 20, "d": 12})
    correction = protect_correction(table.to_problem(),
                                    _earlier(table, {"a": 30, "b": 30, "c": None, "d": None,
                                                     "*": 92}))
    protected = correction.protection["t"]
    assert {"t|c", "t|d"} <= protected.hidden  # large now, hidden then: hidden still
    assert protected.published == {"t|a": 30, "t|b": 30, "t|*": 92}
    assert correction.problems == []


def test_a_table_withheld_in_release_1_stays_withheld():
    table = CountTable.one_way("t", {"a": 30, "b": 30})
    earlier = _earlier(table, {})
    earlier.tables["t"].withheld = True
    correction = protect_correction(table.to_problem(), earlier)
    assert correction.protection["t"].withheld and correction.protection["t"].published == {}


def test_the_snapshot_round_trips(app, coordinator):
    with app.app_context():
        report = build_report(databases.stats_session, Period(2025), "en")
        assert latest(databases.stats_session, 2025) is None
    assert freeze(coordinator).status_code == 302
    (release,) = releases_of(app)
    restored = publication_of(release)
    assert snapshot(restored) == release.snapshot
    assert restored.tables["women_supported"].grand_total == report.tables[0].grand_total == 40
