"""The case page: header, sections and timeline; the closed banner; the same refusal for
everyone else and for ids that do not exist; content escaped and never in the audit log."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from sqlalchemy import select, text

from casework.audit.models import AuditEntry
from casework.cases.models import Case, CaseSession, CaseShare, Consent, RiskAssessment, SafetyPlan
from casework.clients.identity import erase_client
from casework.crypto.fields import forget_opened_values
from tests.cases.test_dashboard import latest, make_case, people, sign_in  # noqa: F401 - fixture

CANARY = "canary-7f3a9c"
INTAKE = {
    "reason_for_contact": "gender_based_violence", "intake_date": "2026-11-02",
    "contact_channel": "phone", "referral_source": "police", "requests": ["legal_counselling"],
    "violence_types": ["physical", "economic"], "area": "same_region",
    "history": {"duration": "1_5y", "first_incident_year": 2021},
    "justice_steps": [{"step": "police_complaint", "on": "2026-10-30"}],
    "narrative": f"He took her papers. {CANARY}\n<script>alert('x')</script>\n=HYPERLINK(\"http://evil\")",
}


def add(db, record, **sealed):
    """Add a record below a case the way the records service does: row first, then seal."""
    db.add(record)
    db.flush()
    for name, value in sealed.items():
        setattr(record, name, value)
    db.flush()
    return record


@pytest.fixture
def full_case(db, people) -> Case:
    """An active case with an intake, a perpetrator, two sessions, two risk assessments,
    a safety plan and consents (one withdrawn)."""
    owner = people["owner"]
    case = make_case(db, owner, "Ελένη", "Ιωάννου", intake=INTAKE, risk="high",
                     follow_up=date(2026, 11, 27))
    case.perpetrators = [{"relationship": "former_partner", "sex": "male", "age_band": "35_44"}]
    key = {"case_id": case.id, "data_key_id": case.data_key_id}
    add(db, CaseSession(**key, counsellor_id=owner.id, held_on=date(2026, 11, 10)),
        details={"service": "legal_counselling", "duration_minutes": 50, "notes": CANARY})
    add(db, CaseSession(**key, counsellor_id=owner.id, held_on=date(2026, 11, 20)),
        details={"service": "psychological_support", "duration_minutes": 45, "notes": ""})
    add(db, RiskAssessment(**key, assessed_by_id=owner.id, assessed_on=date(2026, 11, 3)),
        assessment={"level": "medium", "indicators": ["stalking"], "note": ""})
    add(db, RiskAssessment(**key, assessed_by_id=owner.id, assessed_on=date(2026, 11, 12)),
        assessment={"level": "high", "indicators": ["threats_to_kill", "weapons"], "note": ""})
    add(db, SafetyPlan(**key, made_by_id=owner.id, made_on=date(2026, 11, 12)),
        plan={"safe_places": "Her sister's flat", "escape_plan": "Bag at the neighbour's"})
    add(db, Consent(**key, client_id=case.client_id, kind="processing", given_on=date(2026, 11, 2)),
        scope={})
    add(db, Consent(**key, client_id=case.client_id, kind="statistics", given_on=date(2026, 11, 2),
                    withdrawn_on=date(2026, 11, 21)), scope={})
    db.commit()
    return case


def page_of(client, case_id: str):
    return client.get(f"/cases/{case_id}")


def test_header_shows_code_status_risk_counsellor_and_follow_up(app, client, db, people, full_case):
    sign_in(client, app, people["owner"])
    response = page_of(client, full_case.id)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    header = page[page.index("<h1>"):page.index('id="actions-title"')]
    assert f"<bdi>{full_case.code}</bdi>" in header
    assert '<span class="status-badge">Active</span>' in header
    assert '<strong class="risk-high">High</strong>' in header
    assert "High risk." in header
    assert "<bdi>Anna Counsellor</bdi>" in header
    assert "2026-11-27" in header
    assert '<bdi dir="auto">Ελένη Ιωάννου</bdi>' in header
    assert "Closed — read-only" not in page


def test_links_to_the_actions_on_the_case(app, client, db, people, full_case):
    sign_in(client, app, people["owner"])
    page = page_of(client, full_case.id).get_data(as_text=True)
    base = f"/cases/{full_case.id}"
    for path in ("/sessions/new", "/risk/new", "/safety-plans/new", "/consents", "/close", "/sharing"):
        assert f'href="{base}{path}"' in page
    assert f'href="/clients/{full_case.client_id}"' in page
    assert "/reopen" not in page and f"/intake/{full_case.id}/" not in page


def test_sections_show_labels_not_codes(app, client, db, people, full_case):
    sign_in(client, app, people["owner"])
    page = page_of(client, full_case.id).get_data(as_text=True)
    intake = page[page.index('id="intake-title"'):page.index('id="perpetrators-title"')]
    for words in ("Gender-based violence", "Phone", "Police", "Legal counselling",
                  "Physical, Economic", "1–5 years", "Police complaint", "2026-10-30", "Same region"):
        assert words in intake
    assert "gender_based_violence" not in intake
    perpetrators = page[page.index('id="perpetrators-title"'):page.index('id="risk-title"')]
    assert "Former partner" in perpetrators and "35–44" in perpetrators
    risk = page[page.index('id="risk-title"'):page.index('id="plan-title"')]
    assert "2026-11-12" in risk and "Threats to kill, Weapons used or available" in risk
    assert "Stalking" not in risk  # only the latest assessment
    plan = page[page.index('id="plan-title"'):page.index('id="consents-title"')]
    assert "Her sister&#39;s flat" in plan and "Escape plan" in plan
    consents = page[page.index('id="consents-title"'):page.index('id="timeline-title"')]
    assert "Processing of her data" in consents and "2026-11-21" in consents


def test_timeline_newest_first_with_links_to_each_record(app, client, db, people, full_case):
    sign_in(client, app, people["owner"])
    page = page_of(client, full_case.id).get_data(as_text=True)
    timeline = page[page.index('id="timeline-title"'):]
    items = [line for line in timeline.split("<li>")[1:]]
    days = [item.split('datetime="')[1][:10] for item in items]
    assert days == sorted(days, reverse=True)
    texts = " | ".join(items)
    for words in ("Psychological support, 45 minutes", "Legal counselling, 50 minutes",
                  "Risk level: High", "Risk level: Medium", "Safety plan made",
                  "Processing of her data: given", "Counting in anonymised statistics: withdrawn",
                  "Intake started", "Intake completed: the case is active"):
        assert words in texts
    session_ids = db.scalars(select(CaseSession.id).where(CaseSession.case_id == full_case.id))
    for session_id in session_ids:
        assert f'href="/cases/{full_case.id}/sessions/{session_id}"' in timeline
    assert f'href="/cases/{full_case.id}/risk/' in timeline
    assert f'href="/cases/{full_case.id}/safety-plans/' in timeline
    assert '<strong class="risk-high">Risk level: High</strong>' in timeline


def test_records_written_by_the_records_service_show_on_the_page_and_the_dashboard(
        app, client, db, people):
    from casework.records import service as records

    owner = people["owner"]
    case = make_case(db, owner, "Ελένη")
    records.add_session(db, case, actor=owner, held_on=date(2026, 11, 24), duration_minutes=55,
                        service="social_support", mode="phone", interpreter_used=False,
                        interpreter_language="", notes=CANARY, next_follow_up_on=date(2026, 11, 28))
    records.add_risk_assessment(db, case, actor=owner, assessed_on=date(2026, 11, 24),
                                indicators=["strangulation"], level="high")
    records.add_safety_plan(db, case, actor=owner, made_on=date(2026, 11, 24),
                            sections={"digital_safety": "New phone, old one switched off"},
                            review_on=date(2026, 12, 8))
    db.commit()
    sign_in(client, app, owner)
    page = page_of(client, case.id).get_data(as_text=True)
    header = page[page.index("<h1>"):page.index('id="actions-title"')]
    assert '<strong class="risk-high">High</strong>' in header and "2026-11-28" in header
    assert "New phone, old one switched off" in page and "2026-12-08" in page
    assert "Strangulation or choking" in page
    timeline = page[page.index('id="timeline-title"'):]
    assert "Social support, 55 minutes" in timeline and "Risk level: High" in timeline
    dashboard = client.get("/cases/").get_data(as_text=True)
    due = dashboard[dashboard.index('id="follow-ups-title"'):dashboard.index('id="drafts-title"')]
    assert case.code in due
    activity = dashboard[dashboard.index('id="activity-title"'):]
    for words in ("session recorded", "risk assessed", "safety plan recorded"):
        assert f"case <bdi>{case.code}</bdi>: {words}" in activity


def test_a_closed_case_says_read_only_and_offers_reopening(app, client, db, people):
    case = make_case(db, people["owner"], "Closed", status="closed")
    sign_in(client, app, people["owner"])
    page = page_of(client, case.id).get_data(as_text=True)
    assert "Closed — read-only." in page and "2026-11-20" in page
    assert f'action="/cases/{case.id}/reopen"' in page
    assert f'name="version" value="{case.version}"' in page
    assert "/sessions/new" not in page and "/close" not in page
    assert "Case closed: Goals met" in page[page.index('id="timeline-title"'):]
    # The button's form is the one the records area expects: reopening works from here.
    response = client.post_form(f"/cases/{case.id}/reopen", {"version": case.version},
                                token_page=f"/cases/{case.id}")
    assert response.status_code in (302, 303)
    page = page_of(client, case.id).get_data(as_text=True)
    assert "Closed — read-only." not in page and "Case reopened" in page


def test_a_draft_offers_to_continue_the_intake(app, client, db, people):
    case = make_case(db, people["owner"], "Drafted", status="draft")
    sign_in(client, app, people["owner"])
    page = page_of(client, case.id).get_data(as_text=True)
    assert f'href="/intake/{case.id}/' in page and "Continue the intake" in page
    assert "Nothing recorded yet." in page


def test_after_her_erasure_the_case_shows_only_its_metadata(app, client, db, people):
    case = make_case(db, people["owner"], "Erased", risk="high", intake=INTAKE)
    erase_client(db, case.client_id, actor=people["owner"])
    db.commit()
    forget_opened_values(case)  # as in a new request: nothing opened before is still in memory
    sign_in(client, app, people["owner"])
    page = page_of(client, case.id).get_data(as_text=True)
    assert "Her record was erased" in page and case.code in page
    assert CANARY not in page and "Erased" not in page.replace("Her record was erased", "")
    assert "Intake completed: the case is active" in page
    dashboard = client.get("/cases/")
    assert dashboard.status_code == 200 and case.code in dashboard.get_data(as_text=True)


def test_opening_is_audited_without_content(app, client, db, people, full_case):
    sign_in(client, app, people["owner"])
    page_of(client, full_case.id)
    entry = latest(db, "case.opened")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (people["owner"].id, "case", full_case.id)
    everything = " ".join(f"{e.target_id} {e.details}" for e in db.scalars(select(AuditEntry)))
    assert CANARY not in everything and "Ελένη" not in everything


def test_a_colleague_it_is_shared_with_sees_it(app, client, db, people, full_case):
    db.add(CaseShare(case_id=full_case.id, counsellor_id=people["colleague"].id))
    db.commit()
    sign_in(client, app, people["colleague"])
    assert page_of(client, full_case.id).status_code == 200


def _refusal_page(response) -> str:
    page = response.get_data(as_text=True)
    return page[page.index("<main"):page.index("</main>")]


def test_another_counsellor_gets_the_same_refusal_as_for_an_unknown_id(app, client, db, people, full_case):
    own = make_case(db, people["colleague"], "Hers")
    own_session = add(db, CaseSession(case_id=own.id, data_key_id=own.data_key_id,
                                      held_on=date(2026, 11, 20)), details={})
    db.commit()
    sign_in(client, app, people["colleague"])
    responses = [page_of(client, case_id) for case_id in
                 (full_case.id, str(uuid.uuid4()), own_session.id, "x" * 80)]
    assert [r.status_code for r in responses] == [403] * 4
    assert len({_refusal_page(r) for r in responses}) == 1
    assert CANARY not in _refusal_page(responses[0]) and "Ελένη" not in _refusal_page(responses[0])
    refusals = db.scalars(select(AuditEntry).where(AuditEntry.action == "case.access_refused")
                          .order_by(AuditEntry.seq)).all()
    assert [e.actor_id for e in refusals] == [people["colleague"].id] * 4
    assert refusals[0].target_id == full_case.id
    assert json.loads(refusals[0].details) == {"attempted": "case.opened"}
    assert latest(db, "case.opened") is None or latest(db, "case.opened").actor_id != people["colleague"].id


@pytest.mark.parametrize("who", ["coordinator", "admin", "partner"])
def test_other_roles_are_refused(app, client, db, people, full_case, who):
    sign_in(client, app, people[who])
    response = page_of(client, full_case.id)
    assert response.status_code == 403
    assert "Ελένη" not in response.get_data(as_text=True)
    entry = latest(db, "access.refused")
    assert (entry.actor_id, entry.target_id) == (people[who].id, "cases.view")


def test_anonymous_is_sent_to_sign_in(client, db, people, full_case):
    response = page_of(client, full_case.id)
    assert response.status_code == 302
    assert response.location.split("?")[0].endswith("/auth/sign-in")


def test_narrative_markup_and_formulas_are_shown_as_typed_text(app, client, db, people, full_case):
    sign_in(client, app, people["owner"])
    page = page_of(client, full_case.id).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "=HYPERLINK(&#34;http://evil&#34;)" in page
    assert CANARY in page  # shown to her, as typed


def test_the_database_holds_no_plaintext_of_the_case(app, client, db, people, full_case):
    sign_in(client, app, people["owner"])
    assert CANARY in page_of(client, full_case.id).get_data(as_text=True)
    raw = db.execute(text("SELECT intake_sealed, risk_level_sealed FROM cases WHERE id = :id"),
                     {"id": full_case.id}).one()
    notes = db.execute(text("SELECT details_sealed FROM case_sessions WHERE case_id = :id"),
                       {"id": full_case.id}).scalars().all()
    for blob in (*raw, *notes):
        assert CANARY.encode() not in bytes(blob) and b"high" not in bytes(blob)
    audit = db.execute(text("SELECT details FROM audit_entries")).scalars().all()
    assert not any(CANARY in details for details in audit)
