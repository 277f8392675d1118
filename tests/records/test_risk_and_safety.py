"""Risk assessments and safety plans: dated, each kept, the latest first, sealed, audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from casework.cases.models import Case, RiskAssessment, SafetyPlan
from tests.records import (all_audit_text, case, entries, field_error, owner,  # noqa: F401
                           raw_bytes)

CANARY = "CANARY-risk-91c2 he keeps a hunting rifle in the car"
PLAN_CANARY = "CANARY-plan-33d0 her sister Maria at the bakery"


def assess(client, case, **overrides):
    data = {"assessed_on": "2026-11-20", "indicators": ["threats_to_kill", "weapons"],
            "level": "high", "note": CANARY}
    data.update(overrides)
    return client.post_form(f"/cases/{case.id}/risk/new", data)


def plan(client, case, **overrides):
    data = {"made_on": "2026-11-24", "safe_contacts": PLAN_CANARY, "safe_places": "",
            "documents": "passport at the centre", "children": "", "escape_plan": "",
            "digital_safety": "new phone", "review_on": "2026-12-15"}
    data.update(overrides)
    return client.post_form(f"/cases/{case.id}/safety-plans/new", data)


def assessments_of(db, case):
    return list(db.scalars(select(RiskAssessment).where(RiskAssessment.case_id == case.id)))


def test_an_assessment_is_recorded_sealed_and_sets_the_level_of_the_case(db, client, owner, case):
    response = assess(client, case)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    [stored] = assessments_of(db, case)
    assert stored.assessed_on == date(2026, 11, 20) and stored.assessed_by_id == owner.id
    assert stored.assessment == {"indicators": ["threats_to_kill", "weapons"], "level": "high",
                                 "note": CANARY}
    assert db.get(Case, case.id).risk_level == "high"
    assert CANARY.encode() not in raw_bytes(db, RiskAssessment.assessment_sealed, stored.id)
    assert b"threats_to_kill" not in raw_bytes(db, RiskAssessment.assessment_sealed, stored.id)
    assert b"high" not in raw_bytes(db, Case.risk_level_sealed, case.id)

    page = client.get(f"/cases/{case.id}/risk/{stored.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert CANARY in html and "Threats to kill" in html and 'class="risk-high"' in html
    [assessed] = entries(db, "risk.assessed", stored.id)
    [opened] = entries(db, "risk.opened", stored.id)
    assert assessed.actor_id == opened.actor_id == owner.id
    assert case.id in assessed.details and "high" not in assessed.details
    assert CANARY not in all_audit_text(db)


def test_each_assessment_is_kept_and_the_latest_is_shown_first(db, client, owner, case, clock):
    assess(client, case, assessed_on="2026-11-03", level="medium", note="first")
    clock.advance(minutes=1)
    assess(client, case, assessed_on="2026-11-20", level="high", note="second")
    assert case.risk_level == "high"
    clock.advance(minutes=1)
    assess(client, case, assessed_on="2026-11-25", level="standard", indicators=[], note="third")
    assert case.risk_level == "standard"
    # an older assessment entered late is kept but does not replace the current level
    clock.advance(minutes=1)
    assess(client, case, assessed_on="2026-10-01", level="high", note="late entry")
    assert case.risk_level == "standard"
    assert len(assessments_of(db, case)) == 4

    html = client.get(f"/cases/{case.id}/risk/new").get_data(as_text=True)
    days = ["2026-11-25", "2026-11-20", "2026-11-03", "2026-10-01"]
    positions = [html.index(f'<time datetime="{day}">') for day in days]
    assert positions == sorted(positions)


def test_a_level_is_required_and_codes_posted_by_hand_are_refused(db, client, owner, case):
    missing = assess(client, case, level="")
    assert missing.status_code == 400
    assert "Choose one of the options" in field_error(missing.get_data(as_text=True), "level")
    bogus = assess(client, case, level="extreme", indicators=["threats_to_kill", "bad_moon"])
    html = bogus.get_data(as_text=True)
    assert bogus.status_code == 400
    assert "Choose one of the options offered" in field_error(html, "level")
    assert "Choose only among the options offered" in field_error(html, "indicators")
    assert CANARY in html  # the note she typed is still there
    future = assess(client, case, assessed_on="2026-12-01")
    assert "cannot be in the future" in field_error(future.get_data(as_text=True), "assessed_on")
    too_long = assess(client, case, note="n" * 10001)
    assert "at most 10,000 characters; this has 10,001" in field_error(too_long.get_data(as_text=True), "note")
    assert assessments_of(db, case) == [] and case.risk_level is None


def test_a_safety_plan_is_recorded_sealed_and_read_back(db, client, owner, case):
    response = plan(client, case)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    [stored] = db.scalars(select(SafetyPlan).where(SafetyPlan.case_id == case.id)).all()
    assert stored.made_on == date(2026, 11, 24) and stored.made_by_id == owner.id
    assert stored.plan == {"sections": {"safe_contacts": PLAN_CANARY, "documents": "passport at the centre",
                                        "digital_safety": "new phone"},
                           "review_on": "2026-12-15"}
    assert PLAN_CANARY.encode() not in raw_bytes(db, SafetyPlan.plan_sealed, stored.id)
    html = client.get(f"/cases/{case.id}/safety-plans/{stored.id}").get_data(as_text=True)
    assert PLAN_CANARY in html and "Documents and essentials" in html and "2026-12-15" in html
    assert entries(db, "safety_plan.recorded", stored.id)[0].actor_id == owner.id
    assert entries(db, "safety_plan.opened", stored.id)[0].actor_id == owner.id
    assert PLAN_CANARY not in all_audit_text(db) and CANARY not in all_audit_text(db)


def test_each_plan_is_kept_latest_first(db, client, owner, case, clock):
    plan(client, case, made_on="2026-11-02", review_on="")
    clock.advance(minutes=1)
    plan(client, case, made_on="2026-11-24", safe_contacts="updated contacts")
    assert db.scalar(select(func.count()).select_from(SafetyPlan)) == 2
    html = client.get(f"/cases/{case.id}/safety-plans/new").get_data(as_text=True)
    assert html.index('datetime="2026-11-24"') < html.index('datetime="2026-11-02"')


def test_bad_plans_are_refused_with_everything_kept(db, client, owner, case):
    empty = plan(client, case, safe_contacts="", documents="", digital_safety="")
    assert empty.status_code == 400 and "at least one section" in empty.get_data(as_text=True)
    review = plan(client, case, review_on="2026-11-20")
    html = review.get_data(as_text=True)
    assert review.status_code == 400 and "after the date of the plan" in field_error(html, "review_on")
    assert PLAN_CANARY in html and "passport at the centre" in html
    future = plan(client, case, made_on="2026-11-30")
    assert "cannot be in the future" in field_error(future.get_data(as_text=True), "made_on")
    long_section = plan(client, case, escape_plan="e" * 12345)
    assert "at most 10,000 characters; this has 12,345" in field_error(
        long_section.get_data(as_text=True), "escape_plan")
    assert db.scalar(select(func.count()).select_from(SafetyPlan)) == 0


def test_plan_text_is_stored_as_typed_and_shown_escaped(db, client, owner, case):
    typed = '=HYPERLINK("x") <script>alert(1)</script>'
    assert plan(client, case, escape_plan=typed).status_code == 302
    [stored] = db.scalars(select(SafetyPlan)).all()
    assert stored.plan["sections"]["escape_plan"] == typed
    html = client.get(f"/cases/{case.id}/safety-plans/{stored.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "=HYPERLINK(&#34;x&#34;) &lt;script&gt;alert(1)&lt;/script&gt;" in html
