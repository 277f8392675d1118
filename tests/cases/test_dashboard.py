"""The counsellor's dashboard: her cases in order, drafts, follow-ups due this week, recent
activity; only her own cases; refused to every other role. Also the helpers the other page
tests of this folder use (people, make_case)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Optional

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEntry
from casework.audit.service import record
from casework.auth.models import User
from casework.cases.models import Case, CaseSession, CaseShare
from casework.cases.service import activate_case, close_case, open_case
from casework.clients.identity import register_client

OPENED_ON = date(2026, 11, 2)


@pytest.fixture
def people(db, make_user, clock) -> dict[str, User]:
    """Two counsellors (the second not assigned, nothing shared) and the other roles."""
    names = ("owner", "colleague", "coordinator", "admin", "partner")
    roles = ("counsellor", "counsellor", "coordinator", "admin", "shelter_partner")
    users = {name: db.get(User, make_user(role).id) for name, role in zip(names, roles)}
    users["owner"].display_name = "Anna Counsellor"
    db.commit()
    return users


def make_case(db, owner: User, given: str = "Eleni", family: str = "", *, status: str = "active",
              phones: tuple[str, ...] = (), follow_up: Optional[date] = None,
              risk: Optional[str] = None, intake: Optional[dict] = None) -> Case:
    """A client of `owner` with one case in `status`, committed (as after earlier requests)."""
    client = register_client(db, actor=owner, identity={"given_name": given, "family_name": family},
                             contacts={"phones": [{"number": number} for number in phones]})
    case = open_case(db, actor=owner, client=client)
    if intake:
        case.intake = intake
    if status in ("active", "closed"):
        activate_case(db, case, actor=owner, expected_version=case.version, opened_on=OPENED_ON)
    if status == "closed":
        close_case(db, case, actor=owner, expected_version=case.version,
                   closed_on=date(2026, 11, 20), reason="goals_met")
    # The records service keeps these two; set directly here to test the pages alone.
    case.next_follow_up_on = follow_up
    if risk:
        case.risk_level = risk
    db.flush()
    db.commit()
    return case


def sign_in(client: Any, app: Any, user: User) -> None:
    """Sign `client` in as an existing user (as login_as does for a new one)."""
    import secrets

    from casework.extensions import db as databases
    from casework.security.models import WebSession
    from casework.security.sessions import token_hash

    token = secrets.token_urlsafe(32)
    databases.session.add(WebSession(token_hash=token_hash(token), user_id=user.id,
                                     data=json.dumps({"_user_id": str(user.id), "_fresh": True})))
    databases.session.commit()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token, domain="localhost")


def latest(db, action: str) -> Optional[AuditEntry]:
    return db.scalars(select(AuditEntry).where(AuditEntry.action == action)
                      .order_by(AuditEntry.seq.desc())).first()


def test_counsellor_lands_on_her_dashboard(app, client, db, people):
    sign_in(client, app, people["owner"])
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.endswith("/cases/")


def test_the_coordinator_lands_on_the_statistics(app, client, db, people):
    sign_in(client, app, people["coordinator"])
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.endswith("/reports/")
    assert 'href="/reports/"' in client.get("/reports/").get_data(as_text=True)  # and the menu


def test_lists_her_cases_and_shared_ones_active_first_then_drafts_then_closed(app, client, db, people):
    owner, colleague = people["owner"], people["colleague"]
    closed = make_case(db, owner, "Closed", status="closed")
    draft = make_case(db, owner, "Drafted", status="draft")
    later = make_case(db, owner, "Later", follow_up=date(2026, 12, 20))
    sooner = make_case(db, owner, "Sooner", follow_up=date(2026, 12, 1))
    shared = make_case(db, colleague, "Shared", follow_up=date(2026, 12, 10))
    db.add(CaseShare(case_id=shared.id, counsellor_id=owner.id, shared_by_id=colleague.id))
    not_hers = make_case(db, colleague, "Hidden", "Stranger")
    db.commit()
    sign_in(client, app, owner)

    page = client.get("/cases/").get_data(as_text=True)
    section = page[page.index('id="cases-title"'):page.index('id="activity-title"')]
    positions = [section.index(case.code) for case in (sooner, shared, later, draft, closed)]
    assert positions == sorted(positions)
    assert not_hers.code not in page and "Hidden" not in page and "Stranger" not in page
    assert '<bdi dir="auto">Sooner</bdi>' in section
    assert f'href="/cases/{sooner.id}"' in section


def test_drafts_have_their_own_list(app, client, db, people):
    draft = make_case(db, people["owner"], "Drafted", status="draft")
    active = make_case(db, people["owner"], "Active")
    sign_in(client, app, people["owner"])
    page = client.get("/cases/").get_data(as_text=True)
    drafts = page[page.index('id="drafts-title"'):page.index('id="cases-title"')]
    assert draft.code in drafts and active.code not in drafts


def test_follow_ups_due_from_today_to_the_end_of_the_week_only(app, client, db, people, clock):
    owner = people["owner"]  # the clock says Wednesday 2026-11-25; the week ends Sunday the 29th
    today = make_case(db, owner, "Today", follow_up=date(2026, 11, 25))
    sunday = make_case(db, owner, "Sunday", follow_up=date(2026, 11, 29))
    monday = make_case(db, owner, "Monday", follow_up=date(2026, 11, 30))
    past = make_case(db, owner, "Past", follow_up=date(2026, 11, 24))
    sign_in(client, app, owner)

    def due() -> str:
        page = client.get("/cases/").get_data(as_text=True)
        return page[page.index('id="follow-ups-title"'):page.index('id="drafts-title"')]

    section = due()
    assert today.code in section and sunday.code in section
    assert monday.code not in section and past.code not in section
    assert "2026-11-29" in section

    clock.advance(days=5)  # Monday 2026-11-30: a new week (and a new sign-in)
    sign_in(client, app, owner)
    section = due()
    assert monday.code in section
    assert today.code not in section and sunday.code not in section


def test_a_closed_case_has_no_follow_up_due(app, client, db, people):
    closed = make_case(db, people["owner"], "Closed", status="closed")
    closed.next_follow_up_on = date(2026, 11, 26)
    db.commit()
    sign_in(client, app, people["owner"])
    page = client.get("/cases/").get_data(as_text=True)
    assert closed.code not in page[page.index('id="follow-ups-title"'):page.index('id="drafts-title"')]


def test_high_risk_is_visible_in_words_and_marked(app, client, db, people):
    make_case(db, people["owner"], "Risky", risk="high")
    make_case(db, people["owner"], "Calm", risk="standard")
    sign_in(client, app, people["owner"])
    page = client.get("/cases/").get_data(as_text=True)
    assert '<strong class="risk-high">High</strong>' in page
    assert "<span>Standard</span>" in page
    assert "Not assessed" not in page


def test_recent_activity_in_words_for_her_cases_only(app, client, db, people):
    mine = make_case(db, people["owner"], "Mine")
    theirs = make_case(db, people["colleague"], "Theirs")
    contact = CaseSession(case_id=mine.id, data_key_id=mine.data_key_id, held_on=date(2026, 11, 24))
    db.add(contact)
    db.flush()
    # As the records service writes them: about the session, by the colleague it is shared with.
    record(db, "session.recorded", actor=people["colleague"], target_type="session",
           target_id=contact.id, details={"case_id": mine.id})
    record(db, "risk.assessed", actor=people["owner"], target_type="case", target_id=mine.id)
    record(db, "session.recorded", actor=people["colleague"], target_type="case", target_id=theirs.id)
    record(db, "case.opened", actor=people["owner"], target_type="case", target_id=mine.id)
    db.commit()
    sign_in(client, app, people["owner"])
    page = client.get("/cases/").get_data(as_text=True)
    activity = page[page.index('id="activity-title"'):]
    items = activity.split("<li>")[1:]
    assert f"case <bdi>{mine.code}</bdi>: risk assessed" in items[0] and "by you" in items[0]
    assert f"case <bdi>{mine.code}</bdi>: session recorded" in items[1]
    assert f"by <bdi>{people['colleague'].username}</bdi>" in items[1]
    assert "intake completed" in activity
    assert theirs.code not in activity and "opened" not in activity


def test_recent_activity_looks_back_a_bounded_number_of_entries(app, client, db, people,
                                                                 monkeypatch):
    from casework.cases import queries

    mine = make_case(db, people["owner"], "Mine")
    record(db, "case.closed", actor=people["colleague"], target_type="case", target_id=mine.id)
    for _ in range(5):  # later entries that are not about her cases
        record(db, "case.opened", actor=people["colleague"], target_type="case", target_id="x")
    db.commit()
    sign_in(client, app, people["owner"])
    monkeypatch.setattr(queries, "ACTIVITY_HORIZON", 8)
    assert "case closed" in client.get("/cases/").get_data(as_text=True)
    monkeypatch.setattr(queries, "ACTIVITY_HORIZON", 4)
    assert "case closed" not in client.get("/cases/").get_data(as_text=True)


def test_the_dashboard_read_is_audited_without_names(app, client, db, people):
    make_case(db, people["owner"], "Zoë-canary", "Nameless")
    sign_in(client, app, people["owner"])
    assert client.get("/cases/").status_code == 200
    entry = latest(db, "cases.listed")
    assert entry.actor_id == people["owner"].id
    assert json.loads(entry.details) == {"cases": 1, "page": 1}


@pytest.mark.parametrize("who", ["coordinator", "admin", "partner"])
def test_other_roles_are_refused(app, client, db, people, who):
    make_case(db, people["owner"], "Eleni")
    sign_in(client, app, people[who])
    response = client.get("/cases/")
    assert response.status_code == 403
    assert "Eleni" not in response.get_data(as_text=True)
    assert latest(db, "access.refused").target_id == "cases.dashboard"


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response.location.split("?")[0].endswith("/auth/sign-in")


def test_all_my_cases_come_in_pages(db, client, login_as, monkeypatch):
    from casework.cases import queries
    from casework.cases.service import open_case
    from casework.clients.identity import register_client
    from casework.auth.models import User

    monkeypatch.setattr(queries, "CASES_PER_PAGE", 2)
    me = db.get(User, login_as("counsellor").id)
    for n in range(5):
        open_case(db, actor=me, client=register_client(db, actor=me, identity={"given_name": f"Page{n}"}))
    db.commit()
    first = client.get("/cases/").get_data(as_text=True)
    assert "Page 1 of 3" in first and "Next page" in first and "Previous page" not in first
    last = client.get("/cases/?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last and "Previous page" in last
    assert "Page 3 of 3" in client.get("/cases/?page=99").get_data(as_text=True)  # clamped
