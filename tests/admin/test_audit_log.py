"""The audit log page: newest first, filters in the query string, pages, clear messages."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from casework.audit.service import record
from casework.auth.models import Organisation
from tests.admin import entries, signed_in_client, store

PAGE = "/admin/audit"


@pytest.fixture
def admin(make_user):
    return make_user("admin", username="ada")


@pytest.fixture
def client_of(app, admin):
    return signed_in_client(app, admin)


@pytest.fixture
def log(app, clock):
    """Entries on three days by two people (the clock fixture sets the times)."""
    written = []
    with store(app) as session:
        for day, actor, action, target in ((3, "maria", "case.opened", "41"),
                                           (3, "maria", "case.read", "41"),
                                           (4, "nora", "case.read", "42"),
                                           (5, "maria", "referral.sent", "7")):
            clock.current = datetime(2026, 3, day, 10, 30, tzinfo=timezone.utc)
            entry = record(session, action, actor_name=actor, target_type="case", target_id=target,
                           details={"section": "intake"})
            written.append(entry.seq)
        session.commit()
    # Back to real time, so the signed-in sessions (made at real time) do not look idle.
    app.extensions.pop("casework.clock")
    return written


def _rows(html):
    """The sequence numbers shown, in page order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(seq) for seq in re.findall(r"<tr>\s*<td>(\d+)</td>", body)]


def _error(html, field):
    match = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


def test_log_lists_entries_newest_first_with_their_metadata(client_of, log):
    response = client_of.get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = _rows(html)
    assert rows == sorted(rows, reverse=True) and set(log) <= set(rows)
    for expected in ("2026-03-05 10:30", "maria", "<code>referral.sent</code>", "<code>case</code> 7",
                     "<code>section</code>: intake", "casework audit verify"):
        assert expected in html


def test_filter_by_staff_username(client_of, log):
    html = client_of.get(PAGE, query_string={"actor": "Maria"}).get_data(as_text=True)
    assert _rows(html) == [log[3], log[1], log[0]]
    assert 'value="maria"' in html  # the filter is kept in the form


def test_filter_by_action(client_of, log):
    html = client_of.get(PAGE, query_string={"action": "case.read"}).get_data(as_text=True)
    assert _rows(html) == [log[2], log[1]]


def test_filter_by_dates_inclusive(client_of, log):
    html = client_of.get(PAGE, query_string={"date_from": "2026-03-04",
                                             "date_to": "2026-03-05"}).get_data(as_text=True)
    assert _rows(html) == [log[3], log[2]]
    html = client_of.get(PAGE, query_string={"date_to": "2026-03-03"}).get_data(as_text=True)
    assert _rows(html) == [log[1], log[0]]


def test_filters_combine(client_of, log):
    html = client_of.get(PAGE, query_string={"actor": "maria", "action": "case.read",
                                             "date_from": "2026-03-03"}).get_data(as_text=True)
    assert _rows(html) == [log[1]]


def test_no_match_says_so(client_of, log):
    response = client_of.get(PAGE, query_string={"actor": "nobody"})
    assert response.status_code == 200
    assert "No entries match these filters." in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["2026-13-01", "03/04/2026", "yesterday", "2026-02-30"])
def test_an_invalid_date_gets_a_message_not_an_error_page(client_of, log, value):
    response = client_of.get(PAGE, query_string={"date_from": value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "YYYY-MM-DD" in _error(html, "date_from")
    assert "<tbody>" not in html


def test_an_end_before_the_start_gets_a_message(client_of, log):
    response = client_of.get(PAGE, query_string={"date_from": "2026-03-05", "date_to": "2026-03-04"})
    assert response.status_code == 400
    assert "before the start" in _error(response.get_data(as_text=True), "date_to")


def test_an_unknown_action_gets_a_message(client_of, log):
    response = client_of.get(PAGE, query_string={"action": "no.such.thing"})
    assert response.status_code == 400
    assert "No entry in the log has this action." in _error(response.get_data(as_text=True), "action")


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_an_invalid_page_number_gets_a_message(client_of, log, value):
    response = client_of.get(PAGE, query_string={"page": value})
    assert response.status_code == 400
    assert "page number is not valid" in response.get_data(as_text=True)


def test_pages_keep_the_filters(app, client_of, log, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_PAGE_SIZE", 2)
    first = client_of.get(PAGE, query_string={"actor": "maria"}).get_data(as_text=True)
    assert _rows(first) == [log[3], log[1]]
    assert "page 1 of 2" in first
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "actor=maria" in older and "page=2" in older
    second = client_of.get(older).get_data(as_text=True)
    assert _rows(second) == [log[0]]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A page past the end shows the last one.
    assert _rows(client_of.get(PAGE, query_string={"actor": "maria", "page": "9"})
                 .get_data(as_text=True)) == [log[0]]


def test_every_admin_action_leaves_an_entry_naming_the_admin(app, client_of, admin, make_user):
    target = make_user("counsellor", username="maria")
    steps = [
        ("/admin/users/new", {"username": "nina", "role": "counsellor"}, "user.created"),
        (f"/admin/users/{target.id}/change-role", {"role": "coordinator", "organisation_id": ""},
         "user.role_changed"),
        (f"/admin/users/{target.id}/end-sessions", {}, "user.sessions_ended"),
        (f"/admin/users/{target.id}/reset-password", {}, "user.enrolment_code_issued"),
        (f"/admin/users/{target.id}/reset-second-factor", {}, "user.enrolment_code_issued"),
        (f"/admin/users/{target.id}/deactivate", {}, "user.deactivated"),
        (f"/admin/users/{target.id}/reactivate", {}, "user.reactivated"),
        ("/admin/organisations", {"name": "Harbour", "kind": "shelter"}, "organisation.created"),
    ]
    for path, data, action in steps:
        before = len(entries(app, action))
        response = client_of.post_form(path, data, token_page="/admin/users")
        assert response.status_code in (200, 302), path
        written = entries(app, action)
        assert len(written) == before + 1, action
        assert (written[-1]["actor_name"], written[-1]["actor_id"]) == ("ada", admin.id)
    with store(app) as session:
        harbour = session.scalar(select(Organisation.id).where(Organisation.name == "Harbour"))
    for action in ("deactivate", "reactivate"):
        client_of.post_form(f"/admin/organisations/{harbour}/{action}", token_page="/admin/users")
        assert entries(app, f"organisation.{action}d")[-1]["actor_name"] == "ada"
    html = client_of.get(PAGE).get_data(as_text=True)
    for action in ("user.created", "user.role_changed", "user.deactivated", "organisation.created"):
        assert f"<code>{action}</code>" in html
