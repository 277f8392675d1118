"""Sessions: recorded and edited through the pages, sealed, checked, version-locked, audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from casework.auth.models import User
from casework.records import service
from casework.records.service import InvalidRecord

from casework.cases.models import Case, CaseSession
from tests.records import (TODAY, all_audit_text, case, entries, field_error, new_case,  # noqa: F401
                           owner, raw_bytes)

CANARY = "CANARY-sess-5a7e she said the key is under the blue pot"


def session_data(**overrides: str) -> dict[str, str]:
    data = {"held_on": "2026-11-24", "duration_minutes": "50", "service": "psychological_support",
            "mode": "in_person", "interpreter_used": "y", "interpreter_language": "Farsi",
            "notes": CANARY, "next_follow_up_on": "2026-12-01"}
    data.update(overrides)
    return data


def error_section(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index('<section class="error-page"'):html.index("</section>")]


def sessions_of(db, case) -> list[CaseSession]:
    return list(db.scalars(select(CaseSession).where(CaseSession.case_id == case.id)
                           .order_by(CaseSession.held_on)))


def count_sessions(db) -> int:
    return db.scalar(select(func.count()).select_from(CaseSession))


def record_session(client, case, **overrides: str):
    return client.post_form(f"/cases/{case.id}/sessions/new", session_data(**overrides))


def test_a_session_is_recorded_sealed_and_read_back(db, client, owner, case):
    response = record_session(client, case)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    [stored] = sessions_of(db, case)
    assert stored.held_on == date(2026, 11, 24) and stored.counsellor_id == owner.id
    assert stored.details == {"duration_minutes": 50, "service": "psychological_support",
                              "mode": "in_person", "interpreter_used": True,
                              "interpreter_language": "Farsi", "notes": CANARY,
                              "next_follow_up_on": "2026-12-01"}
    assert CANARY.encode() not in raw_bytes(db, CaseSession.details_sealed, stored.id)
    assert b"Farsi" not in raw_bytes(db, CaseSession.details_sealed, stored.id)

    page = client.get(f"/cases/{case.id}/sessions/{stored.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert CANARY in html and 'value="2026-11-24"' in html and 'value="50"' in html
    assert f'name="version" type="hidden" value="{stored.version}"' in html


def test_the_next_follow_up_reaches_the_case(db, client, owner, case):
    record_session(client, case, held_on="2026-11-10", next_follow_up_on="2026-12-01")
    assert db.get(Case, case.id).next_follow_up_on == date(2026, 12, 1)
    # the latest contact sets the plan, even when it brings the follow-up forward
    record_session(client, case, held_on="2026-11-24", next_follow_up_on="2026-11-27")
    assert case.next_follow_up_on == date(2026, 11, 27)
    record_session(client, case, held_on="2026-11-25", next_follow_up_on="2026-12-09")
    assert case.next_follow_up_on == date(2026, 12, 9)
    # a late entry of an older contact does not replace the plan made since
    record_session(client, case, held_on="2026-11-01", next_follow_up_on="2026-12-20")
    assert case.next_follow_up_on == date(2026, 12, 9)


def test_a_follow_up_already_passed_is_not_the_next_one(db, client, owner, case):
    record_session(client, case, held_on="2026-11-20", next_follow_up_on="2026-12-03")
    record_session(client, case, held_on="2026-11-22", next_follow_up_on="2026-11-23")
    assert db.get(Case, case.id).next_follow_up_on == date(2026, 12, 3)
    record_session(client, case, held_on="2026-11-24", next_follow_up_on="")
    assert case.next_follow_up_on == date(2026, 12, 3)


def test_durations_of_0_and_2000_minutes_are_refused_next_to_the_field(db, client, owner, case):
    for minutes in ("0", "2000", "-5"):
        response = record_session(client, case, duration_minutes=minutes)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "between 1 and 600 minutes" in field_error(html, "duration_minutes")
        assert f'value="{minutes}"' in html and CANARY in html
    assert count_sessions(db) == 0
    assert record_session(client, case, duration_minutes="600").status_code == 302


def test_a_note_of_100_kb_is_refused_saying_the_limit_and_everything_is_kept(db, client, owner, case):
    long_note = ("Ж" + "note " * 20480)[:102400]
    response = record_session(client, case, notes=long_note)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "at most 10,000 characters; this has 102,400" in field_error(html, "notes")
    assert long_note in html  # the textarea holds every character typed
    assert 'value="Farsi"' in html and 'value="2026-12-01"' in html
    assert count_sessions(db) == 0
    assert record_session(client, case, notes="x" * 10000).status_code == 302


def test_impossible_dates_are_refused(db, client, owner, case):
    future = record_session(client, case, held_on="2026-11-26")
    assert future.status_code == 400
    assert "cannot be in the future" in field_error(future.get_data(as_text=True), "held_on")
    for follow_up in ("2026-11-20", "2026-11-24"):
        before = record_session(client, case, next_follow_up_on=follow_up)
        assert before.status_code == 400
        assert "after the date of the session" in field_error(before.get_data(as_text=True),
                                                               "next_follow_up_on")
    not_a_date = record_session(client, case, held_on="2026-02-30")
    assert not_a_date.status_code == 400 and field_error(not_a_date.get_data(as_text=True), "held_on")
    assert count_sessions(db) == 0
    assert record_session(client, case, held_on=TODAY.isoformat(), next_follow_up_on="").status_code == 302


def test_codes_posted_by_hand_are_refused(db, client, owner, case):
    for field in ("service", "mode"):
        response = record_session(client, case, **{field: "astrology"})
        assert response.status_code == 400
        assert "Choose one of the options offered" in field_error(response.get_data(as_text=True), field)
        missing = record_session(client, case, **{field: ""})
        assert "Choose one of the options" in field_error(missing.get_data(as_text=True), field)
    assert count_sessions(db) == 0


def test_script_and_formulas_are_stored_as_typed_and_shown_escaped(db, client, owner, case):
    typed = '=HYPERLINK("x") <script>alert(1)</script>'
    assert record_session(client, case, notes=typed, interpreter_language="<b>Kurdî</b>").status_code == 302
    [stored] = sessions_of(db, case)
    assert stored.details["notes"] == typed
    html = client.get(f"/cases/{case.id}/sessions/{stored.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<b>Kurdî" not in html
    assert "=HYPERLINK(&#34;x&#34;) &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_editing_a_session_saves_and_is_audited(db, client, owner, case):
    record_session(client, case)
    [stored] = sessions_of(db, case)
    url = f"/cases/{case.id}/sessions/{stored.id}"
    response = client.post_form(url, session_data(notes="changed", duration_minutes="90",
                                                  version=str(stored.version)))
    assert response.status_code == 302
    assert stored.details["notes"] == "changed" and stored.details["duration_minutes"] == 90
    assert [e.actor_id for e in entries(db, "session.updated", stored.id)] == [owner.id]


def test_a_version_conflict_keeps_what_she_typed_and_shows_what_is_stored(db, client, owner, case):
    record_session(client, case, notes="first words")
    [stored] = sessions_of(db, case)
    url = f"/cases/{case.id}/sessions/{stored.id}"
    stale_version = str(stored.version)
    # a colleague saves first
    assert client.post_form(url, session_data(notes="the colleague's words",
                                              version=stale_version)).status_code == 302
    response = client.post_form(url, session_data(notes="my own words", duration_minutes="75",
                                                  version=stale_version))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this while you were editing" in html
    assert "my own words" in html and 'value="75"' in html  # what she typed, in the form
    assert "the colleague&#39;s words" in html  # what is stored, in the notice
    assert stored.details["notes"] == "the colleague's words"
    assert f'name="version" type="hidden" value="{stored.version}"' in html
    # saving again from the conflict page is a deliberate choice, and works
    again = client.post_form(url, session_data(notes="my own words", version=str(stored.version)))
    assert again.status_code == 302 and stored.details["notes"] == "my own words"


def test_a_version_conflict_with_bad_input_shows_the_errors_first(db, client, owner, case):
    record_session(client, case)
    [stored] = sessions_of(db, case)
    response = client.post_form(f"/cases/{case.id}/sessions/{stored.id}",
                                session_data(duration_minutes="0", version="999"))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "duration_minutes")


def test_reads_and_writes_are_audited_without_content(db, client, owner, case):
    record_session(client, case)
    [stored] = sessions_of(db, case)
    client.get(f"/cases/{case.id}/sessions/{stored.id}")
    [recorded] = entries(db, "session.recorded", stored.id)
    [opened] = entries(db, "session.opened", stored.id)
    for entry in (recorded, opened):
        assert entry.actor_id == owner.id and entry.target_type == "session"
        assert case.id in entry.details
    assert entries(db, "case.opened", case.id)
    assert CANARY not in all_audit_text(db) and "Farsi" not in all_audit_text(db)


def test_a_session_id_of_another_case_is_refused_like_any_unknown_id(db, client, owner, case):
    other_case = new_case(db, owner, name="Ayşe")
    record_session(client, other_case)
    [foreign] = sessions_of(db, other_case)
    wrong = client.get(f"/cases/{case.id}/sessions/{foreign.id}")
    unknown = client.get(f"/cases/{case.id}/sessions/5d0c1c1e-7a1b-4c6e-9a51-0b1f2d3e4f5a")
    assert wrong.status_code == unknown.status_code == 403
    assert error_section(wrong) == error_section(unknown)
    assert "do not have access" in error_section(wrong)
    posted = client.post_form(f"/cases/{case.id}/sessions/{foreign.id}",
                              session_data(notes="overwrite", version="1"),
                              token_page=f"/cases/{case.id}/sessions/new")
    assert posted.status_code == 403 and foreign.details["notes"] == CANARY
    refused = entries(db, "record.access_refused", foreign.id)
    assert refused and refused[0].actor_id == owner.id


def test_the_service_refuses_what_a_form_would_have(db, owner, case):
    """Called without a form (a script, a later API), the rules still hold and nothing is stored."""
    actor = db.get(User, owner.id)
    good = {"duration_minutes": 30, "service": "information", "mode": "phone"}
    for held_on, bad in ((date(2026, 11, 24), {"duration_minutes": 0}),
                         (date(2026, 11, 24), {"service": "astrology"}),
                         (date(2026, 11, 24), {"notes": "x" * 10001}),
                         (date(2026, 11, 26), {}),
                         (date(2026, 11, 24), {"next_follow_up_on": date(2026, 11, 24)})):
        with pytest.raises(InvalidRecord) as refused:
            service.add_session(db, case, actor=actor, held_on=held_on, **{**good, **bad})
        assert refused.value.status == 400 and refused.value.problems
    assert count_sessions(db) == 0 and case.next_follow_up_on is None
